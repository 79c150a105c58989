import ArgumentParser
import Foundation
import Store

/// `omi-bridge outbox`: the durable webhook outbox — deliveries waiting to be (re)tried, and dead letters.
struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "List pending and dead-letter webhook deliveries; put dead letters back in the queue.",
        subcommands: [List.self, Replay.self, OutboxDeliverCommand.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List pending deliveries (or dead letters with --dead), oldest first.",
            discussion: """
                Text: id, app, event, attempts, next attempt (pending) or created (dead), endpoint (scheme, host \
                and path; the query is left out, it may hold an app's key), last status and last error. \
                With --json, one object per line.
                """)
        @Flag(name: .long, help: "Dead letters instead of pending deliveries.") var dead = false
        @Flag(name: .long, help: "One JSON object per line.") var json = false
        @OptionGroup var store: StoreOptions

        func run() throws {
            let (database, path) = try store.database(create: false)
            let items =
                try database.map { db in
                    try storing { () throws(StoreError) in
                        try dead ? db.outbox.deadLetters() : db.outbox.due(now: .distantFuture, limit: Int.max)
                    }
                } ?? []
            if json {
                for item in items { print(jsonLine(OutboxCommand.object(item))) }
                return
            }
            guard !items.isEmpty else {
                print(dead ? "no dead letters in \(path)" : "no pending deliveries in \(path)")
                return
            }
            for item in items { print(OutboxCommand.line(item)) }
        }
    }

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a dead letter (or all of them) back to pending; the running bridge delivers it.",
            discussion: "The attempt count starts again from 0 and the delivery is due at once.")
        @Argument(help: "The delivery's id (from `outbox list --dead`).") var id: Int64?
        @Flag(name: .customLong("all-dead"), help: "Replay every dead letter.") var allDead = false
        @OptionGroup var store: StoreOptions

        func validate() throws {
            if allDead == (id != nil) { throw ValidationError("give either a delivery id or --all-dead") }
        }

        func run() throws {
            let (opened, path) = try store.database(create: false)
            guard let database = opened else {
                if allDead {
                    print("no dead letters in \(path)")
                    return
                }
                throw CLIFailure("no delivery with id \(id ?? 0) (\(path) does not exist yet)")
            }
            let now = Date()
            if let id {
                guard let item = try storing({ () throws(StoreError) in try database.outbox.item(id: id) }) else {
                    throw CLIFailure("no delivery with id \(id) in \(path)")
                }
                guard item.status == .dead else {
                    throw CLIFailure("delivery \(id) is \(item.status.rawValue), not a dead letter: nothing to replay")
                }
                let replayed = try storing { () throws(StoreError) in try database.outbox.replay(id: id, now: now) }
                print("replayed \(replayed.id) (\(replayed.appID) \(replayed.event)): pending, due now")
                return
            }
            let dead = try storing { () throws(StoreError) in try database.outbox.deadLetters() }
            for item in dead {
                _ = try storing { () throws(StoreError) in try database.outbox.replay(id: item.id, now: now) }
                print("replayed \(item.id) (\(item.appID) \(item.event))")
            }
            print(dead.isEmpty ? "no dead letters in \(path)" : "\(dead.count) dead letters back to pending, due now")
        }
    }

    /// `https://host/path` without the query or user info, which may hold secrets.
    static func endpoint(_ url: String) -> String {
        guard var parts = URLComponents(string: url) else { return "?" }
        parts.query = nil
        parts.fragment = nil
        parts.user = nil
        parts.password = nil
        return parts.string ?? "?"
    }

    static func object(_ item: OutboxItem) -> [String: Any] {
        var object: [String: Any] = [
            "id": Int(item.id), "app_id": item.appID, "event": item.event, "status": item.status.rawValue,
            "attempts": item.attemptCount, "endpoint": endpoint(item.url), "created_at": isoTime(item.createdAt),
            "body_bytes": item.body.count,
        ]
        if item.status == .pending { object["next_attempt_at"] = isoTime(item.nextAttemptAt) }
        if let status = item.lastStatus { object["last_status"] = status }
        if let error = item.lastError { object["last_error"] = error }
        return object
    }

    static func line(_ item: OutboxItem) -> String {
        let when =
            item.status == .pending ? "next \(isoTime(item.nextAttemptAt))" : "created \(isoTime(item.createdAt))"
        var line =
            "\(item.id)  \(item.appID)  \(item.event)  attempts \(item.attemptCount)  \(when)  \(endpoint(item.url))"
        if let status = item.lastStatus { line += "  last HTTP \(status)" }
        if let error = item.lastError { line += "  last error: \(truncated(error, 200))" }
        return line
    }
}
