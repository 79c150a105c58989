public import Foundation
public import Store
public import Transcription

/// `memory_creation` (omi-contract §3.3): segments feed the conversation lifecycle; every 5 s (on an injected
/// clock) it is checked for the silence timeout. A closed conversation is summarized, stored (searchable for
/// `{{user_context}}`), and put in the outbox once per `memory_creation` app, with idempotency headers, for the
/// `OutboxDeliverer` to send. Enqueued is durable: a crash after this point loses nothing.
public actor MemoryTrigger {
    private let apps: [AppManifest]
    private let uid: String
    private let database: BridgeDatabase
    private let summarizer: ConversationSummarizer
    private let sink: any AppEventSink
    private let clock: any Clock<Duration>
    private let now: @Sendable () -> Date
    private let streamStart: Date
    private var lifecycle: ConversationLifecycle
    /// Called after each conversation is enqueued (the deliverer's wake-up).
    private let enqueued: @Sendable () async -> Void
    /// Conversations closed so far.
    public private(set) var closed: [Conversation] = []

    public init(
        apps: [AppManifest], uid: String, database: BridgeDatabase, summarizer: ConversationSummarizer,
        sink: any AppEventSink, timeoutSeconds: Int = 120, streamStart: Date, clock: any Clock<Duration> = ContinuousClock(),
        now: @escaping @Sendable () -> Date = { Date() }, enqueued: @escaping @Sendable () async -> Void = {}
    ) {
        self.apps = apps.filter { $0.hasWebhook && $0.trigger == .memoryCreation }
        self.uid = uid
        self.database = database
        self.summarizer = summarizer
        self.sink = sink
        self.clock = clock
        self.now = now
        self.streamStart = streamStart
        self.enqueued = enqueued
        lifecycle = ConversationLifecycle(timeoutSeconds: timeoutSeconds)
    }

    public func submit(_ segment: TranscriptSegment) {
        lifecycle.segment(segment, streamStart: streamStart, now: now())
    }

    /// Checks the silence timeout every 5 s until cancelled.
    public func run() async {
        while !Task.isCancelled {
            do { try await clock.sleep(for: ConversationLifecycle.checkInterval) } catch { return }
            await tick()
        }
    }

    /// One check: closes and processes the conversation if it has been silent long enough.
    public func tick() async {
        if let action = lifecycle.tick(now: now()) { await process(action) }
    }

    /// Closes what is open (shutdown: the pipeline has been flushed).
    public func closeNow() async {
        if let action = lifecycle.close() { await process(action) }
    }

    private func process(_ action: ConversationLifecycle.Action) async {
        guard case .close(let startedAt, let finishedAt, let segments) = action, !segments.isEmpty else { return }
        let structured = await summarizer.summarize(segments)
        let conversation = Conversation(
            createdAt: now(), startedAt: startedAt, finishedAt: finishedAt, structured: structured, segments: segments)
        closed.append(conversation)
        let body = conversation.webhookBody
        do {
            try database.conversations.save(
                ConversationRecord(
                    id: conversation.id, startedAt: startedAt, finishedAt: finishedAt, language: conversation.language,
                    status: "completed", title: structured.title, overview: structured.overview,
                    category: structured.category, transcript: segments.map(\.text).joined(separator: " "),
                    payload: body, discarded: false))
            for app in apps {
                guard let url = app.webhookURL else { continue }
                let key = "\(conversation.id):\(app.id)"
                _ = try database.outbox.enqueue(
                    appID: app.id, event: AppTrigger.memoryCreation.eventName, url: WebhookURL.withUID(url, uid: uid),
                    body: body,
                    headers: [
                        "X-Omi-Idempotency-Key": key, "Idempotency-Key": key, "X-Omi-Delivery": key,
                        "X-Omi-Event": AppTrigger.memoryCreation.eventName, OutboxDeliverer.conversationHeader: conversation.id,
                    ], idempotencyKey: key, now: now())
            }
        } catch {
            await sink.storeFailed("conversation \(conversation.id) not stored: \(error.description)")
            return
        }
        await enqueued()
    }
}
