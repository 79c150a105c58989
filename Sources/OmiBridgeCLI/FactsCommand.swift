import ArgumentParser
import Foundation
import Store

/// `omi-bridge facts`: the user's facts in the bridge's database, as apps see them in `user_facts`.
struct FactsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "facts",
        abstract: "List, add, delete, lock and unlock the user's facts in the bridge's database.",
        discussion: """
            Facts added here have source 'user'; the bridge learns others ('learned') from conversations. A locked \
            fact is kept but never shown to apps. An ID may be shortened to any unique prefix.
            """,
        subcommands: [Add.self, List.self, Delete.self, Lock.self, Unlock.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a fact (source: user); the words are joined by spaces.")
        @Argument(help: "The fact, e.g. Works at a bakery.") var words: [String]
        @OptionGroup var store: StoreOptions

        var text: String { words.joined(separator: " ").trimmingCharacters(in: .whitespacesAndNewlines) }

        func validate() throws {
            if text.isEmpty { throw ValidationError("the fact is empty") }
        }

        func run() throws {
            guard let database = try store.database(create: true).0 else { return }
            let fact = try storing { () throws(StoreError) in
                try database.facts.add(text: text, source: .user, now: Date())
            }
            print("added \(fact.id): \(fact.text)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the facts: learned first, then the user's, each oldest first.",
            discussion: "Text: ID, source, locked, creation time, text. With --json, one object per line.")
        @Flag(name: .long, help: "One JSON object per line: id, text, source, locked, created_at.") var json = false
        @OptionGroup var store: StoreOptions

        func run() throws {
            let (database, path) = try store.database(create: false)
            let facts = try database.map { db in try storing { () throws(StoreError) in try db.facts.list() } } ?? []
            if json {
                for fact in facts {
                    print(
                        jsonLine([
                            "id": fact.id, "text": fact.text, "source": fact.source.rawValue, "locked": fact.locked,
                            "created_at": isoTime(fact.createdAt),
                        ]))
                }
                return
            }
            guard !facts.isEmpty else {
                print("no facts yet in \(path)")
                return
            }
            for fact in facts {
                let flags =
                    fact.source.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                    + (fact.locked ? "locked  " : "        ")
                print("\(fact.id)  \(flags)\(isoTime(fact.createdAt))  \(fact.text)")
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a fact.")
        @Argument(help: "The fact's ID (or a unique prefix).") var id: String
        @OptionGroup var store: StoreOptions

        func run() throws {
            let (database, fact) = try FactsCommand.resolve(id, store)
            _ = try storing { () throws(StoreError) in try database.facts.delete(id: fact.id) }
            print("deleted \(fact.id): \(fact.text)")
        }
    }

    struct Lock: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lock a fact: kept, but never shown to apps.")
        @Argument(help: "The fact's ID (or a unique prefix).") var id: String
        @OptionGroup var store: StoreOptions

        func run() throws { try FactsCommand.setLocked(id, true, store) }
    }

    struct Unlock: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unlock a fact: apps see it again.")
        @Argument(help: "The fact's ID (or a unique prefix).") var id: String
        @OptionGroup var store: StoreOptions

        func run() throws { try FactsCommand.setLocked(id, false, store) }
    }

    static func setLocked(_ id: String, _ locked: Bool, _ store: StoreOptions) throws(CLIFailure) {
        let (database, fact) = try resolve(id, store)
        _ = try storing { () throws(StoreError) in try database.facts.setLocked(id: fact.id, locked) }
        print("\(locked ? "locked" : "unlocked") \(fact.id): \(fact.text)")
    }

    /// The fact with this ID, or the only one whose ID starts with it; exit 1 naming the ID otherwise.
    static func resolve(_ id: String, _ store: StoreOptions) throws(CLIFailure) -> (BridgeDatabase, Fact) {
        let (opened, path) = try store.database(create: false)
        guard let database = opened else { throw CLIFailure("no fact with id '\(id)' (\(path) does not exist yet)") }
        if let fact = try storing({ () throws(StoreError) in try database.facts.fact(id: id) }) {
            return (database, fact)
        }
        let matches = try storing { () throws(StoreError) in try database.facts.list() }
            .filter { $0.id.lowercased().hasPrefix(id.lowercased()) }
        guard !id.isEmpty, let first = matches.first else { throw CLIFailure("no fact with id '\(id)' in \(path)") }
        guard matches.count == 1 else {
            throw CLIFailure("fact id '\(id)' is ambiguous: \(matches.count) facts start with it")
        }
        return (database, first)
    }
}
