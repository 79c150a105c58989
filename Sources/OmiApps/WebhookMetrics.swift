public import Foundation
public import CoreMetrics
import Metrics

/// The webhooks' metrics, recorded through swift-metrics with an explicit factory (the bootstrapped one by
/// default; tests pass their own, since `MetricsSystem.bootstrap` is once per process).
///
/// - `omi_bridge_webhook_requests_total{app,status}`: one per call; `status` is the HTTP status code, or the
///   failure kind (`timeout`, `unreachable`, `circuit_open`, …) when there was no answer.
/// - `omi_bridge_webhook_request_duration_seconds{app}`: the latency of calls that were answered.
/// - `omi_bridge_circuit_breaker_state{host}`: 0 closed, 1 half-open, 2 open, per URL host (never the path or
///   query, which may hold an app's key).
/// - `omi_bridge_outbox_depth`: pending outbox items, set at every pass of the deliverer.
///
/// `app` is a configured app's id: bounded by the config, never user text.
public struct WebhookMetrics: Sendable {
    public static let requestsLabel = "omi_bridge_webhook_requests_total"
    public static let durationLabel = "omi_bridge_webhook_request_duration_seconds"
    public static let breakerLabel = "omi_bridge_circuit_breaker_state"
    public static let outboxDepthLabel = "omi_bridge_outbox_depth"

    private let factory: any MetricsFactory

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    /// Counts the call (and times it when it was answered).
    public func called(app: String, result: Result<WebhookResponse, WebhookFailure>) {
        let status: String
        switch result {
        case .success(let response):
            status = String(response.status)
            CoreMetrics.Timer(label: Self.durationLabel, dimensions: [("app", app)], preferredDisplayUnit: .seconds, factory: factory)
                .recordNanoseconds(Self.nanoseconds(response.latency))
        case .failure(let failure):
            status = failure.kind.rawValue
        }
        Counter(label: Self.requestsLabel, dimensions: [("app", app), ("status", status)], factory: factory).increment()
    }

    /// Sets the breaker gauge of `url`'s host.
    func breaker(url: String, state: CircuitBreaker.State) {
        let value: Int
        switch state {
        case .closed: value = 0
        case .halfOpen: value = 1
        case .open: value = 2
        }
        Gauge(label: Self.breakerLabel, dimensions: [("host", Self.host(url))], factory: factory).record(value)
    }

    /// Sets the outbox depth gauge.
    public func outboxDepth(_ depth: Int) {
        Gauge(label: Self.outboxDepthLabel, factory: factory).record(depth)
    }

    /// `url`'s host (lowercased), or `unknown`.
    static func host(_ url: String) -> String {
        URLComponents(string: url)?.host?.lowercased() ?? "unknown"
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
