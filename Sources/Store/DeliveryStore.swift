public import Foundation
import GRDB

/// The notification centre's deliveries (omi-contract §7): one row per channel attempt of a notification, durable
/// across restarts, retried on the schedule the dispatcher chooses, and listed newest first for the deliveries
/// endpoint.
///
/// Like ``OutboxStore`` it only records state: the dispatcher decides when to retry and how many attempts a
/// delivery has had, and passes the times in.
public struct DeliveryStore: Sendable {
    private let database: BridgeDatabase

    public init(_ database: BridgeDatabase) {
        self.database = database
    }

    /// Records a delivery of a notification on one channel with a new UUID, due at `now`, and returns it.
    ///
    /// Usually it is `queued` for the dispatcher. `.sent` records a delivery made at once (the in-app channel: the
    /// feed item is the delivery), counted as one attempt; `.failed` with a `lastError` records one suppressed by a
    /// category limit, with no attempt counted. `payload` is the message to send, a JSON object's text, kept so the
    /// delivery can go out after a restart whatever happened to the feed item.
    @discardableResult
    public func enqueue(
        notificationID: String, userID: String, channel: String, eventCategory: String, title: String,
        notificationCreatedAt: Date, payload: String, status: DeliveryStatus = .queued, lastError: String? = nil,
        now: Date
    ) throws(StoreError) -> DeliveryRecord {
        let doing = "enqueuing a \(channel) delivery of notification \(notificationID)"
        guard (try? JSONSerialization.jsonObject(with: Data(payload.utf8))) is [String: Any] else {
            throw StoreError(path: database.path, doing: doing, reason: "the payload is not a JSON object")
        }
        let record = DeliveryRecord(
            id: UUID.timeOrdered().uuidString, notificationID: notificationID, userID: userID, channel: channel, status: status,
            attemptCount: status == .sent ? 1 : 0, lastError: lastError, nextAttemptAt: now, createdAt: now,
            updatedAt: now, eventCategory: eventCategory, title: title, notificationCreatedAt: notificationCreatedAt,
            payload: payload)
        try database.write(doing) { db in try Self.write(record, db) }
        return record
    }

    /// Inserts `record` in the open transaction `db`; ``BridgeDatabase/file(_:)`` batches these.
    static func write(_ record: DeliveryRecord, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO deliveries (id, notification_id, user_id, channel, status, attempt_count, last_error,
                                        next_attempt_at, created_at, updated_at, event_category, title,
                                        notification_created_at, payload)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                record.id, record.notificationID, record.userID, record.channel, record.status.rawValue,
                record.attemptCount, record.lastError, record.nextAttemptAt.timeIntervalSince1970,
                record.createdAt.timeIntervalSince1970, record.updatedAt.timeIntervalSince1970, record.eventCategory,
                record.title, record.notificationCreatedAt.timeIntervalSince1970, record.payload,
            ])
    }

    /// Queued deliveries whose `nextAttemptAt` is at or before `now`, the longest-waiting first, at most `limit`.
    public func due(now: Date, limit: Int) throws(StoreError) -> [DeliveryRecord] {
        try database.read("listing due notification deliveries") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM deliveries WHERE status = 'queued' AND next_attempt_at <= ?
                    ORDER BY next_attempt_at, seq LIMIT ?
                    """,
                arguments: [now.timeIntervalSince1970, max(limit, 0)]
            ).map(DeliveryRecord.init(row:))
        }
    }

    /// The earliest `nextAttemptAt` among queued deliveries, or nil when none is queued: when the dispatcher should
    /// wake next.
    public func nextDueDate() throws(StoreError) -> Date? {
        try database.read("finding the next due notification delivery") { db in
            try Double.fetchOne(db, sql: "SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'queued'")
                .map(Date.init(timeIntervalSince1970:))
        }
    }

    /// Records a successful attempt: the delivery becomes `sent`, with `attempts` attempts in all, and its last
    /// error is cleared.
    ///
    /// This and the other attempt methods apply to queued deliveries only, and throw for a sent or failed one.
    @discardableResult
    public func markSent(id: String, attempts: Int, now: Date) throws(StoreError) -> DeliveryRecord {
        try update(id: id, doing: "marking notification delivery \(id) sent") { db in
            try db.execute(
                sql: """
                    UPDATE deliveries SET status = 'sent', attempt_count = ?, last_error = NULL, updated_at = ?
                    WHERE id = ? AND status = 'queued'
                    """,
                arguments: [attempts, now.timeIntervalSince1970, id])
        }
    }

    /// Records a final failed attempt (retries exhausted, or a failure not worth retrying): the delivery becomes
    /// `failed`, with `attempts` attempts in all, and is never due again.
    @discardableResult
    public func markFailed(id: String, attempts: Int, error: String, now: Date) throws(StoreError) -> DeliveryRecord {
        try update(id: id, doing: "marking notification delivery \(id) failed") { db in
            try db.execute(
                sql: """
                    UPDATE deliveries SET status = 'failed', attempt_count = ?, last_error = ?, updated_at = ?
                    WHERE id = ? AND status = 'queued'
                    """,
                arguments: [attempts, error, now.timeIntervalSince1970, id])
        }
    }

    /// Records a failed attempt to retry at `nextAttemptAt`: the delivery stays `queued`, with `attempts` attempts
    /// in all, and is not due before then.
    @discardableResult
    public func reschedule(
        id: String, attempts: Int, error: String, nextAttemptAt: Date, now: Date
    ) throws(StoreError) -> DeliveryRecord {
        try update(id: id, doing: "rescheduling notification delivery \(id)") { db in
            try db.execute(
                sql: """
                    UPDATE deliveries SET attempt_count = ?, last_error = ?, next_attempt_at = ?, updated_at = ?
                    WHERE id = ? AND status = 'queued'
                    """,
                arguments: [attempts, error, nextAttemptAt.timeIntervalSince1970, now.timeIntervalSince1970, id])
        }
    }

    /// One page of deliveries, newest first, and the total number matching; each filter applies only when given.
    public func list(
        userID: String? = nil, channel: String? = nil, status: DeliveryStatus? = nil, eventCategory: String? = nil,
        limit: Int = 50, offset: Int = 0
    ) throws(StoreError) -> (items: [DeliveryRecord], total: Int) {
        // Only the given filters go into the SQL: `? IS NULL OR column = ?` would keep SQLite from using an index.
        var conditions: [String] = []
        var arguments = StatementArguments()
        for (column, value) in [
            ("user_id", userID), ("channel", channel), ("status", status?.rawValue), ("event_category", eventCategory),
        ] {
            guard let value else { continue }
            conditions.append("\(column) = ?")
            arguments += [value]
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try database.read("listing notification deliveries") { db in
            let items = try Row.fetchAll(
                db, sql: "SELECT * FROM deliveries \(filter) ORDER BY created_at DESC, seq DESC LIMIT ? OFFSET ?",
                arguments: arguments + [max(limit, 0), max(offset, 0)]
            ).map(DeliveryRecord.init(row:))
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM deliveries \(filter)", arguments: arguments)
            return (items, total ?? 0)
        }
    }

    /// The delivery with this id, or nil.
    public func delivery(id: String) throws(StoreError) -> DeliveryRecord? {
        try database.read("reading notification delivery \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM deliveries WHERE id = ?", arguments: [id])
                .map(DeliveryRecord.init(row:))
        }
    }

    /// How many deliveries are queued (due or waiting to retry), for the status endpoint's `queue_depth`.
    public func queueDepth() throws(StoreError) -> Int {
        try database.read("counting queued notification deliveries") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM deliveries WHERE status = 'queued'") ?? 0
        }
    }

    /// How many deliveries ended failed (rate-limited ones included), for `omi-bridge status`.
    public func failedCount() throws(StoreError) -> Int {
        try database.read("counting failed notification deliveries") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM deliveries WHERE status = 'failed'") ?? 0
        }
    }

    /// How many of the user's deliveries of `eventCategory` on `channel` were enqueued at or after `since` and are
    /// queued or sent, for category limits (omi-contract §7). Failed ones, suppressed ones included, do not count.
    public func count(userID: String, eventCategory: String, channel: String, since: Date) throws(StoreError) -> Int {
        try database.read("counting \(eventCategory) deliveries on \(channel)") { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM deliveries
                    WHERE user_id = ? AND event_category = ? AND channel = ? AND created_at >= ?
                      AND status IN ('queued', 'sent')
                    """,
                arguments: [userID, eventCategory, channel, since.timeIntervalSince1970]) ?? 0
        }
    }

    // MARK: - Private

    private func update(
        id: String, doing: String, _ change: (Database) throws -> Void
    ) throws(StoreError) -> DeliveryRecord {
        try database.write(doing) { db in
            try change(db)
            guard db.changesCount > 0 else {
                // Only a queued delivery is being attempted; a sent or failed one is left as it is.
                let status = try String.fetchOne(
                    db, sql: "SELECT status FROM deliveries WHERE id = ?", arguments: [id])
                throw StoreError(
                    path: database.path, doing: doing,
                    reason: status.map { "the delivery is \($0), not queued" } ?? "no delivery with id \(id)")
            }
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM deliveries WHERE id = ?", arguments: [id]) else {
                throw DatabaseError(message: "no delivery with id \(id)")
            }
            return try DeliveryRecord(row: row)
        }
    }
}

extension BridgeDatabase {
    /// The notification centre's deliveries in this database.
    public var deliveries: DeliveryStore { DeliveryStore(self) }
}
