import BlueZ
import Foundation
import OmiAudio
import Yams

/// The settings `run` and `record` read from the configuration file (YAML). This is the BLE and audio part of
/// docs/configuration.md; every key is checked and every problem reported with its path.
struct BridgeSettings {
    var bus: String?
    var adapter: String?
    var address: String?
    var notify: NotifyMode = .auto
    var lossMode: LossMode = .conceal

    /// `$XDG_CONFIG_HOME/omi-bridge/config.yaml` (or `~/.config/…`).
    static var defaultPath: String {
        let base = ProcessInfo.processInfo.environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.config")
        return base + "/omi-bridge/config.yaml"
    }

    /// Loads `path`, or the default file if it exists, or the built-in defaults. Problems exit 2.
    static func load(_ path: String?) throws(CLIFailure) -> BridgeSettings {
        let file = path ?? defaultPath
        guard path != nil || FileManager.default.fileExists(atPath: file) else { return BridgeSettings() }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CLIFailure("\(file): cannot read the configuration file", exitCode: 2)
        }
        let text = String(decoding: data, as: UTF8.self)
        let root: Any?
        do { root = try Yams.load(yaml: text) } catch {
            throw CLIFailure("\(file): not valid YAML: \(error)", exitCode: 2)
        }
        var settings = BridgeSettings()
        var problems: [String] = []
        guard let top = (root ?? [String: Any]()) as? [String: Any] else {
            throw CLIFailure("\(file): the top level must be a mapping of sections", exitCode: 2)
        }
        for (section, value) in top {
            guard let keys = value as? [String: Any] else {
                problems.append("\(section): must be a mapping")
                continue
            }
            for (key, raw) in keys {
                let at = "\(section).\(key)"
                switch (section, key) {
                case ("ble", "bus"): settings.bus = string(raw, at, &problems) { $0.contains(":") ? nil : "not a D-Bus address" }
                case ("ble", "adapter"): settings.adapter = string(raw, at, &problems) { _ in nil }
                case ("ble", "address"):
                    settings.address = string(raw, at, &problems) {
                        $0.split(separator: ":").count == 6 ? nil : "not a Bluetooth address like C4:3A:92:0B:5E:01"
                    }
                case ("ble", "notify"):
                    if let s = string(raw, at, &problems, { NotifyMode(rawValue: $0) == nil ? "not one of auto, acquire, start" : nil }) {
                        settings.notify = NotifyMode(rawValue: s)!
                    }
                case ("audio", "loss_mode"):
                    if let s = string(raw, at, &problems, { LossMode(rawValue: $0) == nil ? "not one of conceal, drop" : nil }) {
                        settings.lossMode = LossMode(rawValue: s)!
                    }
                case ("ble", _), ("audio", _): problems.append("\(at): unknown key")
                default: break  // other sections belong to later stages (apps, transcriber, server)
                }
            }
        }
        guard problems.isEmpty else {
            throw CLIFailure(problems.sorted().map { "\(file): \($0)" }.joined(separator: "\n"), exitCode: 2)
        }
        return settings
    }

    private static func string(_ raw: Any, _ at: String, _ problems: inout [String], _ check: (String) -> String?)
        -> String?
    {
        guard let s = raw as? String else {
            problems.append("\(at): must be a string")
            return nil
        }
        if let problem = check(s) {
            problems.append("\(at): '\(s)' is \(problem)")
            return nil
        }
        return s
    }
}
