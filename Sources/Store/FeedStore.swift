public import Foundation
import GRDB

/// The local notification feed (omi-contract §7): newest first, paged, per user. Marking read and deleting are
/// idempotent and scoped to the user: an unknown id, or another user's, changes nothing and is not an error.
public struct FeedStore: Sendable {
    private let database: BridgeDatabase

    public init(_ database: BridgeDatabase) {
        self.database = database
    }

    /// Files a new, unread notification with `id`, or a new UUID when nil. `metadata` must be a JSON object's
    /// text.
    ///
    /// The notification centre picks the id first so the deliveries it records can name the feed item; an id that
    /// is already in the feed is an error.
    @discardableResult
    public func insert(
        id: String? = nil, userID: String, appID: String?, eventCategory: String, title: String,
        subtitle: String? = nil,
        message: String, metadata: String = "{}", now: Date
    ) throws(StoreError) -> FeedItem {
        let doing = "filing a \(eventCategory) notification"
        guard (try? JSONSerialization.jsonObject(with: Data(metadata.utf8))) is [String: Any] else {
            throw StoreError(path: database.path, doing: doing, reason: "metadata is not a JSON object")
        }
        let item = FeedItem(
            id: id ?? UUID.timeOrdered().uuidString, userID: userID, appID: appID, eventCategory: eventCategory, title: title,
            subtitle: subtitle, message: message, isRead: false, metadata: metadata, createdAt: now)
        try database.write(doing) { db in try Self.write(item, db) }
        return item
    }

    /// Inserts `item` (unread) in the open transaction `db`; ``BridgeDatabase/file(_:)`` batches these.
    static func write(_ item: FeedItem, _ db: Database) throws {
        // A cached statement: compiled once per connection, not per notification.
        try db.cachedStatement(
            sql: """
                INSERT INTO feed (id, user_id, app_id, event_category, title, subtitle, message, is_read,
                                  metadata, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)
                """
        ).execute(
            arguments: [
                item.id, item.userID, item.appID, item.eventCategory, item.title, item.subtitle, item.message,
                item.metadata, item.createdAt.timeIntervalSince1970,
            ])
    }

    /// How many feed items are unread, every user's together, for `omi-bridge status`.
    public func unreadCount() throws(StoreError) -> Int {
        try database.read("counting unread feed items") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM feed WHERE is_read = 0") ?? 0
        }
    }

    /// One page of the user's feed, newest first, and the total number of items matching (all, or unread only).
    public func list(
        userID: String, limit: Int = 50, offset: Int = 0, unreadOnly: Bool = false
    ) throws(StoreError) -> (items: [FeedItem], total: Int) {
        try database.read("listing the feed of \(userID)") { db in
            let items = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM feed WHERE user_id = ? AND (? = 0 OR is_read = 0)
                    ORDER BY created_at DESC, seq DESC LIMIT ? OFFSET ?
                    """,
                arguments: [userID, unreadOnly, max(limit, 0), max(offset, 0)]
            ).map(FeedItem.init(row:))
            let total =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM feed WHERE user_id = ? AND (? = 0 OR is_read = 0)",
                    arguments: [userID, unreadOnly]) ?? 0
            return (items, total)
        }
    }

    /// The user's notification with this id, or nil.
    public func item(id: String, userID: String) throws(StoreError) -> FeedItem? {
        try database.read("reading notification \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM feed WHERE id = ? AND user_id = ?", arguments: [id, userID])
                .map(FeedItem.init(row:))
        }
    }

    /// Marks one of the user's notifications read; true if it was unread.
    @discardableResult
    public func markRead(id: String, userID: String) throws(StoreError) -> Bool {
        try change("marking notification \(id) read") { db in
            try db.execute(
                sql: "UPDATE feed SET is_read = 1 WHERE id = ? AND user_id = ? AND is_read = 0",
                arguments: [id, userID])
        } > 0
    }

    /// Marks every unread notification of the user read; returns how many changed.
    @discardableResult
    public func markAllRead(userID: String) throws(StoreError) -> Int {
        try change("marking the feed of \(userID) read") { db in
            try db.execute(sql: "UPDATE feed SET is_read = 1 WHERE user_id = ? AND is_read = 0", arguments: [userID])
        }
    }

    /// Deletes one of the user's notifications; true if it existed.
    @discardableResult
    public func delete(id: String, userID: String) throws(StoreError) -> Bool {
        try change("deleting notification \(id)") { db in
            try db.execute(sql: "DELETE FROM feed WHERE id = ? AND user_id = ?", arguments: [id, userID])
        } > 0
    }

    /// Deletes the user's read notifications, keeping unread ones; returns how many were deleted.
    @discardableResult
    public func deleteRead(userID: String) throws(StoreError) -> Int {
        try change("deleting the read notifications of \(userID)") { db in
            try db.execute(sql: "DELETE FROM feed WHERE user_id = ? AND is_read = 1", arguments: [userID])
        }
    }

    /// Runs one statement and returns the number of rows it changed.
    private func change(_ doing: String, _ statement: (Database) throws -> Void) throws(StoreError) -> Int {
        try database.write(doing) { db in
            try statement(db)
            return db.changesCount
        }
    }
}

extension BridgeDatabase {
    /// The notification feed in this database.
    public var feed: FeedStore { FeedStore(self) }
}
