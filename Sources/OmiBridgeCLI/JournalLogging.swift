import Foundation
import Logging

/// Log lines for a terminal or for journald. Under systemd (`$JOURNAL_STREAM` set: stdout is the journal) each line
/// starts with its syslog priority (`<6>` info, `<4>` warning, … as sd-daemon(3) describes; journald stores it as
/// the entry's level and strips it) and carries its metadata as `key=value` pairs (`subsystem=device
/// device=C4:3A:…`), without a timestamp of our own; on a terminal it starts with the time instead.
enum Journal {
    static let enabled = ProcessInfo.processInfo.environment["JOURNAL_STREAM"].map { !$0.isEmpty } ?? false

    /// The sd-daemon priority prefix of `level`.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    static func line(_ message: String, level: Logger.Level, metadata: [(String, String)]) -> String {
        let pairs = metadata.map { key, value in
            " \(key)=" + (value.contains(where: { $0 == " " || $0 == "\"" }) ? "\"\(value.replacingOccurrences(of: "\"", with: "'"))\"" : value)
        }.joined()
        let flat = message.replacingOccurrences(of: "\n", with: " ⏎ ")
        if enabled { return "<\(priority(level))>\(flat)\(pairs)\n" }
        let time = Date().formatted(.iso8601.time(includingFractionalSeconds: true))
        return "\(time) \(flat)" + (level >= .warning ? " [\(level)]" : "") + "\n"
    }

    /// `[("app", id)]` for the apps' lines (`webhook ID …`, `proactive ID: …`), else none.
    static func appField(_ message: String) -> [(String, String)] {
        let words = message.split(separator: " ", maxSplits: 2)
        guard words.count > 1, ["webhook", "proactive"].contains(words[0]) else { return [] }
        return [("app", String(words[1].hasSuffix(":") ? words[1].dropLast() : words[1]))]
    }

    /// Makes every swift-log logger of the process write journald lines too (the centre's, the server's).
    static func bootstrapIfNeeded() {
        guard enabled else { return }
        LoggingSystem.bootstrap { label in JournalLogHandler(label: label) }
    }
}

/// One log line of the daemon: `subsystem` (`bridge`, `device`, `apps`, `transcription`) and `metadata` go to
/// journald as fields of the line.
func log(_ message: String, _ level: Logger.Level = .info, subsystem: String = "bridge", _ metadata: [(String, String)] = []) {
    FileHandle.standardOutput.write(Data(Journal.line(message, level: level, metadata: [("subsystem", subsystem)] + metadata).utf8))
}

/// swift-log's handler under systemd: the priority prefix, the message, the label as subsystem, the metadata.
struct JournalLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(
        level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, source: String, file: String,
        function: String, line: UInt
    ) {
        let merged = metadata.merging(extra ?? [:]) { _, new in new }
        let pairs = [("subsystem", label)] + merged.keys.sorted().map { ($0, "\(merged[$0]!)") }
        FileHandle.standardOutput.write(Data(Journal.line("\(message)", level: level, metadata: pairs).utf8))
    }
}
