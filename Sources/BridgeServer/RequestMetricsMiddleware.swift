public import Hummingbird
public import CoreMetrics
import Metrics

/// Counts and times every request by method, route template and status:
/// `omi_bridge_http_requests_total{method,route,status}` and `omi_bridge_http_request_duration_seconds{method,route}`.
///
/// The route is Hummingbird's endpoint path, the template the router matched (`/v1/notifications/{id}`), never the
/// raw path, so ids do not make new series; a request that matched no route is `unmatched`. Outermost middleware:
/// it sees the status the error envelope chose. Recorded when the handler returns (the body may still be streaming).
public struct RequestMetricsMiddleware: RouterMiddleware {
    public typealias Context = BridgeRequestContext

    public static let requestsLabel = "omi_bridge_http_requests_total"
    public static let durationLabel = "omi_bridge_http_request_duration_seconds"

    private let factory: any MetricsFactory

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let began = ContinuousClock.now
        let status: Int
        do {
            let response = try await next(request, context)
            status = Int(response.status.code)
            record(request, context, status: status, began: began)
            return response
        } catch {
            status = (error as? any HTTPResponseError).map { Int($0.status.code) } ?? 500
            record(request, context, status: status, began: began)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: Int, began: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - began
        let route = Self.route(context.endpointPath)
        let method = Self.method(request.method)
        Counter(
            label: Self.requestsLabel, dimensions: [("method", method), ("route", route), ("status", String(status))],
            factory: factory
        ).increment()
        let (seconds, attoseconds) = elapsed.components
        CoreMetrics.Timer(
            label: Self.durationLabel, dimensions: [("method", method), ("route", route)],
            preferredDisplayUnit: .seconds, factory: factory
        ).recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// The matched template, or `unmatched` (Hummingbird says `NotFound`, or nothing before routing).
    static func route(_ endpointPath: String?) -> String {
        guard let endpointPath, endpointPath != "NotFound", !endpointPath.isEmpty else { return "unmatched" }
        return endpointPath
    }

    /// The method, or `other` for one outside HTTP's registered few: a client must not be able to mint series.
    static func method(_ method: HTTPRequest.Method) -> String {
        let known: Set<HTTPRequest.Method> = [.get, .head, .post, .put, .delete, .patch, .options]
        return known.contains(method) ? method.rawValue : "other"
    }
}
