import Crypto
public import Foundation
import GRDB

/// Omi app keys for the direct-notification API (omi-contract §5): `sk_` + 32 lowercase hex, returned once by
/// ``create(appID:now:)``. As upstream, what is stored is the SHA-256 (hex) of the key without its `sk_` prefix,
/// so hashes from Omi app manifests (`api_key_hashes`) and these verify the same way.
public struct AppKeyStore: Sendable {
    public static let prefix = "sk_"

    /// One stored key: never the key itself.
    public struct Record: Sendable, Equatable, Identifiable {
        public var id: String
        public var appID: String
        public var createdAt: Date
        public var revokedAt: Date?
    }

    private let database: BridgeDatabase

    public init(_ database: BridgeDatabase) { self.database = database }

    /// A new key for `appID`. The returned `key` is the only copy.
    public func create(appID: String, now: Date) throws(StoreError) -> (key: String, record: Record) {
        let secret = SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) }
        let key = Self.prefix + APIKeyStore.hex(secret)
        let record = Record(id: UUID().uuidString.lowercased(), appID: appID, createdAt: now)
        try database.write("creating a key for app \(appID)") { db in
            try db.execute(
                sql: "INSERT INTO app_keys (id, app_id, hash, created_at) VALUES (?, ?, ?, ?)",
                arguments: [record.id, appID, Self.hash(key), now.timeIntervalSince1970])
        }
        return (key, record)
    }

    /// The SHA-256 hex of the non-revoked keys of `appID`.
    public func hashes(appID: String) throws(StoreError) -> [String] {
        try database.read("reading the keys of app \(appID)") { db in
            try String.fetchAll(
                db.cachedStatement(sql: "SELECT hash FROM app_keys WHERE app_id = ? AND revoked_at IS NULL"),
                arguments: [appID])
        }
    }

    /// The keys of one app (or all), revoked ones included, oldest first.
    public func list(appID: String? = nil) throws(StoreError) -> [Record] {
        try database.read("listing app keys") { db in
            let rows =
                if let appID {
                    try Row.fetchAll(
                        db, sql: "SELECT * FROM app_keys WHERE app_id = ? ORDER BY created_at, rowid", arguments: [appID])
                } else {
                    try Row.fetchAll(db, sql: "SELECT * FROM app_keys ORDER BY created_at, rowid")
                }
            return rows.map { row in
                Record(
                    id: row["id"], appID: row["app_id"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
                    revokedAt: (row["revoked_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
            }
        }
    }

    /// Revokes a key; false if unknown or already revoked.
    @discardableResult
    public func revoke(id: String, now: Date) throws(StoreError) -> Bool {
        try database.write("revoking app key \(id)") { db in
            try db.execute(
                sql: "UPDATE app_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                arguments: [now.timeIntervalSince1970, id])
            return db.changesCount > 0
        }
    }

    /// What a presented key is checked by: SHA-256 hex of the key with a leading `sk_` stripped (omi-contract §5).
    public static func hash(_ key: String) -> String {
        let secret = key.hasPrefix(prefix) ? String(key.dropFirst(prefix.count)) : key
        return APIKeyStore.hex(Array(SHA256.hash(data: Array(secret.utf8))))
    }
}

extension BridgeDatabase {
    /// Omi app keys for direct notifications.
    public var appKeys: AppKeyStore { AppKeyStore(self) }
}
