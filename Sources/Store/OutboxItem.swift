public import Foundation
import GRDB

/// One webhook delivery in the durable outbox: what to POST where, and how delivering it has gone so far.
public struct OutboxItem: Sendable, Equatable, Identifiable {
    /// Where a delivery stands. `pending` items are retried until delivered or declared dead; dead letters are kept
    /// until replayed.
    public enum Status: String, Sendable, Equatable, CaseIterable {
        case pending
        case delivered
        case dead
    }

    /// The row id, increasing in enqueue order and never reused.
    public var id: Int64
    public var appID: String
    /// The event that produced the delivery (`transcript_processed`, `memory_creation`, …).
    public var event: String
    public var url: String
    public var body: [UInt8]
    /// Extra request headers (signatures, the idempotency key); `Content-Type` is the sender's business.
    public var headers: [String: String]
    /// Unique across the outbox: enqueuing the same key twice yields the first item.
    public var idempotencyKey: String
    public var status: Status
    /// Attempts made so far (failed, delivered or fatal).
    public var attemptCount: Int
    /// When the item is next due; meaningful while `pending`.
    public var nextAttemptAt: Date
    /// The last failure's description (a transport error or "HTTP 503"), if any.
    public var lastError: String?
    /// The last HTTP status received, if a response arrived.
    public var lastStatus: Int?
    public var createdAt: Date
    public var deliveredAt: Date?

    public init(
        id: Int64, appID: String, event: String, url: String, body: [UInt8], headers: [String: String],
        idempotencyKey: String, status: Status, attemptCount: Int, nextAttemptAt: Date, lastError: String?,
        lastStatus: Int?, createdAt: Date, deliveredAt: Date?
    ) {
        self.id = id
        self.appID = appID
        self.event = event
        self.url = url
        self.body = body
        self.headers = headers
        self.idempotencyKey = idempotencyKey
        self.status = status
        self.attemptCount = attemptCount
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.lastStatus = lastStatus
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
    }
}

extension OutboxItem {
    /// Decodes an `outbox` row. Throws on a status or headers value this version does not understand.
    init(row: Row) throws {
        let statusText: String = row["status"]
        guard let status = Status(rawValue: statusText) else {
            throw DatabaseError(message: "outbox item \(row["id"] as Int64): unknown status '\(statusText)'")
        }
        let headersText: String = row["headers"]
        let headers: [String: String]
        do {
            headers = try JSONDecoder().decode([String: String].self, from: Data(headersText.utf8))
        } catch {
            throw DatabaseError(message: "outbox item \(row["id"] as Int64): headers are not a JSON object of strings")
        }
        let body: Data? = row["body"]
        self.init(
            id: row["id"], appID: row["app_id"], event: row["event"], url: row["url"], body: [UInt8](body ?? Data()),
            headers: headers, idempotencyKey: row["idempotency_key"], status: status,
            attemptCount: row["attempt_count"], nextAttemptAt: Date(timeIntervalSince1970: row["next_attempt_at"]),
            lastError: row["last_error"], lastStatus: row["last_status"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            deliveredAt: (row["delivered_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }

    /// The `headers` column: a JSON object with sorted keys, so equal dictionaries store equal text.
    static func encodeHeaders(_ headers: [String: String]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(headers), as: UTF8.self)
    }
}
