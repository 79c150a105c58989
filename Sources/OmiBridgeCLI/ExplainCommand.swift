import ArgumentParser
import Foundation
import OmiApps
import Store

/// `omi-bridge explain`: why each recent proactive notification did or did not fire (omi-contract §4).
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract:
            "Explain the recent proactive-notification decisions: which fired, and which step stopped the others.",
        discussion: """
            Newest first. For each decision: time, app, outcome (sent, or the gate that stopped it: no capability, \
            empty, rate limited until T, daily cap reached, prompt too long, output too short, generator failed), \
            the scopes kept and ignored, the filled values, the rendered prompt and the model's output (cut to \
            about 200 characters each in text), and the title and body when a notification was delivered. With \
            --json, one object per line with nothing cut.
            """)

    @Option(name: .long, help: "Only this app's decisions.") var app: String?
    @Option(name: .long, help: "How many decisions to show.") var last = 10
    @Flag(name: .long, help: "One JSON object per line.") var json = false
    @OptionGroup var store: StoreOptions

    func validate() throws {
        if last < 1 { throw ValidationError("--last: \(last) is not a positive number") }
    }

    func run() throws {
        let (database, path) = try store.database(create: false)
        let decisions =
            try database.map { db in
                try storing { () throws(StoreError) in try db.decisions.recent(appID: app, limit: last) }
            } ?? []
        if decisions.isEmpty {
            if !json { print("no decisions yet\(app.map { " for app \($0)" } ?? "") in \(path)") }
            return
        }
        for (index, decision) in decisions.enumerated() {
            let parsed = Self.decode(decision)
            if json {
                print(jsonLine(Self.object(decision, parsed)))
            } else {
                if index > 0 { print("") }
                print(Self.text(decision, parsed))
            }
        }
    }

    // MARK: - Reading a record

    /// The recorded `ProactiveDecision`, or nil for a record this version cannot read. Dates are tried as the
    /// default Codable form first; a time far from the row's own suggests Unix seconds.
    static func decode(_ decision: Decision) -> ProactiveDecision? {
        let data = Data(decision.json.utf8)
        let strategies: [JSONDecoder.DateDecodingStrategy] = [.deferredToDate, .secondsSince1970, .iso8601]
        for (index, strategy) in strategies.enumerated() {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = strategy
            guard let value = try? decoder.decode(ProactiveDecision.self, from: data) else { continue }
            if abs(value.at.timeIntervalSince(decision.createdAt)) < 86_400 || index == strategies.count - 1 {
                return value
            }
        }
        return nil
    }

    /// The outcome as a stable machine name and a sentence.
    static func outcome(_ decision: ProactiveDecision) -> (name: String, text: String) {
        switch decision.outcome {
        case .sent: ("sent", "sent")
        case .noCapability: ("no_capability", "not sent: the app lacks the proactive_notification capability")
        case .empty: ("empty", "not sent: the notification object was empty ({})")
        case .rateLimited(let retryAt):
            ("rate_limited", "not sent: rate limited until \(isoTime(retryAt)) (one per app every 30 s)")
        case .dailyCapReached: ("daily_cap_reached", "not sent: the daily cap is reached")
        case .promptTooLong:
            (
                "prompt_too_long",
                "prompt too long (\(decision.promptLength) chars): the 'Prompt too long' message was sent instead"
            )
        case .outputTooShort:
            ("output_too_short", "not sent: the model's output was empty or shorter than 5 characters")
        case .generatorFailed(let why): ("generator_failed", "not sent: the generator failed: \(why)")
        }
    }

    static func object(_ row: Decision, _ decision: ProactiveDecision?) -> [String: Any] {
        var object: [String: Any] = ["id": Int(row.id), "app_id": row.appID, "at": isoTime(row.createdAt)]
        guard let decision else {
            object["outcome"] = row.outcome
            object["record"] = row.json
            object["problem"] = "the record is not a decision this version can read"
            return object
        }
        let (name, text) = outcome(decision)
        object["at"] = isoTime(decision.at)
        object["outcome"] = name
        object["reason"] = text
        switch decision.outcome {
        case .rateLimited(let retryAt): object["retry_at"] = isoTime(retryAt)
        case .generatorFailed(let why): object["error"] = why
        default: break
        }
        object["prompt_length"] = decision.promptLength
        object["scopes"] = decision.filteredScopes
        object["ignored_params"] = decision.ignoredParams
        object["filled_values"] = decision.filledValues
        if let prompt = decision.renderedPrompt { object["rendered_prompt"] = prompt }
        if let output = decision.generatorOutput { object["generator_output"] = output }
        if let title = decision.title { object["title"] = title }
        if let body = decision.body { object["body"] = body }
        return object
    }

    static func text(_ row: Decision, _ decision: ProactiveDecision?) -> String {
        guard let decision else {
            return "#\(row.id) \(isoTime(row.createdAt))  \(row.appID)  \(row.outcome)\n"
                + "  (the record is not a decision this version can read: \(truncated(row.json, 200)))"
        }
        var lines = ["#\(row.id) \(isoTime(decision.at))  \(decision.appID)  \(outcome(decision).text)"]
        if !decision.filteredScopes.isEmpty || !decision.ignoredParams.isEmpty {
            let kept = decision.filteredScopes.isEmpty ? "none" : decision.filteredScopes.joined(separator: ", ")
            let ignored = decision.ignoredParams.isEmpty ? "none" : decision.ignoredParams.joined(separator: ", ")
            lines.append("  scopes kept: \(kept); ignored (not declared by the app): \(ignored)")
        }
        for scope in decision.filledValues.keys.sorted() {
            lines.append("  \(scope) = \(truncated(decision.filledValues[scope] ?? "", 200))")
        }
        if let prompt = decision.renderedPrompt { lines.append("  prompt: \(truncated(prompt, 200))") }
        if let output = decision.generatorOutput { lines.append("  output: \(truncated(output, 200))") }
        if let title = decision.title { lines.append("  title: \(title)") }
        if let body = decision.body { lines.append("  body: \(truncated(body, 200))") }
        return lines.joined(separator: "\n")
    }
}
