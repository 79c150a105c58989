import Foundation
import Testing

/// A configuration file in a fresh directory whose `storage.path` points at `bridge.sqlite` beside it.
struct StoreFixture {
    let dir: URL
    let config: String
    var database: String { dir.appendingPathComponent("bridge.sqlite").path }

    init(extra: String = "") throws {
        dir = try CLI.tempDirectory()
        config = dir.appendingPathComponent("config.yaml").path
        try "storage: {path: bridge.sqlite}\n\(extra)".write(toFile: config, atomically: true, encoding: .utf8)
    }

    func run(_ arguments: [String]) async throws -> CLI.Result { try await CLI.run(arguments + ["--config", config]) }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}

@Suite("omi-bridge facts")
struct FactsCommandTests {
    @Test("add, list, lock, unlock and delete the user's facts in the configured database")
    func lifecycle() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let empty = try await store.run(["facts", "list"])
        #expect(empty.status == 0, "\(empty.stderr)")
        #expect(empty.stdout == "no facts yet in \(store.database)\n")
        #expect(!FileManager.default.fileExists(atPath: store.database), "a read-only command created the database")

        let added = try await store.run(["facts", "add", "Works", "at", "a", "bakery"])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.hasPrefix("added ") && added.stdout.hasSuffix(": Works at a bakery\n"), "\(added.stdout)")
        #expect(try await store.run(["facts", "add", "Prefers tea"]).status == 0)

        let json = try await store.run(["facts", "list", "--json"])
        let facts = try json.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(facts.map { $0["text"] as? String } == ["Works at a bakery", "Prefers tea"])
        #expect(facts.allSatisfy { $0["source"] as? String == "user" && $0["locked"] as? Bool == false })
        let id = try #require(facts[0]["id"] as? String)

        // A unique prefix is enough.
        let locked = try await store.run(["facts", "lock", String(id.prefix(8))])
        #expect(locked.stdout == "locked \(id): Works at a bakery\n", "\(locked.stderr)")
        let text = try await store.run(["facts", "list"])
        let line = try #require(text.stdout.split(separator: "\n").first { $0.hasPrefix(id) })
        #expect(line.contains("user    locked  ") && line.hasSuffix("Works at a bakery"), "\(line)")
        #expect(try await store.run(["facts", "unlock", id]).stdout == "unlocked \(id): Works at a bakery\n")
        #expect(!(try await store.run(["facts", "list"]).stdout.contains("locked")))

        let deleted = try await store.run(["facts", "delete", id])
        #expect(deleted.stdout == "deleted \(id): Works at a bakery\n", "\(deleted.stderr)")
        let left = try await store.run(["facts", "list", "--json"]).stdout.split(separator: "\n")
        #expect(left.count == 1 && left[0].contains("Prefers tea"))
    }

    @Test("An unknown id exits 1 naming it; an empty fact is a usage error")
    func errors() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let before = try await store.run(["facts", "delete", "nope"])
        #expect(before.status == 1)
        #expect(before.stderr == "omi-bridge: no fact with id 'nope' (\(store.database) does not exist yet)\n")
        #expect(try await store.run(["facts", "add", "Likes", "jazz"]).status == 0)
        for command in ["delete", "lock", "unlock"] {
            let result = try await store.run(["facts", command, "nope"])
            #expect(result.status == 1)
            #expect(result.stderr == "omi-bridge: no fact with id 'nope' in \(store.database)\n", "\(result.stderr)")
        }
        let blank = try await store.run(["facts", "add", " "])
        #expect(blank.status == 2)
        #expect(blank.stderr.contains("the fact is empty"))
        let badConfig = try await CLI.run(["facts", "list", "--config", store.dir.appendingPathComponent("none.yaml").path])
        #expect(badConfig.status == 2)
        #expect(badConfig.stderr.contains("none.yaml: cannot read the configuration file"))
    }
}
