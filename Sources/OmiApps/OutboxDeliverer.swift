public import Foundation
public import Store

/// Delivers the durable webhook outbox (`memory_creation`): every due item is POSTed with its idempotency
/// headers (and a fresh signature when the app has secrets, omi-contract §3.6); exactly 200 is delivered,
/// 408/425/429/5xx and network errors are retried with backoff (honouring `Retry-After`), other answers and
/// exhausted attempts become dead letters, kept and replayable. The circuit breaker is consulted and fed as for
/// every webhook (omi-contract §3.1). Items survive restarts: the store is SQLite.
public actor OutboxDeliverer {
    private let store: OutboxStore
    private let apps: [String: AppManifest]
    private let uid: String
    private let client: WebhookClient
    private let breakers: CircuitBreakerRegistry
    private let policy: RetryPolicy
    private let sink: any AppEventSink
    private let clock: any Clock<Duration>
    private let now: @Sendable () -> Date
    private let pollInterval: Duration
    private let metrics: WebhookMetrics

    public init(
        store: OutboxStore, apps: [AppManifest], uid: String, client: WebhookClient, breakers: CircuitBreakerRegistry,
        policy: RetryPolicy = RetryPolicy(), sink: any AppEventSink, clock: any Clock<Duration> = ContinuousClock(),
        now: @escaping @Sendable () -> Date = { Date() }, pollInterval: Duration = .seconds(1),
        metrics: WebhookMetrics = WebhookMetrics()
    ) {
        self.store = store
        self.apps = Dictionary(apps.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.uid = uid
        self.client = client
        self.breakers = breakers
        self.policy = policy
        self.sink = sink
        self.clock = clock
        self.now = now
        self.pollInterval = pollInterval
        self.metrics = metrics
    }

    /// Delivers due items every `pollInterval` until cancelled.
    public func run() async {
        while !Task.isCancelled {
            _ = await deliverDue()
            do { try await clock.sleep(for: pollInterval) } catch { return }
        }
    }

    /// One pass over what is due now; returns how many items were attempted. Store failures are reported to the
    /// sink's log and the pass ends: nothing is lost, the items stay pending.
    @discardableResult
    public func deliverDue(limit: Int = 64) async -> Int {
        let due: [OutboxItem]
        do { due = try store.due(now: now(), limit: limit) } catch {
            await sink.storeFailed(error.description)
            return 0
        }
        if let depth = try? store.pendingCount() { metrics.outboxDepth(depth) }
        var attempted = 0
        await withTaskGroup(of: Bool.self) { group in
            for item in due { group.addTask { await self.deliver(item) } }
            for await tried in group where tried { attempted += 1 }
        }
        return attempted
    }

    /// Whether the item was attempted (false when its app's circuit is open: it stays due).
    private func deliver(_ item: OutboxItem) async -> Bool {
        guard let app = apps[item.appID] else {
            await record { () throws(StoreError) in
                _ = try store.markDead(id: item.id, status: nil, error: "app '\(item.appID)' is no longer configured")
            }
            return true
        }
        let sentAt = now()
        guard breakers.shouldAllow(url: item.url, now: sentAt) else { return false }
        var headers = item.headers
        if !app.signingSecrets.isEmpty {
            headers["X-Omi-Signature"] = WebhookSigner.signatureHeader(
                body: item.body, uid: uid, timestamp: Int(sentAt.timeIntervalSince1970), secrets: app.signingSecrets)
        }
        let request = WebhookRequest(url: item.url, body: item.body, headers: headers)
        let result = await client.post(request)
        let finished = now()
        let (status, retryAfter, error): (Int?, String?, String)
        var response: AppResponse?
        switch result {
        case .success(let answer):
            (status, retryAfter, error) = (answer.status, answer.retryAfter, "HTTP \(answer.status)")
            if answer.status == 200 { response = AppResponse.parse(answer.body, app: app, minimumMessageLength: 1) }
        case .failure(let failure):
            (status, retryAfter, error) = (nil, nil, failure.description)
        }
        breakers.record(url: item.url, success: status == 200, now: finished)
        switch policy.decision(status: status, retryAfter: retryAfter, attempt: item.attemptCount + 1, now: finished) {
        case .deliver:
            await record { () throws(StoreError) in _ = try store.markDelivered(id: item.id, status: 200, now: finished) }
        case .retry(let at):
            await record { () throws(StoreError) in
                _ = try store.markFailed(id: item.id, status: status, error: error, retryAt: at)
            }
        case .giveUp(let reason):
            await record { () throws(StoreError) in
                _ = try store.markDead(id: item.id, status: status, error: "\(error); \(reason)")
            }
        }
        let trigger = AppTrigger.allCases.first { $0.eventName == item.event } ?? .memoryCreation
        await sink.webhookCalled(WebhookCall(app: app, trigger: trigger, request: request, result: result, response: response))
        if let message = response?.message {
            await sink.appMessage(
                app: app, text: message, conversationID: item.headers[Self.conversationHeader], alongsideNotification: false)
        }
        return true
    }

    /// The outbox header naming the conversation a delivery belongs to (bridge-only, sent to the app too).
    public static let conversationHeader = "X-Omi-Conversation-Id"

    private func record(_ change: () throws(StoreError) -> Void) async {
        do { try change() } catch { await sink.storeFailed(error.description) }
    }
}
