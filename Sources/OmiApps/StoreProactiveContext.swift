public import Foundation
public import Store

/// `ProactiveContext` over the store (omi-contract §4 step 6): the configured name, facts (learned, then
/// user-entered — the configuration file's `user.facts` and those added through the CLI or the API — locked ones
/// left out, at most 1000), past conversations found by full-text search on the question and the filters, and
/// the last 10 messages with the app.
public struct StoreProactiveContext: ProactiveContext {
    public let database: BridgeDatabase
    public let name: String
    /// `user.facts` from the configuration file: user-entered, after those in the store.
    public let configuredFacts: [String]

    public init(database: BridgeDatabase, name: String, configuredFacts: [String] = []) {
        self.database = database
        self.name = name
        self.configuredFacts = configuredFacts
    }

    public func userName(userID: String) async -> String { name }

    public func factsText(userID: String) async -> String {
        let stored = (try? database.facts.list(includeLocked: false)) ?? []
        let learned = stored.filter { $0.source == .learned }.map { "- " + $0.text }
        let entered = (stored.filter { $0.source == .user }.map(\.text) + configuredFacts).map { "- " + $0 }
        let kept = Array((learned + entered).prefix(1000))
        guard !kept.isEmpty else { return "" }
        let learnedKept = kept.prefix(learned.count)
        let enteredKept = kept.dropFirst(learned.count)
        var blocks: [String] = []
        if !learnedKept.isEmpty {
            blocks.append("Facts about \(name) learned from conversations:\n" + learnedKept.joined(separator: "\n"))
        }
        if !enteredKept.isEmpty { blocks.append("Facts \(name) shared:\n" + enteredKept.joined(separator: "\n")) }
        return blocks.joined(separator: "\n\n")
    }

    public func conversationContext(userID: String, question: String?, filters: ProactiveRequest.Filters) async -> String {
        let dates = filters.dates.compactMap(Self.day)
        let found = (try? database.conversations.search(
            question: question, terms: filters.people + filters.topics + filters.entities,
            since: dates.min(), until: dates.max().map { $0.addingTimeInterval(86_400) }, limit: 5)) ?? []
        return found.map { record in
            "Conversation on \(Conversation.isoformat(record.startedAt).prefix(10)): \(record.title)\n\(record.overview)"
        }.joined(separator: "\n\n")
    }

    public func chatText(userID: String, appID: String) async -> String {
        let messages = (try? database.chat.last(10, appID: appID)) ?? []
        return messages.map { "\($0.sender == .user ? name : "App"): \($0.text)" }.joined(separator: "\n")
    }

    /// `YYYY-MM-DD` (or an ISO 8601 time starting with one) as the UTC start of that day.
    static func day(_ text: String) -> Date? {
        let parts = text.prefix(10).split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
    }
}
