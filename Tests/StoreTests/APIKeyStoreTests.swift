import Foundation
import GRDB
import Testing

@testable import Store

@Suite("API keys")
struct APIKeyStoreTests {
    @Test("A created key is omb_ plus 32 lowercase hex digits, verifies, and carries its name and role")
    func createAndVerify() throws {
        let keys = try BridgeDatabase.inMemory().apiKeys
        let (key, record) = try keys.create(name: "laptop", role: .admin, now: instant(2))
        #expect(key.hasPrefix("omb_"))
        let digits = key.dropFirst(4)
        #expect(digits.count == 32)
        #expect(digits.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(UUID(uuidString: record.id) != nil)
        #expect(record == APIKey(id: record.id, name: "laptop", role: .admin, createdAt: instant(2)))
        #expect(try keys.verify(key) == record)
    }

    @Test("Two keys differ, and each verifies as itself")
    func distinct() throws {
        let keys = try BridgeDatabase.inMemory().apiKeys
        let first = try keys.create(name: "a", role: .admin, now: instant())
        let second = try keys.create(name: "b", role: .member, now: instant(1))
        #expect(first.key != second.key)
        #expect(try keys.verify(first.key)?.id == first.record.id)
        #expect(try keys.verify(second.key)?.role == .member)
    }

    @Test(
        "Unknown, malformed, or near-miss keys do not verify",
        arguments: ["", "omb_", "omb_0123456789abcdef0123456789abcdef", "Bearer x", "omb_' OR 1=1 --"])
    func unknownKeys(candidate: String) throws {
        let keys = try BridgeDatabase.inMemory().apiKeys
        let (key, _) = try keys.create(name: "a", role: .admin, now: instant())
        #expect(try keys.verify(candidate) == nil)
        #expect(try keys.verify(key.uppercased()) == nil)
        #expect(try keys.verify(String(key.dropLast()) + (key.last == "0" ? "1" : "0")) == nil)
    }

    @Test("Only the SHA-256 hex of the key is stored, never the key")
    func storesHashOnly() throws {
        let database = try BridgeDatabase.inMemory()
        let (key, record) = try database.apiKeys.create(name: "a", role: .member, now: instant())
        let rows = try database.read("test") { db in try Row.fetchAll(db, sql: "SELECT * FROM api_keys") }
        #expect(rows.count == 1)
        let stored: String = rows[0]["hash"]
        #expect(stored == APIKeyStore.hash(key))
        #expect(stored.count == 64)
        // The SHA-256 of "abc", to pin the encoding (lowercase hex of the UTF-8 bytes).
        #expect(APIKeyStore.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        for (column, value) in rows[0] {
            let text = String.fromDatabaseValue(value)
            #expect(text?.contains(key.dropFirst(4)) != true, "column \(column) holds the key")
        }
        #expect(rows[0]["id"] as String == record.id)
    }

    @Test("A revoked key no longer verifies; revoking twice or an unknown id reports false")
    func revoke() throws {
        let keys = try BridgeDatabase.inMemory().apiKeys
        let (key, record) = try keys.create(name: "a", role: .admin, now: instant())
        #expect(try keys.revoke(id: record.id, now: instant(5)))
        #expect(try keys.verify(key) == nil)
        #expect(try !keys.revoke(id: record.id, now: instant(9)))
        #expect(try !keys.revoke(id: "no-such-key", now: instant(9)))
        #expect(try keys.list().first?.revokedAt == instant(5))
    }

    @Test("Listing gives every key oldest first, revoked ones included")
    func list() throws {
        let keys = try BridgeDatabase.inMemory().apiKeys
        let late = try keys.create(name: "late", role: .member, now: instant(20)).record
        let early = try keys.create(name: "early", role: .admin, now: instant(10)).record
        #expect(try keys.revoke(id: late.id, now: instant(30)))
        let listed = try keys.list()
        #expect(listed.map(\.name) == ["early", "late"])
        #expect(listed[0] == early)
        #expect(listed[1].isRevoked)
    }

    @Test("The role column accepts only admin and member")
    func roleCheck() throws {
        let database = try BridgeDatabase.inMemory()
        #expect(throws: StoreError.self) {
            try database.write("test") { db in
                try db.execute(
                    sql: "INSERT INTO api_keys (id, name, role, hash, created_at) VALUES ('x', 'n', 'root', 'h', 0)")
            }
        }
    }
}
