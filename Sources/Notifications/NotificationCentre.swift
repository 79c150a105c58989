public import Foundation
public import Logging
public import OmiApps
public import Store
import Synchronization

/// The notification centre (omi-contract §7): every notification the bridge produces gets one home (the feed,
/// when `in_app` is on) and one delivery row per channel it goes to, attempted by the ``DeliveryWorker``.
///
/// Channel choice follows ``NotificationPolicy``: preferences (the user's overrides over the bridge-wide
/// defaults), `requested` narrowing, `forced` bypassing; a channel that is not configured is skipped; a
/// category limit that is reached records a failed delivery with a `RATE_LIMITED` reason instead of sending.
public final class NotificationCentre: NotificationDelivery {
    public let database: BridgeDatabase
    public let policy: NotificationPolicy
    public let worker: DeliveryWorker
    private let channels: [ChannelName: any NotificationChannel]
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let deliversOnDispatch: Bool
    private let filings: FilingQueue
    /// Whether each registered channel is configured, asked once: `NOT_CONFIGURED` follows from the config and
    /// does not change, while asking a channel its readiness can cost I/O (a D-Bus round trip for desktop) that
    /// has no place on every dispatch.
    private let configured = Mutex<[ChannelName: Bool]>([:])
    private let metrics: NotificationMetrics

    /// `channels` are the configured ones besides `in_app` (which is the feed and always ready).
    /// `deliversOnDispatch`: start a delivery pass after each dispatch (off in tests that drive the worker).
    /// `metrics`: where deliveries are counted (the bootstrapped metrics backend unless a test passes its own).
    public init(
        database: BridgeDatabase, channels: [any NotificationChannel], policy: NotificationPolicy = NotificationPolicy(),
        retry: RetryPolicy = RetryPolicy(), clock: any Clock<Duration> = ContinuousClock(),
        now: @escaping @Sendable () -> Date = { Date() }, logger: Logger = Logger(label: "omi-bridge.notifications"),
        deliversOnDispatch: Bool = true, metrics: NotificationMetrics = NotificationMetrics()
    ) {
        self.deliversOnDispatch = deliversOnDispatch
        self.filings = FilingQueue(database: database)
        let named = Dictionary(channels.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.database = database
        self.policy = policy
        self.channels = named
        self.now = now
        self.logger = logger
        self.metrics = metrics
        self.worker = DeliveryWorker(
            deliveries: database.deliveries, channels: named, retry: retry, clock: clock, now: now, logger: logger,
            metrics: metrics)
    }

    /// What became of one notification on each channel considered.
    public enum Outcome: Sendable, Equatable {
        /// Filed in the feed (`in_app`).
        case delivered
        /// A delivery row was queued for the worker.
        case queued(deliveryID: String)
        /// The category limit was reached; a failed delivery row says so.
        case rateLimited(deliveryID: String)
        /// The channel is not configured (or not known to this bridge).
        case notConfigured
    }

    /// The notification's id and the outcome per channel, in `ChannelName` order.
    public struct Dispatch: Sendable, Equatable {
        public var notificationID: String
        public var outcomes: [ChannelName: Outcome]
    }

    /// The flows' entry point: dispatches with preferences only; failures are logged, never thrown.
    public func deliver(_ notification: BridgeNotification) async {
        do { _ = try await dispatch(notification) } catch {
            logger.error("notification \(notification.category) not stored: \(error.description)")
        }
    }

    /// Files `notification` and queues its deliveries, then starts a delivery pass so they go out at once.
    public func dispatch(
        _ notification: BridgeNotification, requested: Set<ChannelName>? = nil, forced: Set<ChannelName> = []
    ) async throws(StoreError) -> Dispatch {
        let createdAt = now()
        let id = UUID.timeOrdered().uuidString
        let (tenant, user) = try database.preferences.preferences(tenantAndUser: notification.userID)
        let chosen = policy.channels(
            category: notification.category, requested: requested, forced: forced, tenant: tenant, user: user)
        let message = ChannelMessage(
            notificationID: id, userID: notification.userID, appID: notification.appID,
            category: notification.category, title: notification.title, subtitle: notification.subtitle,
            body: notification.body, metadata: notification.metadata, createdAt: createdAt)
        let payload = Self.encode(message)
        var outcomes: [ChannelName: Outcome] = [:]
        var ready: [ChannelName] = []
        for name in chosen where name != .inApp {
            if await isConfigured(name) {
                ready.append(name)
            } else {
                outcomes[name] = .notConfigured
            }
        }
        let policy = policy
        let configured = ready
        let inApp = chosen.contains(.inApp)
        // The rows, decided from the limits' counts when a limit applies (read by the caller of this closure).
        let decide: @Sendable (BridgeDatabase) throws(StoreError) -> (NotificationFiling, [ChannelName: Outcome]) = {
            database throws(StoreError) in
            var rows: [DeliveryRecord] = []
            var decided: [ChannelName: Outcome] = [:]
            if inApp {
                rows.append(Self.row(message, payload: payload, channel: .inApp, status: .sent))
                decided[.inApp] = .delivered
            }
            for name in configured {
                if !forced.contains(name), let limit = policy.limit(category: message.category, channel: name) {
                    let used = try database.deliveries.count(
                        userID: message.userID, eventCategory: message.category, channel: name.rawValue,
                        since: createdAt.addingTimeInterval(-limit.window))
                    if used >= limit.count {
                        let reason =
                            "RATE_LIMITED: \(limit.count) per \(Self.describe(limit.window)) for \(limit.category) on \(name.rawValue)"
                        let row = Self.row(message, payload: payload, channel: name, status: .failed, lastError: reason)
                        rows.append(row)
                        decided[name] = .rateLimited(deliveryID: row.id)
                        continue
                    }
                }
                let row = Self.row(message, payload: payload, channel: name)
                rows.append(row)
                decided[name] = .queued(deliveryID: row.id)
            }
            let item = FeedItem(
                id: id, userID: message.userID, appID: message.appID, eventCategory: message.category,
                title: message.title, subtitle: message.subtitle, message: message.body, isRead: false,
                metadata: Self.encode(message.metadata), createdAt: createdAt)
            return (NotificationFiling(feedItem: inApp ? item : nil, deliveries: rows), decided)
        }
        let counted = ready.contains { policy.limit(category: message.category, channel: $0) != nil }
        if counted {
            outcomes.merge(try await filings.fileCounted(decide)) { _, new in new }
        } else {
            let (filing, decided) = try decide(database)
            try await filings.file(filing)
            outcomes.merge(decided) { _, new in new }
        }
        for (name, outcome) in outcomes {
            switch outcome {
            case .delivered: metrics.delivery(channel: name.rawValue, .sent)
            case .rateLimited:
                metrics.delivery(channel: name.rawValue, .rateLimited)
                logger.info(
                    "RATE_LIMITED: \(message.category) on \(name.rawValue)", metadata: ["notification": "\(id)"])
            case .queued, .notConfigured: break
            }
        }
        logger.info(
            "notification \(message.category): \(message.title)",
            metadata: [
                "notification": "\(id)",
                "channels": "\(outcomes.filter { $0.value != .notConfigured }.keys.sorted().map(\.rawValue).joined(separator: ","))",
            ])
        if deliversOnDispatch, outcomes.values.contains(where: { if case .queued = $0 { true } else { false } }) {
            Task { await worker.deliverDue() }
        }
        return Dispatch(notificationID: id, outcomes: outcomes)
    }

    /// The status endpoint's view: queued deliveries and each channel's readiness (`sms` has no implementation
    /// here and is always `NOT_CONFIGURED`).
    public func status() async throws(StoreError) -> (queueDepth: Int, channels: [ChannelName: ChannelReadiness]) {
        var readiness: [ChannelName: ChannelReadiness] = [.inApp: .ready]
        for name in ChannelName.allCases where name != .inApp {
            readiness[name] = await channels[name]?.readiness() ?? .notReady(Self.notConfigured)
        }
        return (try database.deliveries.queueDepth(), readiness)
    }

    private func isConfigured(_ name: ChannelName) async -> Bool {
        guard let channel = channels[name] else { return false }
        if let known = configured.withLock({ $0[name] }) { return known }
        let answer = await channel.readiness().reason != Self.notConfigured
        configured.withLock { $0[name] = answer }
        return answer
    }

    /// The reason code of a channel the config does not set up.
    public static let notConfigured = "NOT_CONFIGURED"

    private static func row(
        _ message: ChannelMessage, payload: String, channel: ChannelName, status: DeliveryStatus = .queued,
        lastError: String? = nil
    ) -> DeliveryRecord {
        DeliveryRecord(
            id: UUID.timeOrdered().uuidString, notificationID: message.notificationID, userID: message.userID,
            channel: channel.rawValue, status: status, attemptCount: status == .sent ? 1 : 0, lastError: lastError,
            nextAttemptAt: message.createdAt, createdAt: message.createdAt, updatedAt: message.createdAt,
            eventCategory: message.category, title: message.title, notificationCreatedAt: message.createdAt,
            payload: payload)
    }

    private static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    private static func describe(_ window: TimeInterval) -> String {
        window.truncatingRemainder(dividingBy: 3600) == 0 ? "\(Int(window / 3600)) h" : "\(Int(window)) s"
    }
}
