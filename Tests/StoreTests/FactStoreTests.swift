import Foundation
import Store
import Testing

@Suite("Facts")
struct FactStoreTests {
    @Test("An added fact is unlocked, has a UUID, and reads back")
    func add() throws {
        let facts = try BridgeDatabase.inMemory().facts
        let fact = try facts.add(text: "Lives in Lyon", source: .learned, now: instant(3))
        #expect(UUID(uuidString: fact.id) != nil)
        #expect(!fact.locked)
        #expect(fact.createdAt == instant(3))
        #expect(try facts.fact(id: fact.id) == fact)
        #expect(try facts.list() == [fact])
    }

    @Test("Listing gives learned facts first, then the user's, each oldest first (omi-contract §4 step 6)")
    func order() throws {
        let facts = try BridgeDatabase.inMemory().facts
        try facts.add(text: "user late", source: .user, now: instant(20))
        try facts.add(text: "learned late", source: .learned, now: instant(30))
        try facts.add(text: "user early", source: .user, now: instant(10))
        try facts.add(text: "learned early", source: .learned, now: instant(5))
        try facts.add(text: "learned same instant", source: .learned, now: instant(5))
        #expect(
            try facts.list().map(\.text) == [
                "learned early", "learned same instant", "learned late", "user early", "user late",
            ])
    }

    @Test("Locked facts are kept but can be left out of the list")
    func locking() throws {
        let facts = try BridgeDatabase.inMemory().facts
        let secret = try facts.add(text: "secret", source: .user, now: instant(0))
        try facts.add(text: "open", source: .user, now: instant(1))
        #expect(try facts.setLocked(id: secret.id, true))
        #expect(try facts.fact(id: secret.id)?.locked == true)
        #expect(try facts.list().map(\.text) == ["secret", "open"])
        #expect(try facts.list(includeLocked: false).map(\.text) == ["open"])
        #expect(try facts.setLocked(id: secret.id, false))
        #expect(try facts.list(includeLocked: false).count == 2)
        #expect(try !facts.setLocked(id: "no-such-fact", true))
    }

    @Test("Deleting reports whether the fact existed")
    func delete() throws {
        let facts = try BridgeDatabase.inMemory().facts
        let fact = try facts.add(text: "temporary", source: .user, now: instant())
        #expect(try facts.delete(id: fact.id))
        #expect(try !facts.delete(id: fact.id))
        #expect(try facts.list().isEmpty)
    }
}
