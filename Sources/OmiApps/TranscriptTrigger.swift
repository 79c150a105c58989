public import Foundation
public import Transcription

/// Everything a webhook call produced, for the next stages: the webhook log and metrics (every call), app
/// messages and proactive notifications (what the answer asked for). The notification centre implements it.
public protocol AppEventSink: Sendable {
    func webhookCalled(_ call: WebhookCall) async
    /// `alongsideNotification`: the same answer also carried a `notification` (omi-contract §8,
    /// `upstream_chat_overwrite`).
    func appMessage(app: AppManifest, text: String, conversationID: String?, alongsideNotification: Bool) async
    func proactiveRequested(app: AppManifest, notification: [UInt8]) async
    /// The store failed (disk full, I/O error): nothing was lost, the work stays queued; worth a log line.
    func storeFailed(_ message: String) async
}

/// One webhook call and its outcome.
public struct WebhookCall: Sendable {
    public var app: AppManifest
    public var trigger: AppTrigger
    public var request: WebhookRequest
    public var result: Result<WebhookResponse, WebhookFailure>
    public var response: AppResponse?
}

/// `transcript_processed` (omi-contract §3.2): finalized segments are batched and POSTed at most once per
/// `interval` (1 s), only when something is new, to every app with that trigger. The limit is kept on the
/// leading edge: a segment after a quiet second goes out at once, and what comes within the next `interval`
/// waits for it to pass and goes out as one batch (upstream flushes on a fixed 1 s tick, which adds 0–1 s to
/// every segment). Each app has its own ordered queue, so a slow app never delays the others
/// (`global_sequential_queue` off, omi-contract §8). The interval runs on an injected clock.
public actor TranscriptTrigger {
    public let apps: [AppManifest]
    private let uid: String
    private let sessionID: String
    private let client: WebhookClient
    private let sink: any AppEventSink
    private let clock: any Clock<Duration>
    private let interval: Duration
    private let breakers: CircuitBreakerRegistry
    private let now: @Sendable () -> Date
    private let upstreamBreakerJSON: Bool
    private var pending: [TranscriptSegment] = []
    /// The cadence task, waiting for the first segment after a quiet interval.
    private var waiter: CheckedContinuation<Void, Never>?
    private var finished = false
    private var queues: [String: AsyncStream<[TranscriptSegment]>.Continuation] = [:]
    private var streams: [String: AsyncStream<[TranscriptSegment]>] = [:]
    /// Batches handed to the app queues so far.
    public private(set) var batchesQueued = 0

    /// - Parameters:
    ///   - sessionID: the listen session, for `documented` mode; `backend` mode sends the uid instead.
    ///   - breakers: shared by every trigger, keyed by URL (omi-contract §3.1).
    ///   - upstreamBreakerJSON: count a 200 whose body is not JSON as a breaker failure, as upstream (§8).
    public init(
        apps: [AppManifest], uid: String, sessionID: String, client: WebhookClient, sink: any AppEventSink,
        clock: any Clock<Duration> = ContinuousClock(), interval: Duration = .seconds(1),
        breakers: CircuitBreakerRegistry = CircuitBreakerRegistry(), now: @escaping @Sendable () -> Date = { Date() },
        upstreamBreakerJSON: Bool = false
    ) {
        self.apps = apps.filter { $0.hasWebhook && $0.trigger == .transcriptProcessed }
        self.uid = uid
        self.sessionID = sessionID
        self.client = client
        self.sink = sink
        self.clock = clock
        self.interval = interval
        self.breakers = breakers
        self.now = now
        self.upstreamBreakerJSON = upstreamBreakerJSON
        for app in self.apps {
            let (stream, continuation) = AsyncStream.makeStream(of: [TranscriptSegment].self)
            streams[app.id] = stream
            queues[app.id] = continuation
        }
    }

    /// A finalized segment, sent with the next batch.
    public func submit(_ segment: TranscriptSegment) {
        pending.append(segment)
        waiter?.resume()
        waiter = nil
    }

    /// Returns once something is pending (or the trigger is finished).
    private func somethingPending() async {
        guard pending.isEmpty, !finished else { return }
        await withCheckedContinuation { waiter = $0 }
    }

    /// Runs the cadence and every app's queue until `finish()`: what the composition root runs as a service.
    public func run() async {
        let streams = self.streams
        await withTaskGroup(of: Bool.self) { group in
            for app in apps {
                guard let stream = streams[app.id] else { continue }
                group.addTask { [self] in
                    for await batch in stream { await deliver(batch, to: app) }
                    return true
                }
            }
            group.addTask { [self] in
                while true {
                    await somethingPending()
                    guard await flush() else { return false }  // finished, nothing left
                    do { try await clock.sleep(for: interval) } catch { return false }
                }
            }
            // The queues end after `finish()`; then the cadence has nothing left to feed.
            var queuesLeft = streams.count
            while queuesLeft > 0, let isQueue = await group.next() {
                if isQueue { queuesLeft -= 1 }
            }
            group.cancelAll()
        }
    }

    /// Hands what is pending to every app's queue; false when there was nothing new.
    @discardableResult
    public func flush() -> Bool {
        guard !pending.isEmpty else { return false }
        let batch = pending
        pending = []
        for app in apps { queues[app.id]?.yield(batch) }
        batchesQueued += 1
        return true
    }

    /// Sends what is pending, then lets every queue drain and `run()` return.
    public func finish() {
        flush()
        finished = true
        waiter?.resume()
        waiter = nil
        for continuation in queues.values { continuation.finish() }
    }

    private func deliver(_ batch: [TranscriptSegment], to app: AppManifest) async {
        guard let url = app.webhookURL else { return }
        let body = WebhookPayloads.transcript(
            batch, sessionID: app.transcriptContract == .backend ? uid : sessionID, contract: app.transcriptContract)
        let sentAt = now()
        let request = WebhookRequest(
            url: WebhookURL.transcript(url, uid: uid, sessionID: sessionID, contract: app.transcriptContract), body: body,
            headers: WebhookSigner.headers(
                body: body, uid: uid, secrets: app.signingSecrets, event: AppTrigger.transcriptProcessed.eventName,
                delivery: UUID().uuidString.lowercased(), now: sentAt))
        let allowed = breakers.shouldAllow(url: request.url, now: sentAt)
        let result: Result<WebhookResponse, WebhookFailure> =
            allowed
            ? await client.post(request)
            : .failure(.circuitOpen(url))
        var response: AppResponse?
        if case .success(let answer) = result, answer.status == 200 {  // success is exactly 200 (omi-contract §3.1)
            response = AppResponse.parse(answer.body, app: app)
        }
        if allowed {
            // A 200 that is not JSON is a success unless the upstream switch is on (omi-contract §8).
            let success = response.map { !(upstreamBreakerJSON && $0.ignoredBecause == AppResponse.notJSON) } ?? false
            breakers.record(url: request.url, success: success, now: now())
        }
        await sink.webhookCalled(WebhookCall(app: app, trigger: .transcriptProcessed, request: request, result: result, response: response))
        if let message = response?.message {
            await sink.appMessage(
                app: app, text: message, conversationID: nil, alongsideNotification: response?.notification != nil)
        }
        if let notification = response?.notification { await sink.proactiveRequested(app: app, notification: notification) }
    }
}
