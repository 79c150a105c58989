public import Foundation
public import Hummingbird
public import Logging
public import Metrics
public import Notifications
public import Store

/// Where the API listens. Loopback by default: the API is for the user's own machine, and anything wider is a
/// deliberate choice in the config (`server.listen`) or on the command line.
public struct BridgeServerConfiguration: Sendable, Equatable {
    public static let defaultHost = "127.0.0.1"
    public static let defaultPort = 8765

    public var host: String
    /// 0 picks a free port (tests); the bound port is reported to `onServerRunning`.
    public var port: Int

    public init(host: String = BridgeServerConfiguration.defaultHost, port: Int = BridgeServerConfiguration.defaultPort) {
        self.host = host
        self.port = port
    }
}

/// The bridge's local HTTP API: the router with its middleware (error envelope, bearer keys) and the
/// Hummingbird application serving it.
///
/// ```swift
/// let app = BridgeServer.makeApplication(database: database, configuration: .init(port: 8765))
/// try await app.runService()  // until SIGINT/SIGTERM
/// ```
public enum BridgeServer {
    /// The router: `GET /healthz`, `GET /readyz` and `GET /metrics` without a key; everything else behind
    /// ``BearerAuthMiddleware``.
    /// `now` stamps created rows (facts), so tests can fix the clock.
    /// `direct`: the Omi-compatible direct-notification route (omi-contract §5), which takes apps' own keys.
    /// `centre`: the notification centre (status, test send, deliveries, preferences, broadcasts); without it
    /// those routes still answer, test send and broadcast with the contract's 500.
    /// `metrics`: what `GET /metrics` serves (the registry the CLI bootstrapped swift-metrics with); nil answers 404.
    /// `metricsFactory`: where the request metrics are recorded; the bootstrapped backend unless a test passes one.
    /// `readiness`: extra checks for `GET /readyz`, after the database's and the centre's.
    /// `live`: the running pipeline's state and events for the dashboard (`run`); without it `/v1/live` is 404.
    public static func makeRouter(
        database: BridgeDatabase, now: @escaping @Sendable () -> Date = { Date() }, direct: DirectNotifications? = nil,
        centre: NotificationCentreAPI? = nil, metrics: (any MetricsExposition)? = nil,
        metricsFactory: any MetricsFactory = MetricsSystem.factory, readiness: [ReadinessCheck] = [],
        live: LiveHub? = nil
    ) -> Router<BridgeRequestContext> {
        let router = Router(context: BridgeRequestContext.self)
        // Order matters: the metrics middleware sees the status the envelope chose, the envelope middleware must
        // wrap authentication, and all must precede the routes.
        router.add(middleware: RequestMetricsMiddleware(factory: metricsFactory))
        router.add(middleware: ErrorEnvelopeMiddleware())
        router.add(
            middleware: BearerAuthMiddleware(
                keys: database.apiKeys, publicPaths: ["/healthz", "/readyz", "/metrics", "/", DashboardRoute.path],
                publicPrefixes: [DirectNotificationRoute.path]))
        if let direct { DirectNotificationRoute(direct: direct, keys: database.appKeys, now: now).register(on: router) }
        router.get("/healthz") { _, _ in try JSONResponse.make(["status": "ok"]) }
        let checks = [ReadinessCheck.database(database)] + (centre.map { [.notifications($0.centre)] } ?? []) + readiness
        ObservabilityRoutes(checks: checks, metrics: metrics).register(on: router)
        FactsRoutes(facts: database.facts, now: now).register(on: router.group("/v1/facts"))
        DecisionsRoutes(decisions: database.decisions).register(on: router.group("/v1/decisions"))
        APIKeysRoutes(keys: database.apiKeys).register(on: router.group("/v1/api-keys"))
        let userID = centre?.userID ?? direct?.userID ?? "local-user"
        let notifications = router.group("/v1/notifications")
        FeedRoutes(feed: database.feed, userID: userID).register(on: notifications)
        NotificationCentreRoutes(
            api: centre, deliveries: database.deliveries, directMode: centre?.directMode ?? direct?.mode ?? .upstream
        ).register(on: notifications)
        PreferenceRoutes(
            preferences: database.preferences, policy: centre?.centre.policy ?? NotificationPolicy(), userID: userID,
            now: now
        ).register(on: notifications.group("preferences"))
        BroadcastRoutes(api: centre, jobs: database.broadcastJobs).register(on: notifications.group("broadcast"))
        LiveRoutes(hub: live, conversations: database.conversations).register(on: router)
        DashboardRoute().register(on: router)
        return router
    }

    /// The application serving ``makeRouter(database:now:direct:centre:metrics:metricsFactory:readiness:live:)`` on `configuration`'s address. Run it with
    /// `run()` inside a service group, or `runService()` to stop on SIGINT/SIGTERM.
    public static func makeApplication(
        database: BridgeDatabase,
        configuration: BridgeServerConfiguration = .init(),
        logger: Logger? = nil,
        now: @escaping @Sendable () -> Date = { Date() }, direct: DirectNotifications? = nil,
        centre: NotificationCentreAPI? = nil, metrics: (any MetricsExposition)? = nil,
        metricsFactory: any MetricsFactory = MetricsSystem.factory, readiness: [ReadinessCheck] = [],
        live: LiveHub? = nil, onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) -> Application<RouterResponder<BridgeRequestContext>> {
        Application(
            router: makeRouter(
                database: database, now: now, direct: direct, centre: centre, metrics: metrics,
                metricsFactory: metricsFactory, readiness: readiness, live: live),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "omi-bridge"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger ?? Logger(label: "omi-bridge.server"))
    }
}
