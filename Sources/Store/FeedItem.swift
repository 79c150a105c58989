public import Foundation
import GRDB

/// One notification in the local feed (omi-contract §7): every delivered message becomes one.
public struct FeedItem: Sendable, Equatable, Identifiable {
    /// A UUID string.
    public var id: String
    public var userID: String
    /// The app that sent it, nil for the bridge's own notifications (`device.battery_low`, …).
    public var appID: String?
    /// `app.message`, `app.proactive`, `app.direct`, `conversation.created`, `device.battery_low`, …
    public var eventCategory: String
    public var title: String
    public var subtitle: String?
    public var message: String
    public var isRead: Bool
    /// A JSON object's text, returned as stored.
    public var metadata: String
    public var createdAt: Date

    public init(
        id: String, userID: String, appID: String?, eventCategory: String, title: String, subtitle: String?,
        message: String, isRead: Bool, metadata: String, createdAt: Date
    ) {
        self.id = id
        self.userID = userID
        self.appID = appID
        self.eventCategory = eventCategory
        self.title = title
        self.subtitle = subtitle
        self.message = message
        self.isRead = isRead
        self.metadata = metadata
        self.createdAt = createdAt
    }
}

extension FeedItem {
    /// Decodes a `feed` row.
    init(row: Row) {
        self.init(
            id: row["id"], userID: row["user_id"], appID: row["app_id"], eventCategory: row["event_category"],
            title: row["title"], subtitle: row["subtitle"], message: row["message"], isRead: row["is_read"],
            metadata: row["metadata"], createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }
}
