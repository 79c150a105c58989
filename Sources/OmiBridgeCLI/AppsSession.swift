import Foundation
import OmiApps
import Store
import Transcription

/// The configured apps for one command run (`transcribe`, `replay --transcribe`, `run`): segments are handed over
/// synchronously and in order to the `transcript_processed` trigger (1 s cadence) and the conversation
/// lifecycle, decoded audio to the `audio_bytes` trigger; at the end the conversation is closed, stored and put in
/// the outbox for `memory_creation` apps, and the outbox is delivered once (what cannot be delivered yet stays
/// there for `omi-bridge outbox deliver` or the daemon). Live (`run`), the conversation also closes after
/// `webhooks.conversation_timeout_s` of silence and the outbox is delivered continuously, starting with what an
/// earlier run left. Answers go through the `AppEventRouter`: chat, proactive decisions, and `delivery` (the
/// notification centre in `run`, else the feed). Every call and notification is logged.
final class AppsSession: Sendable {
    private let client: WebhookClient
    private let transcripts: TranscriptTrigger
    private let memories: MemoryTrigger
    private let outbox: OutboxDeliverer
    private let audio: AudioBytesTrigger
    private let feed: AsyncStream<TranscriptSegment>.Continuation
    private let audioFeed: AsyncStream<[Int16]>.Continuation
    private let pump: Task<Void, Never>
    private let runner: Task<Void, Never>
    private let audioPump: Task<Void, Never>
    private let audioRunner: Task<Void, Never>
    /// Live only: the silence-timeout checks and the outbox's poll loop.
    private let background: [Task<Void, Never>]
    /// Whether any app takes `audio_bytes` (the caller taps the decoded audio only then).
    let wantsAudio: Bool

    /// Nil when no app has a webhook. `database` defaults to a connection of its own to `storage.path`;
    /// `delivery` to the feed.
    init?(
        _ settings: BridgeSettings, database: BridgeDatabase? = nil, delivery: (any NotificationDelivery)? = nil,
        live: Bool = false, observe: (@Sendable (WebhookCall) -> Void)? = nil,
        log: @escaping @Sendable (String) -> Void = AppsSession.stderr
    ) throws(CLIFailure) {
        let apps = settings.apps
        guard apps.apps.contains(where: \.hasWebhook) else { return nil }
        let database = if let database { database } else { try Self.open(settings.storagePath) }
        let routed = try Self.router(
            settings, database: database, delivery: delivery ?? FeedDelivery(database: database, log: log), log: log)
        let router: any AppEventSink = observe.map { ObservedSink(next: routed, observe: $0) } ?? routed
        let client = WebhookClient()
        let breakers = CircuitBreakerRegistry()
        let transcripts = TranscriptTrigger(
            apps: apps.apps, uid: apps.uid, sessionID: UUID().uuidString.lowercased(), client: client, sink: router,
            breakers: breakers, upstreamBreakerJSON: apps.upstreamBreakerJSON)
        let outbox = OutboxDeliverer(
            store: database.outbox, apps: apps.apps, uid: apps.uid, client: client, breakers: breakers, sink: router)
        self.outbox = outbox
        let memories = MemoryTrigger(
            apps: apps.apps, uid: apps.uid, database: database,
            summarizer: ConversationSummarizer(generator: apps.generatorBackend == "preview" ? nil : Self.generator(apps)),
            sink: router, timeoutSeconds: apps.conversationTimeoutSeconds, streamStart: Date(),
            enqueued: { if live { _ = await outbox.deliverDue() } })
        self.memories = memories
        background = live ? [Task { await memories.run() }, Task { await outbox.run() }] : []
        let audio = AudioBytesTrigger(
            apps: apps.apps, uid: apps.uid, client: client, sink: router, seconds: apps.audioBytesSeconds,
            upstreamURLQuirk: apps.audioBytesURLQuirk, breakers: breakers, upstreamBreaker: apps.upstreamAudioBreaker)
        self.audio = audio
        wantsAudio = apps.apps.contains { $0.hasWebhook && $0.trigger == .audioBytes }
        let (chunks, audioFeed) = AsyncStream.makeStream(of: [Int16].self)
        self.audioFeed = audioFeed
        audioRunner = Task { await audio.run() }
        audioPump = Task {
            for await chunk in chunks { await audio.submit(chunk) }
        }
        let (segments, feed) = AsyncStream.makeStream(of: TranscriptSegment.self)
        self.client = client
        self.transcripts = transcripts
        self.feed = feed
        runner = Task { await transcripts.run() }
        pump = Task {
            for await segment in segments {
                await transcripts.submit(segment)
                await memories.submit(segment)
            }
        }
    }

    func submit(_ segment: TranscriptSegment) { feed.yield(segment) }

    /// Decoded audio for `audio_bytes` apps, in order (called on the transcription stage's thread).
    func submitAudio(_ samples: UnsafeBufferPointer<Int16>) { audioFeed.yield(Array(samples)) }

    /// The tap to give the transcription stage: nil when no app takes audio.
    var audioTap: (@Sendable (UnsafeBufferPointer<Int16>) -> Void)? {
        guard wantsAudio else { return nil }
        return { @Sendable [self] samples in submitAudio(samples) }
    }

    func finish() async {
        feed.finish()
        audioFeed.finish()
        await audioPump.value
        await audio.finish()
        await audioRunner.value
        await pump.value
        await transcripts.finish()
        await runner.value
        for task in background { task.cancel() }
        for task in background { await task.value }
        await memories.closeNow()
        await outbox.deliverDue()
        await client.shutdown()
    }

    /// What the apps' answers go through: chat, the proactive processor (decisions recorded), the feed.
    static func router(
        _ settings: BridgeSettings, database: BridgeDatabase, delivery: any NotificationDelivery,
        log: @escaping @Sendable (String) -> Void
    ) throws(CLIFailure) -> AppEventRouter {
        let apps = settings.apps
        let limiter: ProactiveLimiter
        do { limiter = try ProactiveLimiter(dailyCap: apps.proactiveDailyCap) } catch {
            throw CLIFailure("webhooks.proactive_daily_cap: \(error)", exitCode: 2)
        }
        let processor = ProactiveProcessor(
            context: StoreProactiveContext(database: database, name: apps.userName, configuredFacts: apps.facts),
            generator: generator(apps),
            limiter: limiter, stripFourSpaces: apps.stripFourSpaces)
        var router = AppEventRouter(
            database: database, userID: apps.uid, processor: processor,
            delivery: delivery, log: log)
        router.upstreamChatOverwrite = apps.upstreamChatOverwrite
        return router
    }

    static func generator(_ apps: AppsSettings) -> any TextGenerator {
        guard apps.generatorBackend == "openai-chat", let url = apps.generatorURL else { return PreviewTextGenerator() }
        return OpenAIChatGenerator(
            options: .init(baseURL: url, model: apps.generatorModel, apiKey: apps.generatorKey.value, timeout: apps.generatorTimeout))
    }

    private static func open(_ path: String) throws(CLIFailure) -> BridgeDatabase {
        do { return try BridgeDatabase(path: path) } catch { throw CLIFailure(error.description) }
    }

    static let stderr: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
}

/// Hands every webhook call to `observe` (the scenario harness's record) before the router handles it.
struct ObservedSink: AppEventSink {
    let next: AppEventRouter
    let observe: @Sendable (WebhookCall) -> Void

    func webhookCalled(_ call: WebhookCall) async {
        observe(call)
        await next.webhookCalled(call)
    }

    func appMessage(app: AppManifest, text: String, conversationID: String?, alongsideNotification: Bool) async {
        await next.appMessage(app: app, text: text, conversationID: conversationID, alongsideNotification: alongsideNotification)
    }

    func proactiveRequested(app: AppManifest, notification: [UInt8]) async {
        await next.proactiveRequested(app: app, notification: notification)
    }

    func storeFailed(_ message: String) async { await next.storeFailed(message) }
}
