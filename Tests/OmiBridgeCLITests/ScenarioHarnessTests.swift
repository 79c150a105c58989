import BridgeTesting
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// `omi-bridge test SCENARIO`: the whole pipeline against a simulated Omi, with reports that say what failed and why.
@Suite("omi-bridge test: the webhook-author harness")
struct ScenarioHarnessTests {
    static func scenario(_ dir: URL, app: String, expect: String) throws -> String {
        let file = dir.appendingPathComponent("scenario.yaml").path
        try """
            name: Coach under test
            speed: 8
            bridge:
              user: {uid: u_test, name: Alex}
              notifications: {channels: {desktop: {enabled: false}}}
              apps:
                - id: coach
                  name: Coach
                  capabilities: [external_integration, proactive_notification]
                  external_integration: {triggers_on: transcript_processed, webhook_url: "\(app)/transcript"}
                  proactive_notification: {scopes: [user_name]}
                - id: notes
                  name: Notes
                  capabilities: [external_integration]
                  external_integration: {triggers_on: memory_creation, webhook_url: "\(app)/memory"}
            steps:
              - say: "Good morning."
              - say: "Send me the deck by Friday."
              - silence: 1
              - battery: 9
            expect:
            \(expect)
            """.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Answers a transcript that mentions the deck with a proactive notification.
    static func app() throws -> LoopbackHTTPServer {
        try LoopbackHTTPServer { request in
            let body = String(decoding: request.body, as: UTF8.self)
            guard request.path == "/transcript", body.contains("deck") else { return .reply(status: 200, body: Array("{}".utf8)) }
            return .reply(status: 200, body: Array(#"{"notification": {"prompt": "Remind {{user_name}} of the deck", "params": ["user_name"]}}"#.utf8))
        }
    }

    @Test("Passing and deliberately failing expectations: the summary, JUnit XML and JSON say which and why; exit 1")
    func passAndFail() async throws {
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try Self.app()
        defer { server.stop() }
        let file = try Self.scenario(
            dir, app: server.baseURL,
            expect: """
                  - webhook: {app: coach, trigger: transcript_processed, text: "deck"}
                  - response: {app: coach, contains: notification}
                  - notification: {app: coach, category: app.proactive, text: "Remind Alex"}
                  - notification: {category: device.battery_low}
                  - memory_creation: {app: notes, segments: 2}
                  - webhook: {app: coach, text: "milk"}
                  - nothing_fired: {app: coach}
                  - memory_creation: {app: notes, segments: 5}
                """)
        let junit = dir.appendingPathComponent("report.xml").path
        let json = dir.appendingPathComponent("report.json").path
        let result = try await CLI.run(["test", file, "--junit", junit, "--json", json])
        #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("1 of 1 scenarios failed: Coach under test"))
        let summary = result.stdout
        #expect(summary.contains("✔ webhook coach (transcript_processed) text ~ /deck/"), "\(summary)")
        #expect(summary.contains("✔ notification from coach [app.proactive] text ~ /Remind Alex/"), "\(summary)")
        #expect(summary.contains("✔ notification [device.battery_low]"), "\(summary)")
        #expect(summary.contains("✔ memory_creation to notes with 2 segments"), "\(summary)")
        #expect(summary.contains("✘ webhook coach text ~ /milk/ — called"), "\(summary)")
        #expect(summary.contains("no segment matched /milk/; it got: 'Good morning.', 'Send me the deck by Friday.'"), "\(summary)")
        #expect(summary.contains("✘ nothing fired from coach — 1 fired"), "\(summary)")
        #expect(summary.contains("✘ memory_creation to notes with 5 segments — received with 2 segments, not 5"), "\(summary)")
        #expect(summary.contains("5 of 8 expectations passed — FAILED"), "\(summary)")

        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        let document = try XMLDocument(xmlString: xml)
        let cases = try document.nodes(forXPath: "//testcase")
        #expect(cases.count == 8)
        let failures = try document.nodes(forXPath: "//testcase[failure]/@name").compactMap(\.stringValue)
        #expect(failures == ["webhook coach text ~ /milk/", "nothing fired from coach", "memory_creation to notes with 5 segments"])
        #expect(try document.nodes(forXPath: "/testsuites/@failures").first?.stringValue == "3")

        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        #expect(report["passed"] as? Bool == false)
        let scenario = try #require((report["scenarios"] as? [[String: Any]])?.first)
        let expectations = try #require(scenario["expectations"] as? [[String: Any]])
        #expect(expectations.map { $0["passed"] as? Bool } == [true, true, true, true, true, false, false, false])
        #expect((expectations[7]["detail"] as? String) == "received with 2 segments, not 5")
        #expect((scenario["segments"] as? [[String: Any]])?.compactMap { $0["text"] as? String } == ["Good morning.", "Send me the deck by Friday."])
        // The app really was called over HTTP, by the bridge, with the Omi backend's shapes.
        #expect(server.requests.contains { $0.path == "/transcript" && $0.query["uid"] == "u_test" })
        #expect(server.requests.contains { $0.path == "/memory" })
    }

    @Test("A scenario that passes exits 0")
    func allPass() async throws {
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try Self.app()
        defer { server.stop() }
        let file = try Self.scenario(dir, app: server.baseURL, expect: "  - response: {app: coach, contains: notification}")
        let result = try await CLI.run(["test", file])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("1 of 1 expectations passed"))
    }

    @Test("A bad scenario file: one message per problem with its path, exit 2")
    func badScenario() async throws {
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.yaml").path
        try """
            speed: fast
            colour: blue
            steps:
              - say: 12
              - audio: missing.wav
              - button: triple_tap
              - silence: 1
                battery: 3
            expect:
              - webhook: {trigger: transcript_processed, text: "("}
              - smell: {app: x}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await CLI.run(["test", file])
        #expect(result.status == 2, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n").map(String.init)
        for problem in [
            "speed: must be a number from 0.25 to 32", "colour: unknown key", "steps[0].say: must be a string",
            "steps[1].audio: \(dir.path)/missing.wav: cannot read the audio file", "steps[2].button: 'triple_tap' is not one of",
            "steps[3]: needs exactly one of", "expect[0].webhook.app: required", "expect[0].webhook.text: '(' is not a regular expression",
            "expect[1]: needs exactly one of",
        ] {
            #expect(lines.contains { $0.contains("\(file): \(problem)") }, "missing '\(problem)' in:\n\(result.stderr)")
        }
        let missing = try await CLI.run(["test", dir.appendingPathComponent("nope.yaml").path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nope.yaml: cannot read the scenario file"))
    }
}
