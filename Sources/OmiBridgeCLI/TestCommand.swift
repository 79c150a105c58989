import ArgumentParser
import Foundation

/// `omi-bridge test SCENARIO…`: the webhook author's harness (docs/webhook-authors.md).
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run scenario files through the whole pipeline against a simulated Omi and check their expectations.",
        discussion: """
            Each SCENARIO (YAML) lists steps (say, silence, audio, button, battery), the bridge configuration with the \
            apps under test (bridge: or config:), and expectations (webhook, response, notification, nothing_fired, \
            memory_creation). Audio streams at the scenario's speed (default 4x) from a simulated Omi on a private \
            dbus-daemon through the real BlueZ client, decoder, transcriber, webhooks and notification centre, with a \
            fresh database. Prints a summary; exit 1 if any expectation failed, 2 for a bad scenario file.
            """)

    @Argument(help: "Scenario files (YAML).") var scenarios: [String]

    @Option(name: .long, help: "Write a JUnit XML report here.") var junit: String?

    @Option(name: .long, help: "Write a JSON report here.") var json: String?

    @Option(name: .long, help: "Override every scenario's speed (times real time, 0.25 to 32).") var speed: Double?

    func validate() throws {
        if scenarios.isEmpty { throw ValidationError("name at least one scenario file") }
        if let speed, !(0.25...32).contains(speed) { throw ValidationError("--speed must be from 0.25 to 32") }
    }

    func run() async throws {
        var loaded: [Scenario] = []
        for file in scenarios {
            var scenario = try Scenario.load(file)
            if let speed { scenario.speed = speed }
            loaded.append(scenario)
        }
        var outcomes: [ScenarioOutcome] = []
        for scenario in loaded {
            log("scenario \"\(scenario.name)\": \(scenario.steps.count) steps, \(scenario.expectations.count) expectations")
            let started = ContinuousClock.now
            let seen = try await ScenarioRun.run(scenario)
            let outcome = ScenarioOutcome(
                scenario: scenario, seen: seen, results: ScenarioVerdict.evaluate(scenario, seen),
                wallSeconds: started.duration(to: .now).seconds)
            outcomes.append(outcome)
            print(ScenarioReport.summary(outcome))
        }
        if let junit { try write(ScenarioReport.junit(outcomes), to: junit) }
        if let json { try write(ScenarioReport.json(outcomes), to: json) }
        let failed = outcomes.filter { !$0.passed }
        if !failed.isEmpty {
            throw CLIFailure("\(failed.count) of \(outcomes.count) scenarios failed: \(failed.map(\.scenario.name).joined(separator: ", "))")
        }
    }

    private func write(_ text: String, to path: String) throws(CLIFailure) {
        do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw CLIFailure("\(path): cannot write the report: \(error.localizedDescription)")
        }
    }
}
