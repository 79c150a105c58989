public import Foundation
import GRDB

/// The user's facts: added by the user or learned, listed learned-first for prompts (omi-contract §4 step 6),
/// lockable to keep one away from apps.
public struct FactStore: Sendable {
    private let database: BridgeDatabase

    public init(_ database: BridgeDatabase) {
        self.database = database
    }

    /// Adds a fact, unlocked, with a new UUID.
    @discardableResult
    public func add(text: String, source: Fact.Source, now: Date) throws(StoreError) -> Fact {
        let fact = Fact(id: UUID().uuidString, text: text, source: source, locked: false, createdAt: now)
        try database.write("adding a fact") { db in
            try db.execute(
                sql: "INSERT INTO facts (id, text, source, locked, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [fact.id, fact.text, fact.source.rawValue, fact.locked, now.timeIntervalSince1970])
        }
        return fact
    }

    /// All facts: learned ones, then user-entered ones, each oldest first (omi-contract §4 step 6). With
    /// `includeLocked: false`, locked facts are left out, as for an app's `user_facts`.
    public func list(includeLocked: Bool = true) throws(StoreError) -> [Fact] {
        try database.read("listing facts") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM facts WHERE (? OR locked = 0)
                    ORDER BY CASE source WHEN 'learned' THEN 0 ELSE 1 END, created_at, seq
                    """,
                arguments: [includeLocked]
            ).map(Fact.init(row:))
        }
    }

    /// The fact with this id, or nil.
    public func fact(id: String) throws(StoreError) -> Fact? {
        try database.read("reading fact \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM facts WHERE id = ?", arguments: [id]).map(Fact.init(row:))
        }
    }

    /// Deletes a fact; false if there was none with this id.
    @discardableResult
    public func delete(id: String) throws(StoreError) -> Bool {
        try database.write("deleting fact \(id)") { db in
            try db.execute(sql: "DELETE FROM facts WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    /// Locks or unlocks a fact; false if there was none with this id.
    @discardableResult
    public func setLocked(id: String, _ locked: Bool) throws(StoreError) -> Bool {
        try database.write("locking fact \(id)") { db in
            try db.execute(sql: "UPDATE facts SET locked = ? WHERE id = ?", arguments: [locked, id])
            return db.changesCount > 0
        }
    }
}

extension BridgeDatabase {
    /// The user's facts in this database.
    public var facts: FactStore { FactStore(self) }
}
