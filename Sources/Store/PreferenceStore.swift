public import Foundation
import GRDB

/// Notification preferences (omi-contract §7): for each scope, a boolean per category and channel saying whether
/// that category of notification goes out on that channel. A category exists in a scope once it has a channel.
///
/// The store keeps what it is given, names verbatim: which channels exist, and how user overrides merge with the
/// bridge-wide defaults, are the notification centre's business.
public struct PreferenceStore: Sendable {
    private let database: BridgeDatabase

    public init(_ database: BridgeDatabase) {
        self.database = database
    }

    /// Every preference in `scope`: category → channel → enabled. Empty when the scope has none.
    public func preferences(scope: PreferenceScope) throws(StoreError) -> [String: [String: Bool]] {
        try database.read("reading the \(scope) notification preferences") { db in
            var preferences: [String: [String: Bool]] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT category, channel, enabled FROM notification_preferences WHERE scope = ?",
                arguments: [scope.description])
            {
                preferences[row["category"], default: [:]][row["channel"]] = row["enabled"]
            }
            return preferences
        }
    }

    /// The bridge-wide preferences and one user's overrides, in one read: what every dispatch needs.
    public func preferences(
        tenantAndUser userID: String
    ) throws(StoreError) -> (tenant: [String: [String: Bool]], user: [String: [String: Bool]]) {
        let user = PreferenceScope.user(userID).description
        return try database.read("reading the notification preferences of \(userID)") { db in
            var tenant: [String: [String: Bool]] = [:]
            var overrides: [String: [String: Bool]] = [:]
            let statement = try db.cachedStatement(
                sql: "SELECT scope, category, channel, enabled FROM notification_preferences WHERE scope IN (?, ?)")
            for row in try Row.fetchAll(statement, arguments: [PreferenceScope.tenant.description, user]) {
                let scope: String = row["scope"]
                if scope == user {
                    overrides[row["category"], default: [:]][row["channel"]] = row["enabled"]
                } else {
                    tenant[row["category"], default: [:]][row["channel"]] = row["enabled"]
                }
            }
            return (tenant, overrides)
        }
    }

    /// The channels of one category in `scope` (channel → enabled); empty when the category is not there.
    public func preferences(scope: PreferenceScope, category: String) throws(StoreError) -> [String: Bool] {
        try database.read("reading the \(scope) notification preferences of \(category)") { db in
            try Self.channels(db, scope: scope, category: category)
        }
    }

    /// Sets the channels in `changes` for one category in `scope`, in one transaction, creating the category if it
    /// is missing; channels not in `changes` are left as they are. Returns the category's channels afterwards.
    /// Empty `changes` change nothing (and so do not create the category).
    @discardableResult
    public func update(
        scope: PreferenceScope, category: String, changes: [String: Bool], now: Date
    ) throws(StoreError) -> [String: Bool] {
        try database.write("updating the \(scope) notification preferences of \(category)") { db in
            for (channel, enabled) in changes {
                try db.execute(
                    sql: """
                        INSERT INTO notification_preferences (scope, category, channel, enabled, updated_at)
                        VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT(scope, category, channel) DO UPDATE SET
                            enabled = excluded.enabled, updated_at = excluded.updated_at
                        """,
                    arguments: [scope.description, category, channel, enabled, now.timeIntervalSince1970])
            }
            return try Self.channels(db, scope: scope, category: category)
        }
    }

    /// The categories in `scope`, sorted by their UTF-8 bytes.
    public func categories(scope: PreferenceScope) throws(StoreError) -> [String] {
        try database.read("listing the \(scope) notification categories") { db in
            try String.fetchAll(
                db, sql: "SELECT DISTINCT category FROM notification_preferences WHERE scope = ? ORDER BY category",
                arguments: [scope.description])
        }
    }

    /// Deletes one category and all its channels from `scope`; false if it was not there.
    @discardableResult
    public func delete(scope: PreferenceScope, category: String) throws(StoreError) -> Bool {
        try database.write("deleting the \(scope) notification preferences of \(category)") { db in
            try db.execute(
                sql: "DELETE FROM notification_preferences WHERE scope = ? AND category = ?",
                arguments: [scope.description, category])
            return db.changesCount > 0
        }
    }

    // MARK: - Private

    private static func channels(_ db: Database, scope: PreferenceScope, category: String) throws -> [String: Bool] {
        var channels: [String: Bool] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT channel, enabled FROM notification_preferences WHERE scope = ? AND category = ?",
            arguments: [scope.description, category])
        {
            channels[row["channel"]] = row["enabled"]
        }
        return channels
    }
}

extension BridgeDatabase {
    /// Notification preferences in this database.
    public var preferences: PreferenceStore { PreferenceStore(self) }
}
