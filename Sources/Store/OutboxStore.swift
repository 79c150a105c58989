public import Foundation
import GRDB

/// The durable webhook outbox: deliveries survive restarts, are deduplicated by idempotency key, retried on the
/// schedule the sender chooses, and kept as dead letters (replayable) when they give up.
///
/// The store only records state; the delivery worker decides when to retry (capped exponential backoff with
/// jitter) and passes the resulting times in, so tests and replays are exact.
public struct OutboxStore: Sendable {
    private let database: BridgeDatabase

    public init(_ database: BridgeDatabase) {
        self.database = database
    }

    /// Adds a pending delivery, due at `now`. If an item with `idempotencyKey` already exists (whatever its status)
    /// it is returned unchanged and nothing is added.
    @discardableResult
    public func enqueue(
        appID: String, event: String, url: String, body: [UInt8], headers: [String: String] = [:],
        idempotencyKey: String, now: Date
    ) throws(StoreError) -> OutboxItem {
        try database.write("enqueuing a delivery for \(appID) (\(event))") { db in
            if let existing = try Row.fetchOne(
                db, sql: "SELECT * FROM outbox WHERE idempotency_key = ?", arguments: [idempotencyKey])
            {
                return try OutboxItem(row: existing)
            }
            try db.execute(
                sql: """
                    INSERT INTO outbox (app_id, event, url, body, headers, idempotency_key, status, attempt_count,
                                        next_attempt_at, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)
                    """,
                arguments: [
                    appID, event, url, Data(body), try OutboxItem.encodeHeaders(headers), idempotencyKey,
                    now.timeIntervalSince1970, now.timeIntervalSince1970,
                ])
            return try Self.fetch(db, id: db.lastInsertedRowID)
        }
    }

    /// Pending items whose `nextAttemptAt` is at or before `now`, oldest first, at most `limit`; for one app or all.
    public func due(now: Date, limit: Int, appID: String? = nil) throws(StoreError) -> [OutboxItem] {
        try database.read("listing due deliveries") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM outbox
                    WHERE status = 'pending' AND next_attempt_at <= ? AND (? IS NULL OR app_id = ?)
                    ORDER BY id LIMIT ?
                    """,
                arguments: [now.timeIntervalSince1970, appID, appID, max(limit, 0)]
            ).map(OutboxItem.init(row:))
        }
    }

    /// The earliest `nextAttemptAt` among pending items (for one app or all), or nil when nothing is pending:
    /// when the delivery worker should wake next.
    public func nextAttemptAt(appID: String? = nil) throws(StoreError) -> Date? {
        try database.read("finding the next due delivery") { db in
            try Double.fetchOne(
                db,
                sql: "SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending' AND (? IS NULL OR app_id = ?)",
                arguments: [appID, appID]
            ).map(Date.init(timeIntervalSince1970:))
        }
    }

    /// Records a successful attempt: the item becomes `delivered` and is never due again.
    ///
    /// This and the other `mark` methods apply to pending items only, and throw for a delivered or dead one.
    @discardableResult
    public func markDelivered(id: Int64, status: Int, now: Date) throws(StoreError) -> OutboxItem {
        try update(id: id, doing: "marking delivery \(id) delivered") { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET status = 'delivered', attempt_count = attempt_count + 1, last_status = ?,
                                      last_error = NULL, delivered_at = ?
                    WHERE id = ? AND status = 'pending'
                    """,
                arguments: [status, now.timeIntervalSince1970, id])
        }
    }

    /// Records a failed attempt to retry at `retryAt`: the item stays `pending`, one more attempt counted.
    /// `status` is the HTTP status when a response arrived, nil for a transport error.
    @discardableResult
    public func markFailed(id: Int64, status: Int?, error: String, retryAt: Date) throws(StoreError) -> OutboxItem {
        try update(id: id, doing: "recording a failed attempt of delivery \(id)") { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET status = 'pending', attempt_count = attempt_count + 1, last_status = ?,
                                      last_error = ?, next_attempt_at = ?
                    WHERE id = ? AND status = 'pending'
                    """,
                arguments: [status, error, retryAt.timeIntervalSince1970, id])
        }
    }

    /// Records a final failed attempt (retries exhausted, or a failure not worth retrying): the item becomes a dead
    /// letter, one more attempt counted, kept until ``replay(id:now:)``.
    @discardableResult
    public func markDead(id: Int64, status: Int?, error: String) throws(StoreError) -> OutboxItem {
        try update(id: id, doing: "marking delivery \(id) dead") { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET status = 'dead', attempt_count = attempt_count + 1, last_status = ?,
                                      last_error = ?
                    WHERE id = ? AND status = 'pending'
                    """,
                arguments: [status, error, id])
        }
    }

    /// Dead letters, oldest first, for one app or all.
    public func deadLetters(appID: String? = nil) throws(StoreError) -> [OutboxItem] {
        try database.read("listing dead letters") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM outbox WHERE status = 'dead' AND (? IS NULL OR app_id = ?) ORDER BY id",
                arguments: [appID, appID]
            ).map(OutboxItem.init(row:))
        }
    }

    /// Puts a dead letter back in the queue: `pending`, no attempts counted, due at `now`. The last error and status
    /// are kept for the record until the next attempt replaces them. Throws if the item is not dead.
    @discardableResult
    public func replay(id: Int64, now: Date) throws(StoreError) -> OutboxItem {
        try database.write("replaying delivery \(id)") { db in
            let item = try Self.fetch(db, id: id)
            guard item.status == .dead else {
                throw StoreError(
                    path: database.path, doing: "replaying delivery \(id)",
                    reason: "the delivery is \(item.status.rawValue), not dead")
            }
            try db.execute(
                sql: "UPDATE outbox SET status = 'pending', attempt_count = 0, next_attempt_at = ? WHERE id = ?",
                arguments: [now.timeIntervalSince1970, id])
            return try Self.fetch(db, id: id)
        }
    }

    /// How many items are pending (due or waiting to retry), for one app or all.
    public func pendingCount(appID: String? = nil) throws(StoreError) -> Int {
        try database.read("counting pending deliveries") { db in
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND (? IS NULL OR app_id = ?)",
                arguments: [appID, appID]) ?? 0
        }
    }

    /// How many items are dead letters, for `omi-bridge status`.
    public func deadCount() throws(StoreError) -> Int {
        try database.read("counting dead letters") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE status = 'dead'") ?? 0
        }
    }

    /// The item with this id, or nil.
    public func item(id: Int64) throws(StoreError) -> OutboxItem? {
        try database.read("reading delivery \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM outbox WHERE id = ?", arguments: [id]).map(OutboxItem.init(row:))
        }
    }

    // MARK: - Private

    private func update(id: Int64, doing: String, _ change: (Database) throws -> Void) throws(StoreError) -> OutboxItem
    {
        try database.write(doing) { db in
            try change(db)
            guard db.changesCount > 0 else {
                // Only a pending item is being attempted; a delivered or dead one is left as it is.
                let status = try String.fetchOne(db, sql: "SELECT status FROM outbox WHERE id = ?", arguments: [id])
                throw StoreError(
                    path: database.path, doing: doing,
                    reason: status.map { "the delivery is \($0), not pending" } ?? "no delivery with id \(id)")
            }
            return try Self.fetch(db, id: id)
        }
    }

    private static func fetch(_ db: Database, id: Int64) throws -> OutboxItem {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM outbox WHERE id = ?", arguments: [id]) else {
            throw DatabaseError(message: "no delivery with id \(id)")
        }
        return try OutboxItem(row: row)
    }
}

extension BridgeDatabase {
    /// The webhook outbox in this database.
    public var outbox: OutboxStore { OutboxStore(self) }
}
