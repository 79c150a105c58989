/// What `GET /metrics` serves: a metrics backend that writes the Prometheus text format (0.0.4).
///
/// The server does not depend on a backend: the CLI bootstraps swift-metrics with a `PrometheusCollectorRegistry`
/// and conforms it here (its `emit(into:)` has exactly this shape), tests do the same with a registry of their own.
public protocol MetricsExposition: Sendable {
    /// Appends every metric, in the Prometheus text format, to `buffer`.
    func emit(into buffer: inout [UInt8])
}
