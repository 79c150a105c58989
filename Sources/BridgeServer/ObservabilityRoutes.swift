import Foundation
import Hummingbird
import Logging

/// `GET /readyz` and `GET /metrics`: the probes a supervisor or a Prometheus scraper calls, without a key (both
/// are in ``BearerAuthMiddleware``'s public paths; the API binds loopback by default, so that stays local).
struct ObservabilityRoutes: Sendable {
    static let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

    let checks: [ReadinessCheck]
    /// nil: the server was built without a metrics backend, and `/metrics` is the 404 envelope.
    let metrics: (any MetricsExposition)?

    func register(on router: Router<BridgeRequestContext>) {
        router.get("/readyz") { _, context in try await readiness(context.logger) }
        router.get("/metrics") { _, _ in try exposition() }
    }

    /// 200 `{"status":"ready","checks":{"database":{"status":"ok"},…}}`, or 503 `not_ready` with each failing
    /// check's `reason`. Checks run one after another: there are two, and each is a single read.
    private func readiness(_ logger: Logger) async throws -> Response {
        var results: [String: CheckBody] = [:]
        for check in checks {
            do {
                try await check.probe()
                results[check.name] = CheckBody(status: "ok", reason: nil)
            } catch {
                logger.warning("readiness check \(check.name) failed: \(String(describing: error))")
                results[check.name] = CheckBody(status: "failed", reason: check.reason)
            }
        }
        let ready = results.values.allSatisfy { $0.reason == nil }
        return try JSONResponse.make(
            ReadinessBody(status: ready ? "ready" : "not_ready", checks: results),
            status: ready ? .ok : .serviceUnavailable)
    }

    private func exposition() throws -> Response {
        guard let metrics else { throw APIError.notFound }
        var bytes: [UInt8] = []
        metrics.emit(into: &bytes)
        var headers = HTTPFields()
        headers[.contentType] = Self.metricsContentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    struct ReadinessBody: Encodable {
        var status: String
        var checks: [String: CheckBody]
    }

    struct CheckBody: Encodable {
        var status: String
        var reason: String?
    }
}
