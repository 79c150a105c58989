import ArgumentParser
import Foundation
import Store

/// `--config` for the commands that read or change the bridge's database (`storage.path` of the configuration).
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (YAML); its storage.path names the database.")
    var config: String?

    /// The database named by the configuration. With `create: false`, nil when the file does not exist yet, so a
    /// read-only command does not leave an empty database behind (a mistyped path, a bridge never run).
    func database(create: Bool) throws(CLIFailure) -> (BridgeDatabase?, path: String) {
        let path = try BridgeSettings.load(config).storagePath
        guard create || FileManager.default.fileExists(atPath: path) else { return (nil, path) }
        do { return (try BridgeDatabase(path: path), path) } catch { throw CLIFailure(error.description) }
    }
}

/// Runs a store operation, turning its `StoreError` into a one-line `CLIFailure` naming the database file.
func storing<T>(_ body: () throws(StoreError) -> T) throws(CLIFailure) -> T {
    do { return try body() } catch { throw CLIFailure(error.description) }
}

/// One JSON object per line, keys sorted, slashes unescaped.
func jsonLine(_ object: [String: Any]) -> String {
    let data =
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    return String(decoding: data, as: UTF8.self)
}

/// `2026-05-01T09:30:00Z`.
func isoTime(_ date: Date) -> String {
    date.formatted(.iso8601)
}

/// `text` cut to `limit` characters with an ellipsis and the full length, newlines shown as ⏎.
func truncated(_ text: String, _ limit: Int) -> String {
    let flat = text.replacingOccurrences(of: "\n", with: "⏎")
    guard flat.count > limit else { return flat }
    return String(flat.prefix(limit)) + "… (\(text.count) chars)"
}
