import Foundation
import OmiApps
import Store
import Testing

// `import Store` and `import OmiApps` reach the modules through the OmiBridgeCLI dependency; Package.swift does
// not list them for this test target.

@Suite("omi-bridge explain / config check")
struct ExplainCommandTests {
    static let t0 = Date(timeIntervalSince1970: 1_767_000_000)

    static func record(_ decision: ProactiveDecision, in database: BridgeDatabase) throws {
        let json = String(decoding: try JSONEncoder().encode(decision), as: UTF8.self)
        try database.decisions.record(
            appID: decision.appID, outcome: "\(decision.outcome)", json: json, now: decision.at)
    }

    @Test("No decisions yet: says so and exits 0")
    func empty() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let result = try await store.run(["explain"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "no decisions yet in \(store.database)\n")
        #expect(
            try await store.run(["explain", "--app", "coach"]).stdout
                == "no decisions yet for app coach in \(store.database)\n")
        #expect(try await store.run(["explain", "--json"]).stdout == "")
        let bad = try await store.run(["explain", "--last", "0"])
        #expect(bad.status == 2 && bad.stderr.contains("--last: 0 is not a positive number"))
    }

    @Test("Each decision: time, app, outcome or the gate that stopped it, scopes, values, prompt, output, title/body")
    func decisions() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let database = try BridgeDatabase(path: store.database)
        let long = String(repeating: "fact ", count: 100)
        try Self.record(
            ProactiveDecision(
                appID: "coach", userID: "u1", at: Self.t0, outcome: .sent, promptLength: 40,
                filteredScopes: ["user_name", "user_facts"], ignoredParams: ["user_chat"],
                filledValues: ["user_name": "Ada", "user_facts": long], renderedPrompt: "Hello Ada, \(long)",
                generatorOutput: "Drink water", title: "Coach", body: "Drink water"), in: database)
        try Self.record(
            ProactiveDecision(
                appID: "coach", userID: "u1", at: Self.t0 + 10, outcome: .rateLimited(retryAt: Self.t0 + 30)),
            in: database)
        try Self.record(
            ProactiveDecision(
                appID: "mood", userID: "u1", at: Self.t0 + 20, outcome: .generatorFailed("HTTP 500 from the model")),
            in: database)
        try database.decisions.record(appID: "old", outcome: "sent", json: "{\"v\": 0}", now: Self.t0 + 30)

        let text = try await store.run(["explain"])
        #expect(text.status == 0, "\(text.stderr)")
        let blocks = text.stdout.components(separatedBy: "\n\n")
        #expect(blocks.count == 4, "\(text.stdout)")
        #expect(blocks[0].hasPrefix("#4 2025-12-29T09:20:30Z  old  sent\n  (the record is not a decision"))
        #expect(blocks[1] == "#3 2025-12-29T09:20:20Z  mood  not sent: the generator failed: HTTP 500 from the model")
        #expect(
            blocks[2].hasPrefix("#2 2025-12-29T09:20:10Z  coach  not sent: rate limited until 2025-12-29T09:20:30Z"))
        let sent = blocks[3].split(separator: "\n").map(String.init)
        #expect(sent[0] == "#1 2025-12-29T09:20:00Z  coach  sent")
        #expect(sent.contains("  scopes kept: user_name, user_facts; ignored (not declared by the app): user_chat"))
        #expect(sent.contains("  user_name = Ada"))
        #expect(
            sent.contains {
                $0.hasPrefix("  user_facts = fact fact") && $0.hasSuffix("… (500 chars)") && $0.count < 240
            })
        #expect(sent.contains { $0.hasPrefix("  prompt: Hello Ada, fact") && $0.hasSuffix("… (511 chars)") })
        #expect(
            sent.contains("  output: Drink water") && sent.contains("  title: Coach")
                && sent.contains("  body: Drink water"))

        let limited = try await store.run(["explain", "--app", "coach", "--last", "1"])
        #expect(limited.stdout.hasPrefix("#2 ") && !limited.stdout.contains("#1 "), "\(limited.stdout)")

        let json = try await store.run(["explain", "--json", "--app", "coach"]).stdout.split(separator: "\n")
        #expect(json.count == 2)
        let newest = try #require(try JSONSerialization.jsonObject(with: Data(json[0].utf8)) as? [String: Any])
        #expect(
            newest["outcome"] as? String == "rate_limited" && newest["retry_at"] as? String == "2025-12-29T09:20:30Z")
        let oldest = try #require(try JSONSerialization.jsonObject(with: Data(json[1].utf8)) as? [String: Any])
        #expect(oldest["outcome"] as? String == "sent" && oldest["title"] as? String == "Coach")
        #expect((oldest["filled_values"] as? [String: String])?["user_facts"] == long)
        #expect(oldest["scopes"] as? [String] == ["user_name", "user_facts"])
    }

    @Test("config check: a summary of a good file; every problem of a bad one, exit 2")
    func configCheck() async throws {
        let store = try StoreFixture(
            extra: """
                user: {uid: u_check}
                notifications: {channels: {ntfy: {topic: omi_alerts}, email: {host: smtp.example, from: omi@example.com, to: [me@example.com]}}}
                apps:
                  - id: coach
                    name: Coach
                    capabilities: [proactive_notification, external_integration]
                    external_integration: {triggers_on: memory_creation, webhook_url: "https://coach.example/hook"}
                """)
        defer { store.remove() }
        let ok = try await store.run(["config", "check"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(
            ok.stdout.hasPrefix(
                "ok: 1 apps (1 enabled), transcriber pocketsphinx, storage \(store.database), uid u_check (\(store.config))\n"
            ),
            "\(ok.stdout)")
        #expect(ok.stderr == "")
        #expect(ok.stdout.contains("  notifications: in_app, desktop, device_haptic, ntfy (https://ntfy.sh, topic omi_alerts), email (smtp.example:587, starttls, 1 recipients)"))
        #expect(
            ok.stdout.contains(
                "  coach (Coach): external_integration,proactive_notification; triggers on memory_creation"))

        let bad = store.dir.appendingPathComponent("bad.yaml").path
        try """
        user: {uid: "has space"}
        transcriber: {backend: command}
        ble: {colour: blue}
        tanscriber: {backend: openai}
        notifications: {channels: {email: {host: smtp.example, to: "not an address"}, pager: {}}, max_attempts: 0}
        """.write(toFile: bad, atomically: true, encoding: .utf8)
        let broken = try await CLI.run(["config", "check", "--config", bad])
        #expect(broken.status == 2)
        #expect(broken.stderr.contains("\(bad): ble.colour: unknown key"), "\(broken.stderr)")
        #expect(broken.stderr.contains("\(bad): user.uid: 'has space' is not URL-safe"), "\(broken.stderr)")
        #expect(broken.stderr.contains("\(bad): tanscriber: unknown section"), "\(broken.stderr)")
        #expect(broken.stderr.contains("\(bad): notifications.channels.email.from: missing"), "\(broken.stderr)")
        #expect(broken.stderr.contains("\(bad): notifications.channels.email.to[0]: 'not an address' is not an email address"), "\(broken.stderr)")
        #expect(broken.stderr.contains("\(bad): notifications.channels.pager: not a channel"), "\(broken.stderr)")
        #expect(broken.stderr.contains("\(bad): notifications.max_attempts: 0 is outside 1…100"), "\(broken.stderr)")
    }
}
