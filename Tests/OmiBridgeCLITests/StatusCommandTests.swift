import Foundation
import Store
import Testing

@Suite("omi-bridge status")
struct StatusCommandTests {
    @Test("Without a database, status says so and does not create one")
    func missingDatabase() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let text = try await store.run(["status"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout == "database       \(store.database) (does not exist yet)\n")
        let json = try await store.run(["status", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let database = try #require(object["database"] as? [String: Any])
        #expect(database["path"] as? String == store.database)
        #expect(database["exists"] as? Bool == false)
        #expect(database.count == 2)
        #expect(!FileManager.default.fileExists(atPath: store.database), "a read-only command created the database")
    }

    @Test("On a fresh database: journal mode, migrations and zero counts; then the counts follow the rows")
    func freshDatabase() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let database = try BridgeDatabase(path: store.database)
        let migrations = try database.appliedMigrations()
        let fresh = try await store.run(["status"])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(
            fresh.stdout == """
                database       \(store.database) (journal wal)
                migrations     \(migrations.count): \(migrations.joined(separator: ", "))
                outbox         0 pending, 0 dead
                notifications  0 queued, 0 failed
                feed           0 unread
                api keys       0

                """, "\(fresh.stdout)")

        let now = Date(timeIntervalSince1970: 1_767_000_000)
        _ = try database.apiKeys.create(name: "admin", role: .admin, now: now)
        let item = try database.outbox.enqueue(
            appID: "notes", event: "memory_created", url: "https://notes.example/hook", body: [], idempotencyKey: "a",
            now: now)
        try database.outbox.markDead(id: item.id, status: 410, error: "HTTP 410")
        _ = try database.outbox.enqueue(
            appID: "notes", event: "memory_created", url: "https://notes.example/hook", body: [], idempotencyKey: "b",
            now: now)
        _ = try database.feed.insert(
            userID: "u1", appID: nil, eventCategory: "bridge.test", title: "Hello", subtitle: nil, message: "Hi",
            metadata: "{}", now: now)
        let json = try await store.run(["status", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.stdout.split(separator: "\n").count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let report = try #require(object["database"] as? [String: Any])
        #expect(report["exists"] as? Bool == true)
        #expect(report["journal_mode"] as? String == "wal")
        #expect(report["migrations"] as? [String] == migrations)
        #expect(report["outbox"] as? [String: Int] == ["pending": 1, "dead": 1])
        #expect(report["notifications"] as? [String: Int] == ["queue_depth": 0, "failed": 0])
        #expect(report["feed_unread"] as? Int == 1)
        #expect(report["api_keys"] as? Int == 1)
    }
}
