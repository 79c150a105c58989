import GRDB

/// The schema's history, one named GRDB migration per step (`v1`, …). A migration, once shipped, never changes:
/// a new column or table is a new migration appended at the end, so every existing database file upgrades in order.
enum StoreMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try createOutbox(db)
            try createConversations(db)
            try createFacts(db)
            try createChatMessages(db)
            try createFeed(db)
            try createDecisions(db)
        }
        migrator.registerMigration("v2") { db in
            try createAPIKeys(db)
        }
        migrator.registerMigration("v3") { db in
            // Omi app keys for the direct-notification API (omi-contract §5), made by `omi-bridge keys create`.
            try db.create(table: "app_keys") { t in
                t.primaryKey("id", .text)
                t.column("app_id", .text).notNull().indexed()
                t.column("hash", .text).notNull().unique()
                t.column("created_at", .double).notNull()
                t.column("revoked_at", .double)
            }
        }
        migrator.registerMigration("v4") { db in
            // The notification centre (omi-contract §7).
            try createDeliveries(db)
            try createNotificationPreferences(db)
            try createBroadcastJobs(db)
        }
        return migrator
    }

    /// The durable webhook outbox (``OutboxStore``). Times are unix seconds.
    private static func createOutbox(_ db: Database) throws {
        try db.create(table: "outbox") { t in
            // AUTOINCREMENT: an id is never reused, so a log line naming a delivery stays unambiguous.
            t.autoIncrementedPrimaryKey("id")
            t.column("app_id", .text).notNull()
            t.column("event", .text).notNull()
            t.column("url", .text).notNull()
            t.column("body", .blob).notNull()
            t.column("headers", .text).notNull().defaults(to: "{}")
            t.column("idempotency_key", .text).notNull().unique()
            t.column("status", .text).notNull().check { ["pending", "delivered", "dead"].contains($0) }
            t.column("attempt_count", .integer).notNull().defaults(to: 0)
            t.column("next_attempt_at", .double).notNull()
            t.column("last_error", .text)
            t.column("last_status", .integer)
            t.column("created_at", .double).notNull()
            t.column("delivered_at", .double)
        }
        try db.create(index: "outbox_by_status_due", on: "outbox", columns: ["status", "next_attempt_at"])
    }

    /// Past conversations (``ConversationStore``) and their FTS5 index over title, overview and transcript.
    private static func createConversations(_ db: Database) throws {
        try db.create(table: "conversations") { t in
            // An explicit integer key for the FTS5 index: an implicit rowid may be renumbered by VACUUM,
            // which would silently detach an external-content index from its rows.
            t.autoIncrementedPrimaryKey("seq")
            t.column("id", .text).notNull().unique()
            t.column("started_at", .double).notNull()
            t.column("finished_at", .double).notNull()
            t.column("language", .text).notNull()
            t.column("status", .text).notNull()
            t.column("title", .text).notNull()
            t.column("overview", .text).notNull()
            t.column("category", .text).notNull()
            t.column("transcript", .text).notNull()
            t.column("payload", .blob).notNull()
            t.column("discarded", .boolean).notNull().defaults(to: false)
        }
        try db.create(index: "conversations_by_start", on: "conversations", columns: ["started_at"])
        // GRDB's synchronization installs insert/update/delete triggers and rebuilds the index.
        try db.create(virtualTable: "conversations_fts", using: FTS5()) { t in
            t.synchronize(withTable: "conversations")
            t.tokenizer = .porter(wrapping: .unicode61())
            t.column("title")
            t.column("overview")
            t.column("transcript")
        }
    }

    /// Facts about the user (``FactStore``).
    private static func createFacts(_ db: Database) throws {
        try db.create(table: "facts") { t in
            // The integer key orders facts created at the same instant by insertion.
            t.autoIncrementedPrimaryKey("seq")
            t.column("id", .text).notNull().unique()
            t.column("text", .text).notNull()
            t.column("source", .text).notNull().check { ["user", "learned"].contains($0) }
            t.column("locked", .boolean).notNull().defaults(to: false)
            t.column("created_at", .double).notNull()
        }
    }

    /// Per-app chat history (``ChatStore``).
    private static func createChatMessages(_ db: Database) throws {
        try db.create(table: "chat_messages") { t in
            // The integer key keeps insertion order for messages appended within the same second.
            t.autoIncrementedPrimaryKey("seq")
            t.column("id", .text).notNull().unique()
            t.column("app_id", .text).notNull()
            t.column("sender", .text).notNull().check { ["user", "app"].contains($0) }
            t.column("text", .text).notNull()
            t.column("conversation_id", .text)
            t.column("created_at", .double).notNull()
        }
        try db.create(index: "chat_messages_by_app", on: "chat_messages", columns: ["app_id", "created_at"])
    }

    /// The notification feed (``FeedStore``, omi-contract §7).
    private static func createFeed(_ db: Database) throws {
        try db.create(table: "feed") { t in
            t.autoIncrementedPrimaryKey("seq")
            t.column("id", .text).notNull().unique()
            t.column("user_id", .text).notNull()
            t.column("app_id", .text)
            t.column("event_category", .text).notNull()
            t.column("title", .text).notNull()
            t.column("subtitle", .text)
            t.column("message", .text).notNull()
            t.column("is_read", .boolean).notNull().defaults(to: false)
            t.column("metadata", .text).notNull().defaults(to: "{}")
            t.column("created_at", .double).notNull()
        }
        try db.create(index: "feed_by_user", on: "feed", columns: ["user_id", "created_at"])
    }

    /// Proactive-notification decisions, for `omi-bridge explain` (``DecisionStore``).
    private static func createDecisions(_ db: Database) throws {
        try db.create(table: "decisions") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("app_id", .text).notNull()
            t.column("created_at", .double).notNull()
            t.column("outcome", .text).notNull()
            t.column("record", .text).notNull()
        }
        try db.create(index: "decisions_by_app", on: "decisions", columns: ["app_id", "id"])
    }

    /// Bearer keys for the local HTTP API (``APIKeyStore``): only the SHA-256 of a key is kept, never the key.
    private static func createAPIKeys(_ db: Database) throws {
        try db.create(table: "api_keys") { t in
            t.primaryKey("id", .text)
            t.column("name", .text).notNull()
            t.column("role", .text).notNull().check { ["admin", "member"].contains($0) }
            t.column("hash", .text).notNull().unique()
            t.column("created_at", .double).notNull()
            t.column("revoked_at", .double)
        }
    }

    /// One row per channel attempt of a notification (``DeliveryStore``), with a snapshot of the notification and
    /// the message to send, so a queued delivery survives a restart even when its feed item has been deleted.
    private static func createDeliveries(_ db: Database) throws {
        try db.create(table: "deliveries") { t in
            // As in the feed: the integer key orders deliveries made within the same instant by insertion.
            t.autoIncrementedPrimaryKey("seq")
            t.column("id", .text).notNull().unique()
            // No foreign key to the feed, on purpose: deleting a feed item keeps its deliveries.
            t.column("notification_id", .text).notNull()
            t.column("user_id", .text).notNull()
            t.column("channel", .text).notNull()
            t.column("status", .text).notNull().check { ["queued", "sent", "failed"].contains($0) }
            t.column("attempt_count", .integer).notNull().defaults(to: 0)
            t.column("last_error", .text)
            t.column("next_attempt_at", .double).notNull()
            t.column("created_at", .double).notNull()
            t.column("updated_at", .double).notNull()
            t.column("event_category", .text).notNull()
            t.column("title", .text).notNull()
            t.column("notification_created_at", .double).notNull()
            t.column("payload", .text).notNull()
        }
        // The due queue, its depth and the next wake-up.
        try db.create(index: "deliveries_by_status_due", on: "deliveries", columns: ["status", "next_attempt_at"])
        // Category limits (count per user, category and channel since a time) and the per-user listing.
        try db.create(
            index: "deliveries_by_user_category", on: "deliveries",
            columns: ["user_id", "event_category", "channel", "created_at"])
        try db.create(index: "deliveries_by_channel", on: "deliveries", columns: ["channel", "created_at"])
        try db.create(index: "deliveries_by_category", on: "deliveries", columns: ["event_category", "created_at"])
    }

    /// Whether a category of notification goes out on a channel (``PreferenceStore``): bridge-wide defaults and
    /// per-user overrides, told apart by `scope` (`tenant`, `user:<id>`).
    private static func createNotificationPreferences(_ db: Database) throws {
        try db.create(table: "notification_preferences", options: [.withoutRowID]) { t in
            t.column("scope", .text).notNull()
            t.column("category", .text).notNull()
            t.column("channel", .text).notNull()
            t.column("enabled", .boolean).notNull()
            t.column("updated_at", .double).notNull()
            t.primaryKey(["scope", "category", "channel"])
        }
    }

    /// Broadcasts queued to run asynchronously (``BroadcastJobStore``), resumed after a restart.
    private static func createBroadcastJobs(_ db: Database) throws {
        try db.create(table: "broadcast_jobs") { t in
            t.primaryKey("id", .text)
            t.column("status", .text).notNull().check {
                ["queued", "in_progress", "completed", "failed"].contains($0)
            }
            t.column("percentage_complete", .double).notNull().defaults(to: 0).check { $0 >= 0 && $0 <= 100 }
            t.column("request", .text).notNull()
            t.column("status_logs", .text).notNull().defaults(to: "[]")
            t.column("created_at", .double).notNull()
            t.column("requested_at", .double).notNull()
            t.column("updated_at", .double).notNull()
        }
        try db.create(index: "broadcast_jobs_by_status", on: "broadcast_jobs", columns: ["status", "created_at"])
    }
}
