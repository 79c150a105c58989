import Foundation
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
            #expect(try database.appliedMigrations() == ["v1", "v2", "v3"])
            try database.facts.add(text: "Likes tea", source: .user, now: instant())
        }
        let reopened = try BridgeDatabase(path: path)
        #expect(try reopened.appliedMigrations() == ["v1", "v2", "v3"])
        #expect(try reopened.facts.list().map(\.text) == ["Likes tea"])
    }

    @Test("In-memory databases are migrated and separate from each other")
    func inMemoryDatabasesAreSeparate() throws {
        let first = try BridgeDatabase.inMemory()
        let second = try BridgeDatabase.inMemory()
        #expect(first.path == ":memory:")
        #expect(try first.journalMode() == "memory")
        #expect(try first.appliedMigrations() == ["v1", "v2", "v3"])
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
