public import Foundation
import GRDB

/// One channel attempt of a notification (omi-contract §7): which channel, how it has gone, and a snapshot of the
/// notification taken when it was enqueued, so the delivery stays meaningful and sendable without its feed item.
public struct DeliveryRecord: Sendable, Equatable, Identifiable {
    /// A UUID string.
    public var id: String
    /// The notification (feed item) this delivers; the feed item may since have been deleted.
    public var notificationID: String
    public var userID: String
    /// The channel's name: `in_app`, `desktop`, `device_haptic`, `webhook`, `email`, …
    public var channel: String
    public var status: DeliveryStatus
    /// Attempts made so far.
    public var attemptCount: Int
    /// The last failure's reason, if any (never a secret: it is shown by the deliveries endpoint).
    public var lastError: String?
    /// When the delivery is next due; meaningful while `queued`.
    public var nextAttemptAt: Date
    public var createdAt: Date
    public var updatedAt: Date
    /// The notification's `event_category` (`app.proactive`, `device.battery_low`, …), as it was when enqueued.
    public var eventCategory: String
    /// The notification's title, as it was when enqueued.
    public var title: String
    /// When the notification was created (not the delivery).
    public var notificationCreatedAt: Date
    /// The full message to send, as the JSON object's text the caller gave; returned as stored.
    public var payload: String

    public init(
        id: String, notificationID: String, userID: String, channel: String, status: DeliveryStatus,
        attemptCount: Int, lastError: String?, nextAttemptAt: Date, createdAt: Date, updatedAt: Date,
        eventCategory: String, title: String, notificationCreatedAt: Date, payload: String
    ) {
        self.id = id
        self.notificationID = notificationID
        self.userID = userID
        self.channel = channel
        self.status = status
        self.attemptCount = attemptCount
        self.lastError = lastError
        self.nextAttemptAt = nextAttemptAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.eventCategory = eventCategory
        self.title = title
        self.notificationCreatedAt = notificationCreatedAt
        self.payload = payload
    }
}

extension DeliveryRecord {
    /// Decodes a `deliveries` row. Throws on a status this version does not understand.
    init(row: Row) throws {
        let statusText: String = row["status"]
        guard let status = DeliveryStatus(rawValue: statusText) else {
            throw DatabaseError(message: "delivery \(row["id"] as String): unknown status '\(statusText)'")
        }
        self.init(
            id: row["id"], notificationID: row["notification_id"], userID: row["user_id"], channel: row["channel"],
            status: status, attemptCount: row["attempt_count"], lastError: row["last_error"],
            nextAttemptAt: Date(timeIntervalSince1970: row["next_attempt_at"]),
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"]), eventCategory: row["event_category"],
            title: row["title"], notificationCreatedAt: Date(timeIntervalSince1970: row["notification_created_at"]),
            payload: row["payload"])
    }
}
