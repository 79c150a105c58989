import Foundation
import Testing

@testable import Store

@Suite("Conversations and full-text search")
struct ConversationStoreTests {
    private func conversation(
        _ id: String, at seconds: Double, title: String = "Untitled", overview: String = "",
        transcript: String = "", discarded: Bool = false
    ) -> ConversationRecord {
        ConversationRecord(
            id: id, startedAt: instant(seconds), finishedAt: instant(seconds + 600), language: "en",
            status: "completed", title: title, overview: overview, category: "work", transcript: transcript,
            payload: Array("{\"id\":\"\(id)\"}".utf8), discarded: discarded)
    }

    private func store(_ conversations: ConversationRecord...) throws -> ConversationStore {
        let store = try BridgeDatabase.inMemory().conversations
        for conversation in conversations {
            try store.save(conversation)
        }
        return store
    }

    @Test("A saved conversation reads back field for field; saving again replaces it")
    func saveAndReplace() throws {
        var original = conversation("c1", at: 0, title: "Budget", overview: "Q3 budget", transcript: "numbers")
        let store = try store(original)
        #expect(try store.conversation(id: "c1") == original)
        original.title = "Hiring"
        original.transcript = "candidates"
        try store.save(original)
        #expect(try store.conversation(id: "c1") == original)
        #expect(try store.count() == 1)
        // The index followed the update: the old words no longer match, the new ones do.
        #expect(try store.search(question: "numbers", limit: 10).isEmpty)
        #expect(try store.search(question: "candidates", limit: 10).map(\.id) == ["c1"])
        #expect(try store.conversation(id: "missing") == nil)
    }

    @Test("Recent lists newest first by start time and leaves discarded ones out unless asked")
    func recent() throws {
        let store = try store(
            conversation("old", at: 0), conversation("new", at: 200), conversation("mid", at: 100),
            conversation("gone", at: 300, discarded: true))
        #expect(try store.recent(limit: 10).map(\.id) == ["new", "mid", "old"])
        #expect(try store.recent(limit: 2).map(\.id) == ["new", "mid"])
        #expect(try store.recent(limit: 10, includeDiscarded: true).map(\.id) == ["gone", "new", "mid", "old"])
    }

    @Test("Search matches a word in the transcript or the title, stemmed, any word sufficing")
    func matchesWords() throws {
        let store = try store(
            conversation("lunch", at: 0, title: "Lunch with Maria", transcript: "we talked about pasta"),
            conversation("gym", at: 100, title: "Workout", transcript: "leg day with the trainer"),
            conversation("misc", at: 200, title: "Errands", transcript: "groceries and laundry"))
        #expect(try store.search(question: "pasta", limit: 10).map(\.id) == ["lunch"])
        #expect(try store.search(question: "What did Maria say?", limit: 10).map(\.id) == ["lunch"])
        #expect(try store.search(question: "trainers", limit: 10).map(\.id) == ["gym"])
        #expect(Set(try store.search(question: "pasta laundry", limit: 10).map(\.id)) == ["lunch", "misc"])
        #expect(try store.search(question: nil, terms: ["Maria"], limit: 10).map(\.id) == ["lunch"])
        #expect(try store.search(question: "submarine", limit: 10).isEmpty)
    }

    @Test("A multi-word term is a phrase")
    func termIsAPhrase() throws {
        let store = try store(
            conversation("sf", at: 0, transcript: "flying to San Francisco on monday"),
            conversation("split", at: 100, transcript: "San Diego first, then Francisco's place"))
        #expect(try store.search(question: nil, terms: ["San Francisco"], limit: 10).map(\.id) == ["sf"])
    }

    @Test("Results are ranked by bm25: title over transcript, more mentions over fewer")
    func ranking() throws {
        let store = try store(
            conversation("passing", at: 0, title: "Standup", transcript: "status, then a word on the roadmap"),
            conversation("titled", at: 100, title: "Roadmap review", transcript: "priorities for next year"),
            conversation("often", at: 200, title: "Planning", transcript: "roadmap roadmap roadmap, the roadmap"))
        #expect(try store.search(question: "roadmap", limit: 10).map(\.id) == ["titled", "often", "passing"])
        #expect(try store.search(question: "roadmap", limit: 1).map(\.id) == ["titled"])
    }

    @Test("The date span keeps overlapping conversations, with or without words")
    func datesFilter() throws {
        // Each conversation lasts 600 s.
        let store = try store(
            conversation("day1", at: 0, transcript: "coffee"), conversation("day2", at: 86_400, transcript: "coffee"),
            conversation("day3", at: 172_800, transcript: "coffee"))
        #expect(
            try store.search(question: "coffee", since: instant(86_000), until: instant(86_500), limit: 10)
                .map(\.id) == ["day2"])
        #expect(
            Set(try store.search(question: "coffee", since: instant(86_400), limit: 10).map(\.id)) == ["day2", "day3"])
        #expect(try store.search(question: nil, until: instant(100_000), limit: 10).map(\.id) == ["day2", "day1"])
        #expect(try store.search(question: "coffee", since: instant(500_000), limit: 10).isEmpty)
    }

    @Test("Discarded conversations are never found")
    func discardedExcluded() throws {
        let store = try store(
            conversation("kept", at: 0, transcript: "secret plan"),
            conversation("binned", at: 100, transcript: "secret plan", discarded: true))
        #expect(try store.search(question: "secret", limit: 10).map(\.id) == ["kept"])
        #expect(try store.search(question: nil, limit: 10).map(\.id) == ["kept"])
    }

    @Test("No question and no terms returns the most recent")
    func emptyQueryIsRecent() throws {
        let store = try store(conversation("a", at: 0), conversation("b", at: 100), conversation("c", at: 200))
        #expect(try store.search(question: nil, terms: [], limit: 2).map(\.id) == ["c", "b"])
        #expect(try store.search(question: "   ", terms: ["", "!!"], limit: 2).map(\.id) == ["c", "b"])
    }

    @Test(
        "Hostile query text returns results or nothing, never an error",
        arguments: [
            "\"", "\"\"\"", "'; DROP TABLE conversations; --", "*", "pasta*", "AND OR NOT", "NEAR(pasta lunch, 2)",
            "-pasta", "(pasta", "title:pasta", "^pasta", "pasta + lunch", "🍝", "🍝 pasta 👩‍👩‍👧", "{a b}: c",
            "\u{0}", "a\"\u{301}b", "ÉCOLE", "パスタ",
        ])
    func hostileQueries(question: String) throws {
        let store = try store(conversation("lunch", at: 0, title: "Lunch", transcript: "pasta at the école"))
        let results = try store.search(question: question, terms: [question], limit: 10)
        #expect(results.allSatisfy { $0.id == "lunch" })
        #expect(try store.count() == 1)
    }

    @Test(
        "Words wrapped in FTS5 syntax or accents still find their conversation",
        arguments: ["pasta*", "NEAR(pasta lunch, 2)", "-pasta", "title:lunch", "\"pasta", "ÉCOLE", "🍝pasta🍝"])
    func syntaxIsIgnoredButWordsCount(question: String) throws {
        let store = try store(
            conversation("lunch", at: 0, title: "Lunch", transcript: "pasta at the école"),
            conversation("other", at: 1, title: "Run", transcript: "five kilometres"))
        #expect(try store.search(question: question, limit: 10).map(\.id) == ["lunch"])
    }

    @Test("The search index stays consistent with the table through saves, replacements and deletes")
    func indexIntegrity() throws {
        let store = try store(conversation("a", at: 0, transcript: "one"), conversation("b", at: 1, transcript: "two"))
        try store.checkSearchIndex()
        for round in 0..<5 {
            try store.save(conversation("a", at: 0, title: "round \(round)", transcript: "word\(round)"))
        }
        try store.delete(id: "b")
        try store.save(conversation("b", at: 2, transcript: "back again"))
        try store.checkSearchIndex()
        #expect(try store.search(question: "word4", limit: 10).map(\.id) == ["a"])
        #expect(try store.search(question: "word3 two", limit: 10).isEmpty)
        #expect(try store.search(question: "again", limit: 10).map(\.id) == ["b"])
    }

    @Test("Deleting a conversation removes it from search")
    func delete() throws {
        let store = try store(conversation("c", at: 0, transcript: "tennis"))
        #expect(try store.delete(id: "c"))
        #expect(try !store.delete(id: "c"))
        #expect(try store.search(question: "tennis", limit: 10).isEmpty)
    }
}
