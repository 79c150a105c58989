import Foundation
import OmiAudio

extension Scenario {
    static let expectationKinds = ["webhook", "response", "notification", "nothing_fired", "memory_creation"]

    /// `expect:` — each entry one of `webhook`, `response`, `notification`, `nothing_fired`, `memory_creation`, with
    /// its fields; each gets a readable name for the reports.
    static func expectations(_ raw: Any, _ values: inout ConfigValues) -> [(name: String, expectation: Expectation)] {
        guard let list = raw as? [Any], !list.isEmpty else {
            values.problem("expect", "must be a non-empty list")
            return []
        }
        var out: [(String, Expectation)] = []
        for (i, entry) in list.enumerated() {
            let at = "expect[\(i)]"
            guard let mapping = values.mapping(entry, at) else { continue }
            guard mapping.count == 1, let (kind, body) = mapping.first, expectationKinds.contains(kind) else {
                values.problem(at, "needs exactly one of \(expectationKinds.joined(separator: ", "))")
                continue
            }
            guard let fields = values.mapping(body, "\(at).\(kind)") else { continue }
            var reader = FieldReader(fields: fields, at: "\(at).\(kind)")
            let expectation: Expectation?
            switch kind {
            case "webhook":
                let app = reader.required("app", &values)
                let trigger = reader.string("trigger", &values) { AppTriggerNames.contains($0) ? nil : "not one of \(AppTriggerNames.joined(separator: ", "))" }
                let text = reader.pattern("text", &values)
                expectation = app.map { .webhook(app: $0, trigger: trigger, text: text) }
            case "response":
                let app = reader.required("app", &values)
                let contains = reader.string("contains", &values) { ["notification", "message"].contains($0) ? nil : "not one of notification, message" }
                expectation = app.map { .response(app: $0, contains: contains ?? "notification") }
            case "notification":
                expectation = .notification(
                    app: reader.string("app", &values), category: reader.string("category", &values),
                    text: reader.pattern("text", &values))
            case "nothing_fired":
                expectation = .nothingFired(app: reader.string("app", &values), within: reader.seconds("within_s", &values))
            default:
                let app = reader.required("app", &values)
                let segments = reader.integer("segments", &values)
                expectation = app.map { .memoryCreation(app: $0, segments: segments) }
            }
            reader.finish(&values)
            if let expectation { out.append((describe(expectation), expectation)) }
        }
        return out
    }

    /// The texts of the `say` steps, in order: the exact transcript.
    var spoken: [String] {
        steps.compactMap { if case .say(let text, _, _) = $0 { text } else { nil } }
    }

    static let AppTriggerNames = ["transcript_processed", "memory_creation", "audio_bytes"]

    /// `webhook coach (transcript_processed) text ~ /deck/`.
    static func describe(_ e: Expectation) -> String {
        func text(_ p: Pattern?) -> String { p.map { " text ~ /\($0.source)/" } ?? "" }
        switch e {
        case .webhook(let app, let trigger, let pattern):
            return "webhook \(app)" + (trigger.map { " (\($0))" } ?? "") + text(pattern)
        case .response(let app, let contains): return "response from \(app) contains a \(contains)"
        case .notification(let app, let category, let pattern):
            return "notification" + (app.map { " from \($0)" } ?? "") + (category.map { " [\($0)]" } ?? "") + text(pattern)
        case .nothingFired(let app, let within):
            return "nothing fired" + (app.map { " from \($0)" } ?? "") + (within.map { " within \(format($0)) s" } ?? "")
        case .memoryCreation(let app, let segments):
            return "memory_creation to \(app)" + (segments.map { " with \($0) segments" } ?? "")
        }
    }

    static func format(_ seconds: Double) -> String { String(format: "%g", seconds) }
}

/// Reads the fields of one expectation, noting unknown ones.
private struct FieldReader {
    let fields: [String: Any]
    let at: String
    var used: Set<String> = []

    mutating func string(_ key: String, _ values: inout ConfigValues, _ check: (String) -> String? = { _ in nil }) -> String? {
        used.insert(key)
        return fields[key].flatMap { values.string($0, "\(at).\(key)", check) }
    }

    mutating func required(_ key: String, _ values: inout ConfigValues) -> String? {
        guard fields[key] != nil else {
            values.problem("\(at).\(key)", "required")
            used.insert(key)
            return nil
        }
        return string(key, &values) { $0.isEmpty ? "empty" : nil }
    }

    mutating func pattern(_ key: String, _ values: inout ConfigValues) -> Scenario.Pattern? {
        guard let source = string(key, &values) else { return nil }
        do {
            return Scenario.Pattern(source: source, regex: try NSRegularExpression(pattern: source, options: [.caseInsensitive]))
        } catch {
            values.problem("\(at).\(key)", "'\(source)' is not a regular expression")
            return nil
        }
    }

    mutating func seconds(_ key: String, _ values: inout ConfigValues) -> Double? {
        used.insert(key)
        guard let raw = fields[key], let d = values.seconds(raw, "\(at).\(key)", in: 0...86_400) else { return nil }
        return d.seconds
    }

    mutating func integer(_ key: String, _ values: inout ConfigValues) -> Int? {
        used.insert(key)
        return fields[key].flatMap { values.integer($0, "\(at).\(key)", in: 0...100_000) }
    }

    func finish(_ values: inout ConfigValues) {
        for key in fields.keys where !used.contains(key) { values.unknown("\(at).\(key)") }
    }
}
