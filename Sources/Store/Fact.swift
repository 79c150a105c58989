public import Foundation
import GRDB

/// Something known about the user, entered by them or learned from conversations; `locked` facts are kept but
/// never shown to apps (omi-contract §4 step 6).
public struct Fact: Sendable, Equatable, Identifiable {
    /// Who put the fact there.
    public enum Source: String, Sendable, Equatable, CaseIterable {
        case user
        case learned
    }

    /// A UUID string.
    public var id: String
    public var text: String
    public var source: Source
    public var locked: Bool
    public var createdAt: Date

    public init(id: String, text: String, source: Source, locked: Bool, createdAt: Date) {
        self.id = id
        self.text = text
        self.source = source
        self.locked = locked
        self.createdAt = createdAt
    }
}

extension Fact {
    /// Decodes a `facts` row.
    init(row: Row) throws {
        let sourceText: String = row["source"]
        guard let source = Source(rawValue: sourceText) else {
            throw DatabaseError(message: "fact \(row["id"] as String): unknown source '\(sourceText)'")
        }
        self.init(
            id: row["id"], text: row["text"], source: source, locked: row["locked"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }
}
