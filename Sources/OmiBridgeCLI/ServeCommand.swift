import ArgumentParser
import BridgeServer
import Foundation
import Logging
import OmiApps
import Store

/// `omi-bridge serve`: the local HTTP API on the configured database until SIGINT/SIGTERM.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the local HTTP API (facts, decisions, keys, Omi direct notifications) until SIGINT or SIGTERM.",
        discussion: """
            Listens on server.listen of the configuration (default 127.0.0.1:8765); --host and --port override it. \
            Every route but GET /healthz needs 'Authorization: Bearer <key>' (see omi-bridge api-keys create). \
            Prints 'listening on http://HOST:PORT' once the socket is bound (with --port 0, the port chosen).
            """)
    @OptionGroup var store: StoreOptions
    @Option(name: .long, help: "Port to listen on (0: any free port).") var port: Int?
    @Option(name: .long, help: "Address to listen on; anything but loopback exposes the API to the network.")
    var host: String?

    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be from 0 to 65535") }
    }

    func run() async throws {
        let settings = try BridgeSettings.load(store.config)
        guard let database = try store.database(create: true).0 else { return }
        let configuration = BridgeServerConfiguration(
            host: host ?? settings.serverHost, port: port ?? settings.serverPort)
        var logger = Logger(label: "omi-bridge.server")
        logger.logLevel = .notice
        let direct = DirectNotifications(
            apps: settings.apps.apps, userID: settings.apps.uid,
            delivery: FeedDelivery(database: database, log: AppsSession.stderr), mode: settings.directRateLimitMode)
        let app = BridgeServer.makeApplication(
            database: database, configuration: configuration, logger: logger, direct: direct,
            onServerRunning: { port in print("listening on http://\(configuration.host):\(port)") })
        let stopped: Bool = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await app.run()
                return false
            }
            group.addTask {
                await SignalTrap.waitForTermination()
                return true
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
        if stopped { print("stopped") } else { throw CLIFailure("the server stopped unexpectedly") }
    }
}
