import Crypto
public import Foundation
import GRDB

/// Bearer keys for the local HTTP API. A key is `omb_` followed by 32 lowercase hex digits (128 bits from the
/// system CSPRNG); it is returned once by ``create(name:role:now:)`` and only its SHA-256 (hex) is stored, so a
/// copy of the database does not reveal any key. Verifying hashes the presented key and looks the hash up.
public struct APIKeyStore: Sendable {
    /// The prefix of every key, so a leaked key is recognisable in logs and secret scanners.
    public static let prefix = "omb_"

    private let database: BridgeDatabase

    public init(_ database: BridgeDatabase) {
        self.database = database
    }

    /// Creates a key with a new UUID. The returned `key` is the only copy: show it to the user once.
    public func create(name: String, role: APIKey.Role, now: Date) throws(StoreError) -> (key: String, record: APIKey) {
        let key = Self.prefix + Self.hex(SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) })
        let record = APIKey(id: UUID().uuidString, name: name, role: role, createdAt: now)
        try database.write("creating an API key") { db in
            try db.execute(
                sql: "INSERT INTO api_keys (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [record.id, name, role.rawValue, Self.hash(key), now.timeIntervalSince1970])
        }
        return (key, record)
    }

    /// The non-revoked key record matching `key`, or nil. Malformed input is simply not found.
    public func verify(_ key: String) throws(StoreError) -> APIKey? {
        guard key.hasPrefix(Self.prefix), key.utf8.count == Self.prefix.utf8.count + 32 else { return nil }
        let digest = Self.hash(key)
        return try database.read("verifying an API key") { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM api_keys WHERE hash = ? AND revoked_at IS NULL", arguments: [digest]
            ).map(APIKey.init(row:))
        }
    }

    /// Every key, revoked ones included, oldest first.
    public func list() throws(StoreError) -> [APIKey] {
        try database.read("listing API keys") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_keys ORDER BY created_at, rowid").map(APIKey.init(row:))
        }
    }

    /// Revokes a key; false if there is no key with this id or it was already revoked (its date is kept).
    @discardableResult
    public func revoke(id: String, now: Date) throws(StoreError) -> Bool {
        try database.write("revoking API key \(id)") { db in
            try db.execute(
                sql: "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                arguments: [now.timeIntervalSince1970, id])
            return db.changesCount > 0
        }
    }

    /// The SHA-256 of a key's UTF-8 bytes, as lowercase hex: what the `hash` column holds.
    static func hash(_ key: String) -> String {
        hex(Array(SHA256.hash(data: Array(key.utf8))))
    }

    /// Lowercase hex of `bytes` (also the app keys' hashes).
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension BridgeDatabase {
    /// The local HTTP API's bearer keys in this database.
    public var apiKeys: APIKeyStore { APIKeyStore(self) }
}
