public import Foundation
import GRDB

/// Past conversations, searchable with SQLite FTS5 over title, overview and transcript (kept in sync by
/// triggers), for apps' `user_context` (omi-contract §4 step 6) and the bridge's own search.
public struct ConversationStore: Sendable {
    private let database: BridgeDatabase

    public init(_ database: BridgeDatabase) {
        self.database = database
    }

    /// Inserts the conversation, or replaces every field of the one with the same id. The search index follows.
    public func save(_ conversation: ConversationRecord) throws(StoreError) {
        try database.write("saving conversation \(conversation.id)") { db in
            // An upsert, not INSERT OR REPLACE: REPLACE deletes without firing delete triggers (unless recursive
            // triggers are on), which would leave stale entries in the external-content FTS index.
            try db.execute(
                sql: """
                    INSERT INTO conversations (id, started_at, finished_at, language, status, title, overview,
                                               category, transcript, payload, discarded)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET
                        started_at = excluded.started_at, finished_at = excluded.finished_at,
                        language = excluded.language, status = excluded.status, title = excluded.title,
                        overview = excluded.overview, category = excluded.category,
                        transcript = excluded.transcript, payload = excluded.payload, discarded = excluded.discarded
                    """,
                arguments: [
                    conversation.id, conversation.startedAt.timeIntervalSince1970,
                    conversation.finishedAt.timeIntervalSince1970, conversation.language, conversation.status,
                    conversation.title, conversation.overview, conversation.category, conversation.transcript,
                    Data(conversation.payload), conversation.discarded,
                ])
        }
    }

    /// The conversation with this id (discarded or not), or nil.
    public func conversation(id: String) throws(StoreError) -> ConversationRecord? {
        try database.read("reading conversation \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM conversations WHERE id = ?", arguments: [id])
                .map(ConversationRecord.init(row:))
        }
    }

    /// The newest conversations by start time, at most `limit`; discarded ones only if asked for.
    public func recent(limit: Int, includeDiscarded: Bool = false) throws(StoreError) -> [ConversationRecord] {
        try database.read("listing recent conversations") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM conversations WHERE (? OR discarded = 0)
                    ORDER BY started_at DESC, seq DESC LIMIT ?
                    """,
                arguments: [includeDiscarded, max(limit, 0)]
            ).map(ConversationRecord.init(row:))
        }
    }

    /// Conversations matching any word of `question` or any of `terms` (people, topics, entities; a term of
    /// several words is a phrase), best bm25 match first; discarded ones never. `since`/`until` keep the
    /// conversations that overlap that span (finished at or after `since`, started at or before `until`).
    /// Any text is safe here (``FullTextQuery``); with no word to search for, the most recent conversations
    /// in the span are returned.
    public func search(
        question: String?, terms: [String] = [], since: Date? = nil, until: Date? = nil, limit: Int
    ) throws(StoreError) -> [ConversationRecord] {
        let query = FullTextQuery(question: question, terms: terms)
        let since = since?.timeIntervalSince1970
        let until = until?.timeIntervalSince1970
        return try database.read("searching conversations") { db in
            guard let expression = query.expression else {
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT * FROM conversations
                        WHERE discarded = 0 AND (? IS NULL OR finished_at >= ?) AND (? IS NULL OR started_at <= ?)
                        ORDER BY started_at DESC, seq DESC LIMIT ?
                        """,
                    arguments: [since, since, until, until, max(limit, 0)]
                ).map(ConversationRecord.init(row:))
            }
            // bm25 weights title 10, overview 5, transcript 1: a word in the title says more than one in passing.
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT conversations.* FROM conversations
                    JOIN conversations_fts ON conversations_fts.rowid = conversations.seq
                    WHERE conversations_fts MATCH ? AND conversations.discarded = 0
                      AND (? IS NULL OR conversations.finished_at >= ?)
                      AND (? IS NULL OR conversations.started_at <= ?)
                    ORDER BY bm25(conversations_fts, 10.0, 5.0, 1.0), conversations.started_at DESC LIMIT ?
                    """,
                arguments: [expression, since, since, until, until, max(limit, 0)]
            ).map(ConversationRecord.init(row:))
        }
    }

    /// Deletes a conversation and its index entry; false if there was none with this id.
    @discardableResult
    public func delete(id: String) throws(StoreError) -> Bool {
        try database.write("deleting conversation \(id)") { db in
            try db.execute(sql: "DELETE FROM conversations WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    /// Runs FTS5's integrity check of the search index against the conversations table; throws if they disagree.
    func checkSearchIndex() throws(StoreError) {
        try database.write("checking the conversation search index") { db in
            try db.execute(sql: "INSERT INTO conversations_fts(conversations_fts, rank) VALUES ('integrity-check', 1)")
        }
    }

    /// How many conversations are stored, discarded ones included.
    public func count() throws(StoreError) -> Int {
        try database.read("counting conversations") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM conversations") ?? 0
        }
    }
}

extension BridgeDatabase {
    /// Past conversations in this database.
    public var conversations: ConversationStore { ConversationStore(self) }
}
