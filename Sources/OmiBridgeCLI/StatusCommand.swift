import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import Store

/// `omi-bridge status`: the bridge at a glance, from its database (read-only: a database that does not exist yet
/// is reported, never created), and with `--url` from a running server's `/readyz` and `/metrics`.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the database, queues and counts; with --url, a running server's readiness and metrics.",
        discussion: """
            Database: path, journal mode, applied migrations; webhook outbox pending and dead letters; notification \
            deliveries queued and failed; unread feed items; API keys (revoked ones included). With --url, also \
            GET /readyz and GET /metrics of that server (no key needed) and a few headline numbers. \
            With --json, one JSON object.
            """)
    @OptionGroup var store: StoreOptions
    @Option(name: .long, help: "A running bridge's base URL, e.g. http://127.0.0.1:8765.") var url: String?
    @Flag(name: .long, help: "One JSON object.") var json = false

    func run() async throws {
        let (opened, path) = try store.database(create: false)
        var report: [String: Any] = ["database": try Self.databaseReport(opened, path: path)]
        if let url { report["server"] = await Self.serverReport(url) }
        if json {
            print(jsonLine(report))
            return
        }
        for line in Self.lines(report) { print(line) }
    }

    /// The counts read from `database`, or `exists: false`.
    static func databaseReport(_ database: BridgeDatabase?, path: String) throws(CLIFailure) -> [String: Any] {
        guard let database else { return ["path": path, "exists": false] }
        return try storing { () throws(StoreError) in
            [
                "path": path, "exists": true, "journal_mode": try database.journalMode(),
                "migrations": try database.appliedMigrations(),
                "outbox": ["pending": try database.outbox.pendingCount(), "dead": try database.outbox.deadCount()],
                "notifications": [
                    "queue_depth": try database.deliveries.queueDepth(),
                    "failed": try database.deliveries.failedCount(),
                ],
                "feed_unread": try database.feed.unreadCount(),
                "api_keys": try database.apiKeys.list().count,
            ]
        }
    }

    /// `/readyz` and a few numbers of `/metrics` from `base`; an unreachable server is reported, not thrown.
    static func serverReport(_ base: String) async -> [String: Any] {
        let root = base.hasSuffix("/") ? String(base.dropLast()) : base
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = http.shutdown() }
        var report: [String: Any] = ["url": root]
        do {
            let (status, body) = try await fetch(http, root + "/readyz")
            report["readyz_status"] = status
            if let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) { report["readyz"] = object }
            let (metricsStatus, text) = try await fetch(http, root + "/metrics")
            if metricsStatus == 200 { report["metrics"] = headlines(text) } else { report["metrics_status"] = metricsStatus }
        } catch {
            report["error"] = "\(root) did not answer: \(error)"
        }
        return report
    }

    /// Sums of the bridge's headline series in a Prometheus text exposition.
    static func headlines(_ text: String) -> [String: Any] {
        let wanted = [
            "omi_bridge_http_requests_total", "omi_bridge_notification_deliveries_total",
            "omi_bridge_notification_queue_depth", "omi_bridge_webhook_requests_total", "omi_bridge_outbox_depth",
            // From `run`: the device and the audio path.
            "omi_bridge_device_connected", "omi_bridge_device_battery_percent", "omi_bridge_device_rssi_dbm",
            "omi_bridge_audio_notifications_received_total", "omi_bridge_audio_notifications_lost_total",
            "omi_bridge_audio_frames_concealed_total", "omi_bridge_audio_decode_errors_total",
            "omi_bridge_stage_restarts_total",
        ]
        var sums: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            let series = line[..<space]
            let name = String(series.prefix { $0 != "{" && $0 != " " })
            if wanted.contains(name) { sums[name, default: 0] += value }
        }
        return sums.mapValues { $0.rounded() == $0 && abs($0) < 1e15 ? Int($0) as Any : $0 as Any }
    }

    private static func fetch(_ http: HTTPClient, _ url: String) async throws -> (Int, String) {
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 8 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    /// The text form of `report`.
    static func lines(_ report: [String: Any]) -> [String] {
        var lines: [String] = []
        let database = report["database"] as? [String: Any] ?? [:]
        let path = database["path"] as? String ?? "?"
        if database["exists"] as? Bool == true {
            let migrations = database["migrations"] as? [String] ?? []
            let outbox = database["outbox"] as? [String: Int] ?? [:]
            let notifications = database["notifications"] as? [String: Int] ?? [:]
            lines += [
                "database       \(path) (journal \(database["journal_mode"] ?? "?"))",
                "migrations     \(migrations.count): \(migrations.joined(separator: ", "))",
                "outbox         \(outbox["pending"] ?? 0) pending, \(outbox["dead"] ?? 0) dead",
                "notifications  \(notifications["queue_depth"] ?? 0) queued, \(notifications["failed"] ?? 0) failed",
                "feed           \(database["feed_unread"] ?? 0) unread",
                "api keys       \(database["api_keys"] ?? 0)",
            ]
        } else {
            lines.append("database       \(path) (does not exist yet)")
        }
        if let server = report["server"] as? [String: Any] {
            let url = server["url"] as? String ?? "?"
            if let error = server["error"] as? String {
                lines.append("server         \(error)")
            } else {
                let ready = (server["readyz"] as? [String: Any])?["status"] as? String ?? "?"
                lines.append("server         \(url): \(ready) (HTTP \(server["readyz_status"] ?? "?"))")
                if let metrics = server["metrics"] as? [String: Any] {
                    for key in metrics.keys.sorted() { lines.append("  \(key) \(metrics[key] ?? 0)") }
                } else {
                    lines.append("  /metrics answered HTTP \(server["metrics_status"] ?? "?")")
                }
            }
        }
        return lines
    }
}
