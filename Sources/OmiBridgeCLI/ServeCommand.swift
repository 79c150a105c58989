import ArgumentParser
import AsyncHTTPClient
import BridgeServer
import Foundation
import Logging
import Metrics
import Notifications
import OmiApps
import Prometheus
import ServiceLifecycle
import Store

/// `omi-bridge serve`: the local HTTP API and the notification centre on the configured database until SIGINT
/// or SIGTERM, both as services of one `ServiceGroup` (graceful shutdown: the server stops accepting, in-flight
/// requests finish, the delivery worker ends its pass; queued deliveries stay queued in SQLite for next time).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the local HTTP API and deliver notifications until SIGINT or SIGTERM.",
        discussion: """
            Listens on server.listen of the configuration (default 127.0.0.1:8765); --host and --port override it. \
            Every route but GET /healthz, /readyz and /metrics needs 'Authorization: Bearer <key>' (see omi-bridge api-keys create). \
            Notifications go to the channels of the notifications section (docs/configuration.md). \
            Prints 'listening on http://HOST:PORT' once the socket is bound (with --port 0, the port chosen).
            """)
    @OptionGroup var store: StoreOptions
    @OptionGroup var listen: ListenOptions

    func run() async throws {
        let settings = try BridgeSettings.load(store.config)
        guard let database = try store.database(create: true).0 else { return }
        // Once per process, before anything records: every Counter/Gauge/Timer below lands in this registry,
        // which GET /metrics serves.
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = BridgeHTTP.serverLogger
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let channels = settings.notifications.channels(http: http)
        let centre = settings.notifications.centre(
            database: database, channels: channels, logger: BridgeHTTP.centreLogger)
        let app = try await BridgeHTTP.application(
            settings, database: database, centre: centre, registry: registry, host: listen.host, port: listen.port, logger: logger,
            centreLogger: BridgeHTTP.centreLogger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: app), .init(service: DeliveryService(worker: centre.worker))],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let outcome: (any Error)?
        do { try await group.run(); outcome = nil } catch { outcome = error }
        await channels.close()
        try? await http.shutdown()
        if let outcome { throw CLIFailure("the server stopped: \(outcome)") }
        print("stopped")
    }
}

/// The delivery worker as a service: its poll loop until graceful shutdown.
struct DeliveryService: Service {
    let worker: DeliveryWorker

    func run() async throws {
        await cancelWhenGracefulShutdown { await worker.run() }
    }
}
