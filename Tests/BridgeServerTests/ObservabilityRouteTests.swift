public import BridgeServer
import Foundation
public import Prometheus
import Store
import Testing

extension PrometheusCollectorRegistry: MetricsExposition {}

/// `GET /metrics` and `GET /readyz`: no key, the Prometheus text format, the request counter by route template,
/// readiness with each check's outcome. One registry per test, passed explicitly (tests run in parallel).
@Suite("GET /metrics and GET /readyz")
struct ObservabilityRouteTests {
    @Test("/metrics answers the text format without a key and counts requests by method, route template and status")
    func metricsCountsRequests() async throws {
        let harness = try ServerHarness()
        let registry = PrometheusCollectorRegistry()
        let fact = try harness.database.facts.add(text: "likes tea", source: .user, now: fixedNow)
        try await harness.run(metrics: registry, metricsFactory: PrometheusMetricsFactory(registry: registry)) {
            client in
            let deleted = try await client.send(.delete, "/v1/facts/\(fact.id)", key: harness.adminKey).status
            #expect((200..<300).contains(deleted))
            let missing = try await client.send(.delete, "/v1/facts/no-such-fact", key: harness.adminKey).status
            #expect(try await client.send(.delete, "/v1/facts/\(fact.id)").status == 401)
            var expected: [String: Double] = ["401": 1]
            for status in [deleted, missing] { expected["\(status)", default: 0] += 1 }
            #expect(try await client.send(.get, "/no/such/route", key: harness.memberKey).status == 404)
            let reply = try await client.send(.get, "/metrics")
            #expect(reply.status == 200)
            #expect(reply.contentType?.hasPrefix("text/plain; version=0.0.4") == true, "\(reply.contentType ?? "")")
            let lines = reply.text.split(separator: "\n").map(String.init)
            #expect(lines.contains("# TYPE omi_bridge_http_requests_total counter"), "\(reply.text)")
            for (status, count) in expected {
                let series = Self.series(
                    lines, "omi_bridge_http_requests_total",
                    ["method=\"DELETE\"", "route=\"/v1/facts/{id}\"", "status=\"\(status)\""])
                #expect(series == [count], "\(status): \(reply.text)")
            }
            let unmatched = Self.series(
                lines, "omi_bridge_http_requests_total", ["route=\"unmatched\"", "status=\"404\""])
            #expect(unmatched == [1], "\(reply.text)")
            #expect(!reply.text.contains(fact.id), "raw ids must not become labels")
            #expect(reply.text.contains("omi_bridge_http_request_duration_seconds_bucket"), "\(reply.text)")
            // The scrape itself is counted once it has answered: the next scrape shows it.
            let again = try await client.send(.get, "/metrics").text.split(separator: "\n").map(String.init)
            #expect(Self.series(again, "omi_bridge_http_requests_total", ["route=\"/metrics\""]) == [1])
        }
    }

    @Test("Without a metrics backend /metrics is the 404 envelope")
    func metricsAbsent() async throws {
        try await ServerHarness().run { client in
            let reply = try await client.send(.get, "/metrics")
            #expect(reply.status == 404)
            #expect(try reply.envelope().type == "not_found")
        }
    }

    @Test("/readyz is 200 ready without a key when the database answers")
    func ready() async throws {
        try await ServerHarness().run { client in
            let reply = try await client.send(.get, "/readyz")
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.text == #"{"checks":{"database":{"status":"ok"}},"status":"ready"}"#)
        }
    }

    @Test("/readyz is 503 not_ready naming the failing check's reason, and the others still run")
    func notReady() async throws {
        struct Broken: Error {}
        let failing = ReadinessCheck(name: "disk", reason: "the disk is full") { throw Broken() }
        try await ServerHarness().run(readiness: [failing]) { client in
            let reply = try await client.send(.get, "/readyz")
            #expect(reply.status == 503, "\(reply.text)")
            let object = try reply.object()
            #expect(object["status"] as? String == "not_ready")
            let checks = try #require(object["checks"] as? [String: [String: String]])
            #expect(checks["database"] == ["status": "ok"])
            #expect(checks["disk"] == ["status": "failed", "reason": "the disk is full"])
        }
    }

    /// The values of `name`'s series whose labels include all of `labels`.
    static func series(_ lines: [String], _ name: String, _ labels: [String]) -> [Double] {
        lines.filter { $0.hasPrefix(name + "{") && labels.allSatisfy($0.contains) }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
    }
}
