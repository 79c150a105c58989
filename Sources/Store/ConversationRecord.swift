public import Foundation
import GRDB

/// A past conversation as the store keeps it: the searchable fields, plus the full conversation JSON as an opaque
/// `payload` that the store never parses.
public struct ConversationRecord: Sendable, Equatable, Identifiable {
    public var id: String
    public var startedAt: Date
    public var finishedAt: Date
    public var language: String
    public var status: String
    public var title: String
    public var overview: String
    public var category: String
    /// The transcript segments' text joined, for full-text search.
    public var transcript: String
    /// The full conversation document (JSON), stored and returned byte for byte.
    public var payload: [UInt8]
    /// A discarded conversation is kept but never returned by ``ConversationStore/search(question:terms:since:until:limit:)``.
    public var discarded: Bool

    public init(
        id: String, startedAt: Date, finishedAt: Date, language: String, status: String, title: String,
        overview: String, category: String, transcript: String, payload: [UInt8], discarded: Bool = false
    ) {
        self.id = id
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.language = language
        self.status = status
        self.title = title
        self.overview = overview
        self.category = category
        self.transcript = transcript
        self.payload = payload
        self.discarded = discarded
    }
}

extension ConversationRecord {
    /// Decodes a `conversations` row.
    init(row: Row) {
        let payload: Data? = row["payload"]
        self.init(
            id: row["id"], startedAt: Date(timeIntervalSince1970: row["started_at"]),
            finishedAt: Date(timeIntervalSince1970: row["finished_at"]), language: row["language"],
            status: row["status"], title: row["title"], overview: row["overview"], category: row["category"],
            transcript: row["transcript"], payload: [UInt8](payload ?? Data()), discarded: row["discarded"])
    }
}
