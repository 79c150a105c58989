import Foundation
import OmiApps

/// One expectation's outcome, with the reason a person needs to fix a failure.
struct ScenarioResult: Sendable {
    var name: String
    var passed: Bool
    var detail: String
}

/// Checks a scenario's expectations against what happened.
enum ScenarioVerdict {
    static func evaluate(_ scenario: Scenario, _ seen: ScenarioObservations) -> [ScenarioResult] {
        scenario.expectations.map { name, expectation in
            let (passed, detail) = check(expectation, seen)
            return ScenarioResult(name: name, passed: passed, detail: detail)
        }
    }

    static func check(_ expectation: Scenario.Expectation, _ seen: ScenarioObservations) -> (Bool, String) {
        switch expectation {
        case .webhook(let app, let trigger, let pattern):
            let tried = seen.calls.filter { $0.app == app && (trigger == nil || $0.trigger == trigger) }
            let calls = tried.filter { $0.status != nil }  // received: the app answered, whatever it said
            guard !calls.isEmpty else { return (false, neverReceived(app, tried, seen)) }
            guard let pattern else { return (true, "called \(times(calls.count))") }
            for call in calls {
                if let text = texts(call).first(where: pattern.matches) {
                    return (true, "called \(times(calls.count)); '\(text)' at \(time(call.at))")
                }
            }
            let all = calls.flatMap(texts)
            return (false, "called \(times(calls.count)), but no segment matched /\(pattern.source)/; it got: "
                + (all.isEmpty ? "no segments" : all.map { "'\($0)'" }.joined(separator: ", ")))
        case .response(let app, let contains):
            let calls = seen.calls.filter { $0.app == app }
            guard !calls.isEmpty else { return (false, "\(app) was never called" + others(seen, app)) }
            if let call = calls.first(where: { contains == "notification" ? $0.response?.notification != nil : $0.response?.message != nil }) {
                return (true, "answered with a \(contains) at \(time(call.at))")
            }
            return (false, "no answer carried a \(contains): " + calls.map(answer).joined(separator: "; "))
        case .notification(let app, let category, let pattern):
            let items = seen.feed.filter { (app == nil || $0.appID == app) && (category == nil || $0.eventCategory == category) }
            if let item = items.first(where: { pattern == nil || pattern!.matches($0.title) || pattern!.matches($0.message) }) {
                return (true, "in the feed: \(item.title): \(truncated(item.message, 120))")
            }
            var why = items.isEmpty ? "no such notification in the feed (\(seen.feed.count) in all)"
                : "\(items.count) in the feed, none matching /\(pattern?.source ?? "")/: "
                    + items.map { "'\(truncated($0.message, 80))'" }.joined(separator: ", ")
            let decisions = seen.decisions.filter { app == nil || $0.appID == app }
            if !decisions.isEmpty {
                why += "; proactive decisions: " + decisions.map { "\($0.appID) \($0.outcome)" }.joined(separator: ", ")
            }
            return (false, why)
        case .nothingFired(let app, let within):
            let fired = seen.notifications.filter { (app == nil || $0.app == app) && (within == nil || $0.at <= within!) }
            guard let first = fired.first else { return (true, "nothing fired") }
            return (false, "\(fired.count) fired; the first at \(time(first.at)): \(first.title): \(truncated(first.body, 80))")
        case .memoryCreation(let app, let segments):
            let tried = seen.calls.filter { $0.app == app && $0.trigger == AppTrigger.memoryCreation.rawValue }
            let calls = tried.filter { $0.status != nil }
            guard !calls.isEmpty else {
                return (false, tried.isEmpty
                    ? "no memory_creation call to \(app) (\(seen.segments.count) segments were transcribed)"
                    : neverReceived(app, tried, seen))
            }
            let counts = calls.map { texts($0).count }
            guard let segments else { return (true, "received \(times(calls.count)) with \(counts) segments") }
            return counts.contains(segments)
                ? (true, "received with \(segments) segments")
                : (false, "received with \(counts.map(String.init).joined(separator: ", ")) segments, not \(segments)")
        }
    }

    /// The segment texts of a call's request body (`segments` or `transcript_segments`).
    static func texts(_ call: ScenarioObservations.Call) -> [String] {
        guard let body = try? JSONSerialization.jsonObject(with: Data(call.requestBody)) as? [String: Any] else { return [] }
        let segments = (body["segments"] ?? body["transcript_segments"]) as? [[String: Any]] ?? []
        return segments.compactMap { $0["text"] as? String }
    }

    static func answer(_ call: ScenarioObservations.Call) -> String {
        if let failure = call.failure { return "\(call.trigger) failed: \(failure)" }
        let status = call.status.map { "HTTP \($0)" } ?? "no answer"
        return "\(call.trigger) \(status)" + (call.response?.ignoredBecause.map { " (\($0))" } ?? "")
    }

    /// Why an app received nothing: never called, or every call failed (with the first failure).
    static func neverReceived(_ app: String, _ tried: [ScenarioObservations.Call], _ seen: ScenarioObservations) -> String {
        guard let first = tried.first else { return "\(app) was never called" + others(seen, app) }
        return "\(tried.count) calls to \(app) got no answer; the first: " + answer(first)
    }

    static func others(_ seen: ScenarioObservations, _ app: String) -> String {
        let called = Set(seen.calls.map(\.app)).subtracting([app]).sorted()
        return called.isEmpty ? " (\(seen.segments.count) segments were transcribed)" : " (called: \(called.joined(separator: ", ")))"
    }

    static func times(_ n: Int) -> String { n == 1 ? "once" : "\(n) times" }
    static func time(_ seconds: Double) -> String { String(format: "%.1f s", seconds) }
}
