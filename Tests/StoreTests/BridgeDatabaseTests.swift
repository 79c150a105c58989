import Foundation
import GRDB
import Testing

@testable import Store

@Suite("Bridge database")
struct BridgeDatabaseTests {
    @Test("A file database is opened in WAL mode, creating its parent directories")
    func fileDatabaseIsWAL() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("nested/deeper/bridge.sqlite")
        let database = try BridgeDatabase(path: path)
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(try database.journalMode() == "wal")
    }

    @Test("Migrations run once: reopening a file keeps its data and applies nothing new")
    func migrationsRunOnce() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("bridge.sqlite")
        do {
            let database = try BridgeDatabase(path: path)
            #expect(try database.appliedMigrations() == ["v1", "v2", "v3", "v4"])
            try database.facts.add(text: "Likes tea", source: .user, now: instant())
        }
        let reopened = try BridgeDatabase(path: path)
        #expect(try reopened.appliedMigrations() == ["v1", "v2", "v3", "v4"])
        #expect(try reopened.facts.list().map(\.text) == ["Likes tea"])
    }

    @Test("v4 upgrades a file made by the previous version, keeping its data and adding the notification centre")
    func upgradeFromV3() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("bridge.sqlite")
        do {
            // The previous release's schema, written as that release did: migrations up to v3 only.
            let pool = try DatabasePool(path: path)
            try StoreMigrations.migrator.migrate(pool, upTo: "v3")
            try pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO feed (id, user_id, app_id, event_category, title, message, created_at)
                        VALUES ('f1', 'u1', 'coach', 'app.proactive', 'Coach says', 'Stand up', ?)
                        """,
                    arguments: [instant().timeIntervalSince1970])
            }
            #expect(try pool.read { db in try db.tableExists("deliveries") } == false)
            #expect(try pool.read { db in try StoreMigrations.migrator.appliedMigrations(db) } == ["v1", "v2", "v3"])
        }
        let database = try BridgeDatabase(path: path)
        #expect(try database.appliedMigrations() == ["v1", "v2", "v3", "v4"])
        #expect(try database.feed.list(userID: "u1").items.map(\.id) == ["f1"])
        let delivery = try database.deliveries.enqueue(
            notificationID: "f1", userID: "u1", channel: "desktop", eventCategory: "app.proactive",
            title: "Coach says", notificationCreatedAt: instant(), payload: "{}", now: instant(1))
        #expect(try database.deliveries.due(now: instant(1), limit: 10) == [delivery])
        try database.preferences.update(
            scope: .tenant, category: "app.proactive", changes: ["desktop": true], now: instant())
        #expect(try database.preferences.categories(scope: .tenant) == ["app.proactive"])
        let job = try database.broadcastJobs.create(request: "{}", requestedAt: instant(), now: instant())
        #expect(try database.broadcastJobs.unfinished() == [job])
    }

    @Test("In-memory databases are migrated and separate from each other")
    func inMemoryDatabasesAreSeparate() throws {
        let first = try BridgeDatabase.inMemory()
        let second = try BridgeDatabase.inMemory()
        #expect(first.path == ":memory:")
        #expect(try first.journalMode() == "memory")
        #expect(try first.appliedMigrations() == ["v1", "v2", "v3", "v4"])
        try first.facts.add(text: "Only here", source: .user, now: instant())
        #expect(try first.facts.list().count == 1)
        #expect(try second.facts.list().isEmpty)
    }

    @Test("A file that is not a database fails to open with an error naming the file and the operation")
    func openErrorNamesTheFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("garbage.sqlite")
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: StoreError.self) { try BridgeDatabase(path: path) }
        #expect(error?.path == path)
        #expect(error?.doing == "opening")
        #expect(error?.reason.isEmpty == false)
    }

    @Test("A path whose parent cannot be created fails to open with an error naming the file")
    func unwritableParent() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let blocker = directory.path("file")
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
        let path = blocker + "/bridge.sqlite"
        let error = #expect(throws: StoreError.self) { try BridgeDatabase(path: path) }
        #expect(error?.path == path)
        #expect(error?.doing == "opening")
    }
}
