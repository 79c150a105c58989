import BlueZ
import Foundation
import OmiApps
import OmiAudio
import Yams

/// The settings the commands read from the configuration file (YAML): the `ble`, `audio`, `transcriber`, `user`,
/// `webhooks` and `apps` sections of docs/configuration.md. Every key is checked and every problem reported with its path.
struct BridgeSettings {
    var bus: String?
    var adapter: String?
    var address: String?
    var notify: NotifyMode = .auto
    var lossMode: LossMode = .conceal
    var transcriber = TranscriberSettings()
    var apps = AppsSettings()
    var notifications = NotificationSettings()
    /// The SQLite database (`storage.path`): conversations, facts, chat, the outbox, the feed, decisions.
    var storagePath = BridgeSettings.defaultStoragePath
    /// Where `omi-bridge serve` listens (`server.listen: "127.0.0.1:8765"`); loopback unless configured otherwise.
    var serverHost = "127.0.0.1"
    var serverPort = 8765
    /// `server.direct_rate_limit_mode` (omi-contract §5): `upstream` (9 an hour, as the Omi backend) or `corrected`.
    var directRateLimitMode = DirectNotificationLimiter.Mode.upstream

    /// `$XDG_STATE_HOME/omi-bridge/bridge.sqlite` (or `~/.local/state/…`).
    static var defaultStoragePath: String {
        let base = ProcessInfo.processInfo.environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.local/state")
        return base + "/omi-bridge/bridge.sqlite"
    }

    /// `$XDG_CONFIG_HOME/omi-bridge/config.yaml` (or `~/.config/…`).
    static var defaultPath: String {
        let base = ProcessInfo.processInfo.environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.config")
        return base + "/omi-bridge/config.yaml"
    }

    /// Loads `path`, or the default file if it exists, or the built-in defaults, then applies the environment's
    /// `OMI_BRIDGE_<SECTION>__<KEY>` overrides. Problems exit 2, each with its path (and the variable that set it).
    static func load(
        _ path: String?, environment: EnvironmentOverrides = EnvironmentOverrides()
    ) throws(CLIFailure) -> BridgeSettings {
        let file = path ?? defaultPath
        var root: Any?
        if path != nil || FileManager.default.fileExists(atPath: file) {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CLIFailure("\(file): cannot read the configuration file", exitCode: 2)
            }
            do { root = try Yams.load(yaml: String(decoding: data, as: UTF8.self)) } catch {
                throw CLIFailure("\(file): not valid YAML: \(error)", exitCode: 2)
            }
        } else if environment.isEmpty {
            return BridgeSettings()
        }
        guard let fileTop = (root ?? [String: Any]()) as? [String: Any] else {
            throw CLIFailure("\(file): the top level must be a mapping of sections", exitCode: 2)
        }
        return try parse(fileTop, file: file, environment: environment)
    }

    /// The settings of a mapping of sections (a configuration file's, or a scenario's `bridge:`); problems are
    /// reported as coming from `file`, relative paths are relative to its directory.
    static func parse(
        _ fileTop: [String: Any], file: String, environment: EnvironmentOverrides = EnvironmentOverrides()
    ) throws(CLIFailure) -> BridgeSettings {
        var settings = BridgeSettings()
        var values = ConfigValues()
        let top = environment.applied(to: fileTop, &values)
        for (section, value) in top {
            switch section {
            case "ble", "audio", "transcriber", "user", "webhooks", "storage", "generator", "server", "notifications":
                break
            case "apps": continue  // after `webhooks`, whose defaults the manifests take
            default:
                values.problem(section, "unknown section (\(Self.sections.joined(separator: ", ")))")
                continue
            }
            guard let keys = values.mapping(value, section) else { continue }
            switch section {
            case "transcriber":
                settings.transcriber.apply(keys, &values)
                continue
            case "user":
                settings.apps.applyUser(keys, &values)
                continue
            case "webhooks":
                settings.apps.applyWebhooks(keys, &values)
                continue
            case "generator":
                settings.apps.applyGenerator(keys, &values)
                continue
            case "notifications":
                settings.notifications.apply(keys, &values)
                continue
            default: break
            }
            for (key, raw) in keys {
                let at = "\(section).\(key)"
                switch (section, key) {
                case ("ble", "bus"): settings.bus = values.string(raw, at) { $0.contains(":") ? nil : "not a D-Bus address" }
                case ("ble", "adapter"): settings.adapter = values.string(raw, at)
                case ("ble", "address"):
                    settings.address = values.string(raw, at) {
                        $0.split(separator: ":").count == 6 ? nil : "not a Bluetooth address like C4:3A:92:0B:5E:01"
                    }
                case ("ble", "notify"):
                    if let v = values.choice(raw, at, NotifyMode.self, "auto, acquire, start") { settings.notify = v }
                case ("storage", "path"):
                    if let v = values.string(raw, at, { $0.isEmpty ? "empty" : nil }) {
                        let directory = (file as NSString).deletingLastPathComponent as NSString
                        settings.storagePath = v.hasPrefix("/") ? v : directory.appendingPathComponent(v)
                    }
                case ("server", "listen"):
                    if let v = values.string(raw, at, { Self.hostPort($0) == nil ? "not HOST:PORT like 127.0.0.1:8765" : nil }),
                        let (host, port) = Self.hostPort(v)
                    {
                        settings.serverHost = host
                        settings.serverPort = port
                    }
                case ("server", "direct_rate_limit_mode"):
                    if let v = values.choice(raw, at, DirectNotificationLimiter.Mode.self, "upstream, corrected") {
                        settings.directRateLimitMode = v
                    }
                case ("audio", "loss_mode"):
                    if let v = values.choice(raw, at, LossMode.self, "conceal, drop") { settings.lossMode = v }
                default: values.unknown(at)
                }
            }
        }
        if let apps = top["apps"] { settings.apps.applyApps(apps, configFile: file, &values) }
        guard values.problems.isEmpty else {
            let lines = values.problems.sorted().map { problem in
                environment.variable(for: problem).map { "\(file): \(problem) (set by \($0))" } ?? "\(file): \(problem)"
            }
            throw CLIFailure(lines.joined(separator: "\n"), exitCode: 2)
        }
        return settings
    }

    /// The top-level sections of the configuration file.
    static let sections = [
        "ble", "audio", "transcriber", "user", "webhooks", "generator", "apps", "storage", "server", "notifications",
    ]

    /// `HOST:PORT` (`[v6]:PORT` for IPv6) with a port from 0 to 65535, or nil.
    static func hostPort(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(" ") else { return nil }
        return (host, port)
    }
}
