import Foundation
import OmiApps
import Transcription

/// The configured apps' webhooks for one command run (`transcribe`, `replay --transcribe`): segments are handed
/// over synchronously and in order, batched by the `transcript_processed` trigger on its 1 s cadence, and every
/// call is printed. `finish()` sends what is left and waits for every app's queue.
final class AppsSession: Sendable {
    private let client: WebhookClient
    private let trigger: TranscriptTrigger
    private let feed: AsyncStream<TranscriptSegment>.Continuation
    private let pump: Task<Void, Never>
    private let runner: Task<Void, Never>

    /// Nil when no app has a `transcript_processed` webhook.
    init?(_ settings: AppsSettings, sink: any AppEventSink = ConsoleAppSink()) {
        guard settings.apps.contains(where: { $0.hasWebhook && $0.trigger == .transcriptProcessed }) else { return nil }
        let client = WebhookClient()
        let trigger = TranscriptTrigger(
            apps: settings.apps, uid: settings.uid, sessionID: UUID().uuidString.lowercased(), client: client, sink: sink)
        let (segments, feed) = AsyncStream.makeStream(of: TranscriptSegment.self)
        self.client = client
        self.trigger = trigger
        self.feed = feed
        runner = Task { await trigger.run() }
        pump = Task {
            for await segment in segments { await trigger.submit(segment) }
        }
    }

    func submit(_ segment: TranscriptSegment) { feed.yield(segment) }

    func finish() async {
        feed.finish()
        await pump.value
        await trigger.finish()
        await runner.value
        await client.shutdown()
    }
}
