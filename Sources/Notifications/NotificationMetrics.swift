public import Metrics

/// The notification centre's metrics, recorded through swift-metrics with an explicit factory (the bootstrapped
/// one by default; tests pass their own, since `MetricsSystem.bootstrap` is once per process).
///
/// - `omi_bridge_notification_deliveries_total{channel,status}`: one per outcome of a delivery: `sent`,
///   `retrying`, `failed`, `rate_limited`. `channel` is a ``ChannelName`` (or `unknown` for a stored row whose
///   channel this bridge does not know), so the label set stays bounded.
/// - `omi_bridge_notification_queue_depth`: the queued deliveries, set at every pass of the worker.
public struct NotificationMetrics: Sendable {
    public static let deliveriesLabel = "omi_bridge_notification_deliveries_total"
    public static let queueDepthLabel = "omi_bridge_notification_queue_depth"

    /// What became of one attempt (or of a delivery that was never attempted).
    public enum Outcome: String, Sendable {
        case sent, retrying, failed
        case rateLimited = "rate_limited"
    }

    private let factory: any MetricsFactory
    private let queueDepth: Gauge

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        self.queueDepth = Gauge(label: Self.queueDepthLabel, factory: factory)
    }

    /// Counts one delivery outcome on `channel` (a stored channel name; unknown names count as `unknown`).
    public func delivery(channel: String, _ outcome: Outcome) {
        let name = ChannelName(rawValue: channel)?.rawValue ?? "unknown"
        Counter(label: Self.deliveriesLabel, dimensions: [("channel", name), ("status", outcome.rawValue)], factory: factory)
            .increment()
    }

    /// Sets the queue depth gauge.
    public func queueDepth(_ depth: Int) {
        queueDepth.record(depth)
    }
}
