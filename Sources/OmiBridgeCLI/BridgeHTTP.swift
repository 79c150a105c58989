import BridgeServer
import Logging
import Notifications
import OmiApps
import Prometheus
import ServiceLifecycle
import Store

/// The local HTTP API as `serve` and `run` build it: the direct-notification route and the notification centre's
/// routes over `centre`, broadcasts (resuming unfinished jobs first), `/metrics` from `registry`, and with `live`
/// (`run`) the dashboard's live state and events.
enum BridgeHTTP {
    static func application(
        _ settings: BridgeSettings, database: BridgeDatabase, centre: NotificationCentre,
        registry: PrometheusCollectorRegistry, host: String?, port: Int?, logger: Logger, centreLogger: Logger,
        live: LiveHub? = nil
    ) async throws(CLIFailure) -> some Service {
        let configuration = BridgeServerConfiguration(host: host ?? settings.serverHost, port: port ?? settings.serverPort)
        let broadcasts = BroadcastRunner(centre: centre, everyone: [settings.apps.uid], logger: centreLogger)
        do { try await broadcasts.resumeUnfinished() } catch { throw CLIFailure("\(error)") }
        let direct = DirectNotifications(
            apps: settings.apps.apps, userID: settings.apps.uid, delivery: centre, mode: settings.directRateLimitMode)
        let api = NotificationCentreAPI(
            centre: centre, broadcasts: broadcasts, userID: settings.apps.uid, directMode: settings.directRateLimitMode)
        return BridgeServer.makeApplication(
            database: database, configuration: configuration, logger: logger, direct: direct, centre: api,
            metrics: registry, live: live,
            onServerRunning: { port in
                print("listening on http://\(configuration.host):\(port)")
                print("dashboard: http://\(configuration.host):\(port)/ (open it with #key=<API key> once)")
            })
    }

    /// The server's own logger: notices and worse (requests are counted in /metrics, not logged).
    static var serverLogger: Logger {
        var logger = Logger(label: "omi-bridge.server")
        logger.logLevel = .notice
        return logger
    }

    static var centreLogger: Logger {
        var logger = Logger(label: "omi-bridge.notifications")
        logger.logLevel = .info
        return logger
    }
}
