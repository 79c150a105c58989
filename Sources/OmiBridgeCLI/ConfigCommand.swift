import ArgumentParser
import Foundation

/// `omi-bridge config`: checks on the configuration file.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check the configuration file.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load the configuration file as the bridge would; print a summary, or every problem (exit 2).",
            discussion: "Without --config, the default file ($XDG_CONFIG_HOME/omi-bridge/config.yaml) if it exists.")

        @Option(name: .long, help: "Configuration file (YAML).") var config: String?

        func run() throws {
            let settings = try BridgeSettings.load(config)
            var values = ConfigValues()
            settings.transcriber.requireSections(&values)
            let file = config ?? BridgeSettings.defaultPath
            guard values.problems.isEmpty else {
                throw CLIFailure(values.problems.sorted().map { "\(file): \($0)" }.joined(separator: "\n"), exitCode: 2)
            }
            let apps = settings.apps.apps
            let source = config != nil || FileManager.default.fileExists(atPath: file) ? file : "built-in defaults"
            let enabled = apps.filter(\.enabled).count
            print(
                "ok: \(apps.count) apps (\(enabled) enabled), transcriber \(settings.transcriber.chain.joined(separator: ",")), "
                    + "storage \(settings.storagePath), uid \(settings.apps.uid) (\(source))")
            print("  notifications: \(settings.notifications.summary)")
            for app in apps.sorted(by: { $0.id < $1.id }) {
                var parts = [app.capabilities.sorted().joined(separator: ",")]
                if let trigger = app.trigger { parts.append("triggers on \(trigger.rawValue)") }
                if !app.signingSecrets.isEmpty { parts.append("signed (\(app.signingSecrets.count) secrets)") }
                if !app.enabled { parts.append("disabled") }
                print("  \(app.id) (\(app.name)): \(parts.joined(separator: "; "))")
            }
        }
    }
}
