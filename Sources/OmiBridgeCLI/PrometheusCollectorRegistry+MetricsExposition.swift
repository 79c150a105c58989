public import BridgeServer
public import Prometheus

/// The registry `serve` bootstraps swift-metrics with is what `GET /metrics` serves.
extension PrometheusCollectorRegistry: MetricsExposition {}
