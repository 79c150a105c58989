import BridgeTesting
import Dispatch
import Foundation
import GRDB
import Testing

@testable import Store

@Suite("WAL checkpoints off the commit path, durable commits")
struct WALCheckpointerTests {
    /// A fact of about one page, so each commit adds a frame or two to the WAL.
    static let text = String(repeating: "tea and biscuits ", count: 200)

    static func walBytes(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int) ?? 0
    }

    @Test("The writer commits with synchronous=FULL: an answered write is on disk, not only in the page cache")
    func synchronousFull() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try BridgeDatabase(path: directory.path("bridge.sqlite"))
        let level = try database.writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(level == 2)  // FULL
    }

    @Test("Past the threshold the checkpoint runs on the checkpointer's connection, not inside a commit")
    func backgroundCheckpoint() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("bridge.sqlite")
        // The checkpointer's queue is held during the commits, so what the WAL holds after them is not racing a
        // checkpoint that has already restarted it.
        let held = DispatchQueue(label: "held checkpointer")
        held.suspend()
        var released = false
        defer { if !released { held.resume() } }  // a suspended queue must not be released
        let database = try BridgeDatabase(path: path, checkpointing: .init(threshold: 20, hardLimit: 100_000, queue: held))
        let checkpointer = try #require(database.checkpointer)
        for _ in 0..<60 { _ = try database.facts.add(text: Self.text, source: .user, now: instant()) }
        // No commit checkpointed: the WAL grew past the threshold, and the checkpoint waits on the queue.
        #expect(checkpointer.counts.walPages >= 20)
        #expect(checkpointer.counts.background == 0)
        held.resume()
        released = true
        #expect(await eventually { checkpointer.counts.background >= 1 })
        #expect(checkpointer.counts.inline == 0)
        // Once checkpointed, a commit starts the WAL again from its beginning instead of growing it.
        #expect(try await eventually {
            _ = try database.facts.add(text: Self.text, source: .user, now: instant())
            return checkpointer.counts.walPages < 10
        })
        #expect(try database.facts.list().count >= 61)
    }

    @Test("A checkpointer that cannot run: the writer checkpoints itself at the hard limit, so the WAL stays bounded")
    func hardLimit() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("bridge.sqlite")
        let stalled = DispatchQueue(label: "stalled checkpointer")
        stalled.suspend()
        defer { stalled.resume() }  // a suspended queue must not be released
        let database = try BridgeDatabase(path: path, checkpointing: .init(threshold: 10, hardLimit: 40, queue: stalled))
        for _ in 0..<300 { _ = try database.facts.add(text: Self.text, source: .user, now: instant()) }
        let checkpointer = try #require(database.checkpointer)
        #expect(checkpointer.counts.inline >= 1)
        #expect(checkpointer.counts.background == 0)
        // 300 commits of a page or more would be over 1.2 MB of WAL; bounded by the limit plus one commit's frames.
        let frame = 4096 + 24
        #expect(Self.walBytes(path) <= 32 + (40 + 8) * frame, "WAL is \(Self.walBytes(path)) bytes")
        #expect(try database.facts.list().count == 300)
    }
}
