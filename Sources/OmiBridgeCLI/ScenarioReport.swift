import Foundation

/// One scenario's outcome, as the reports show it.
struct ScenarioOutcome {
    var scenario: Scenario
    var seen: ScenarioObservations
    var results: [ScenarioResult]
    var wallSeconds: Double

    var passed: Bool { results.allSatisfy(\.passed) }
}

/// The human summary, JUnit XML (one `testsuite` per scenario, one `testcase` per expectation) and JSON reports.
enum ScenarioReport {
    static func summary(_ o: ScenarioOutcome) -> String {
        let s = o.seen
        var lines = [
            "scenario \"\(o.scenario.name)\" (\(o.scenario.file)): \(String(format: "%.1f", s.audioSeconds)) s of audio at "
                + "\(Scenario.format(o.scenario.speed))x, \(s.segments.count) segments, \(s.calls.count) webhook calls, "
                + "\(s.notifications.count) notifications"
        ]
        for r in o.results { lines.append("  \(r.passed ? "✔" : "✘") \(r.name) — \(r.detail)") }
        let passed = o.results.filter(\.passed).count
        lines.append("\(passed) of \(o.results.count) expectations passed" + (o.passed ? "" : " — FAILED"))
        return lines.joined(separator: "\n")
    }

    static func junit(_ outcomes: [ScenarioOutcome]) -> String {
        let failures = outcomes.flatMap(\.results).filter { !$0.passed }.count
        let tests = outcomes.flatMap(\.results).count
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml += #"<testsuites name="omi-bridge test" tests="\#(tests)" failures="\#(failures)">"# + "\n"
        for o in outcomes {
            let failed = o.results.filter { !$0.passed }.count
            xml += #"  <testsuite name="\#(escape(o.scenario.name))" tests="\#(o.results.count)" failures="\#(failed)" "#
                + #"time="\#(String(format: "%.3f", o.wallSeconds))" file="\#(escape(o.scenario.file))">"# + "\n"
            for r in o.results {
                xml += #"    <testcase classname="\#(escape(o.scenario.name))" name="\#(escape(r.name))">"#
                if r.passed {
                    xml += "<system-out>\(escape(r.detail))</system-out>"
                } else {
                    xml += #"<failure message="\#(escape(r.detail))">\#(escape(r.detail))</failure>"#
                }
                xml += "</testcase>\n"
            }
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    static func json(_ outcomes: [ScenarioOutcome]) -> String {
        let scenarios: [[String: Any]] = outcomes.map { o in
            [
                "name": o.scenario.name, "file": o.scenario.file, "passed": o.passed, "speed": o.scenario.speed,
                "audio_seconds": o.seen.audioSeconds, "lost_notifications": o.seen.lostNotifications,
                "expectations": o.results.map { ["name": $0.name, "passed": $0.passed, "detail": $0.detail] },
                "segments": o.seen.segments.map { ["text": $0.text, "start": $0.start, "end": $0.end] },
                "webhook_calls": o.seen.calls.map { c -> [String: Any] in
                    var call: [String: Any] = ["app": c.app, "trigger": c.trigger, "at": c.at]
                    call["status"] = c.status
                    call["error"] = c.failure
                    call["latency_ms"] = c.latencyMs
                    call["answer_ignored_because"] = c.response?.ignoredBecause
                    return call
                },
                "notifications": o.seen.notifications.map { n -> [String: Any] in
                    var out: [String: Any] = ["category": n.category, "title": n.title, "body": n.body, "at": n.at]
                    out["app"] = n.app
                    return out
                },
                "decisions": o.seen.decisions.map { ["app": $0.appID, "outcome": $0.outcome] },
            ]
        }
        let root: [String: Any] = ["passed": outcomes.allSatisfy(\.passed), "scenarios": scenarios]
        let data = (try? JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\n": out += "&#10;"
            case _ where scalar.value < 0x20 && scalar != "\t": out += "?"  // not allowed in XML 1.0
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
