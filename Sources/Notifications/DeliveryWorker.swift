public import Foundation
public import Logging
public import OmiApps
public import Store

/// Attempts the queued deliveries: every due row is sent through its channel, once per attempt; a success is
/// `sent`, a retryable failure is rescheduled with capped exponential backoff and jitter (or the receiver's
/// `Retry-After`), a final failure or the last attempt is `failed` with its reason. The queue is the SQLite
/// `deliveries` table, so a queued delivery survives a restart and is attempted again by the next worker.
///
/// One pass sends each channel's deliveries in order and the channels side by side, so a slow SMTP server
/// does not hold the desktop bubble back. Passes may overlap (a pass after each dispatch, and the poll loop);
/// a row already being attempted is skipped by the other pass.
public actor DeliveryWorker {
    private let deliveries: DeliveryStore
    private let channels: [ChannelName: any NotificationChannel]
    private let retry: RetryPolicy
    private let clock: any Clock<Duration>
    private let now: @Sendable () -> Date
    private let pollInterval: Duration
    private let logger: Logger
    private let metrics: NotificationMetrics
    private var inFlight: Set<String> = []

    public init(
        deliveries: DeliveryStore, channels: [ChannelName: any NotificationChannel], retry: RetryPolicy = RetryPolicy(),
        clock: any Clock<Duration> = ContinuousClock(), now: @escaping @Sendable () -> Date = { Date() },
        pollInterval: Duration = .seconds(1), logger: Logger = Logger(label: "omi-bridge.notifications"),
        metrics: NotificationMetrics = NotificationMetrics()
    ) {
        self.deliveries = deliveries
        self.channels = channels
        self.retry = retry
        self.clock = clock
        self.now = now
        self.pollInterval = pollInterval
        self.logger = logger
        self.metrics = metrics
    }

    /// Delivers what is due every `pollInterval` until cancelled.
    public func run() async {
        while !Task.isCancelled {
            await deliverDue()
            do { try await clock.sleep(for: pollInterval) } catch { return }
        }
    }

    /// One pass over the deliveries due now; returns how many were attempted. A store failure ends the pass
    /// with a log line; the rows stay queued.
    @discardableResult
    public func deliverDue(limit: Int = 64) async -> Int {
        let due: [DeliveryRecord]
        do { due = try deliveries.due(now: now(), limit: limit) } catch {
            logger.error("notification deliveries not read: \(error.description)")
            return 0
        }
        // The depth before this pass: what was waiting when the worker looked, the number an alert wants.
        if let depth = try? deliveries.queueDepth() { metrics.queueDepth(depth) }
        let claimed = due.filter { !inFlight.contains($0.id) }
        inFlight.formUnion(claimed.map(\.id))
        let byChannel = Dictionary(grouping: claimed, by: \.channel)
        await withTaskGroup(of: Void.self) { group in
            for (_, rows) in byChannel {
                group.addTask {
                    for row in rows { await self.attempt(row) }
                }
            }
        }
        return claimed.count
    }

    private func attempt(_ row: DeliveryRecord) async {
        defer { inFlight.remove(row.id) }
        let attempts = row.attemptCount + 1
        guard let name = ChannelName(rawValue: row.channel), let channel = channels[name] else {
            record(row) { () throws(StoreError) in
                try deliveries.markFailed(
                    id: row.id, attempts: row.attemptCount, error: "channel '\(row.channel)' is not configured",
                    now: now())
            }
            metrics.delivery(channel: row.channel, .failed)
            return
        }
        guard let message = try? JSONDecoder().decode(ChannelMessage.self, from: Data(row.payload.utf8)) else {
            record(row) { () throws(StoreError) in
                try deliveries.markFailed(
                    id: row.id, attempts: row.attemptCount, error: "the stored message is unreadable", now: now())
            }
            metrics.delivery(channel: row.channel, .failed)
            return
        }
        do throws(ChannelFailure) {
            try await channel.send(message)
            record(row) { () throws(StoreError) in try deliveries.markSent(id: row.id, attempts: attempts, now: now()) }
            metrics.delivery(channel: row.channel, .sent)
            logger.debug("notification delivered", metadata: metadata(row, attempts))
        } catch {
            let finished = now()
            if error.retryable, attempts < retry.maxAttempts {
                let wait = error.retryAfter.map { min(max($0, 0), retry.maxRetryAfter) }
                    ?? retry.delay(afterAttempt: attempts, using: &generator)
                record(row) { () throws(StoreError) in
                    try deliveries.reschedule(
                        id: row.id, attempts: attempts, error: error.reason,
                        nextAttemptAt: finished.addingTimeInterval(wait), now: finished)
                }
                metrics.delivery(channel: row.channel, .retrying)
                logger.info(
                    "notification delivery will be retried in \(Int(wait.rounded(.up))) s: \(error.reason)",
                    metadata: metadata(row, attempts))
            } else {
                let reason = error.retryable ? "\(error.reason) (gave up after \(attempts) attempts)" : error.reason
                record(row) { () throws(StoreError) in
                    try deliveries.markFailed(id: row.id, attempts: attempts, error: reason, now: finished)
                }
                metrics.delivery(channel: row.channel, .failed)
                logger.warning("notification delivery failed: \(reason)", metadata: metadata(row, attempts))
            }
        }
    }

    private var generator = SystemRandomNumberGenerator()

    private func metadata(_ row: DeliveryRecord, _ attempts: Int) -> Logger.Metadata {
        [
            "channel": "\(row.channel)", "category": "\(row.eventCategory)", "delivery": "\(row.id)",
            "attempt": "\(attempts)",
        ]
    }

    private func record(_ row: DeliveryRecord, _ change: () throws(StoreError) -> Void) {
        do { try change() } catch {
            logger.error("delivery \(row.id) not updated: \(error.description)")
        }
    }
}
