public import Foundation
import Hummingbird
public import OmiApps
public import Store
import HTTPTypes
import Synchronization

/// What the Omi-compatible direct-notification route needs: the apps, the local user (the only one who has them
/// installed), where notifications go, and the rate-limit mode (omi-contract §5).
public struct DirectNotifications: Sendable {
    public var apps: [AppManifest]
    public var userID: String
    public var delivery: any NotificationDelivery
    public var mode: DirectNotificationLimiter.Mode

    public init(
        apps: [AppManifest], userID: String, delivery: any NotificationDelivery,
        mode: DirectNotificationLimiter.Mode = .upstream
    ) {
        self.apps = apps
        self.userID = userID
        self.delivery = delivery
        self.mode = mode
    }
}

/// `POST /v2/integrations/{app_id}/notification?uid=&message=` exactly as the Omi backend answers it
/// (omi-contract §5): the checks in upstream's order, `{"detail": …}` bodies (not the bridge envelope), the app's
/// own `sk_` keys (manifest `api_key_hashes` or `omi-bridge keys create`), the UTC-hour limit with its headers.
/// Delivered as `app.direct` with the title "<app name> says"; no LLM, no capability check.
struct DirectNotificationRoute: Sendable {
    static let path = "/v2/integrations/"

    let direct: DirectNotifications
    let keys: AppKeyStore
    let now: @Sendable () -> Date
    private let limiter: Limiter
    /// The apps by id: a lookup per request, whatever the number of apps.
    private let apps: [String: AppManifest]

    final class Limiter: Sendable {
        let state: Mutex<DirectNotificationLimiter>
        init(_ limiter: DirectNotificationLimiter) { state = Mutex(limiter) }
    }

    init(direct: DirectNotifications, keys: AppKeyStore, now: @escaping @Sendable () -> Date) {
        self.direct = direct
        self.keys = keys
        self.now = now
        limiter = Limiter(DirectNotificationLimiter(mode: direct.mode))
        apps = Dictionary(direct.apps.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func register(on router: Router<BridgeRequestContext>) {
        router.post("/v2/integrations/{app_id}/notification") { request, context in
            try await handle(request, appID: context.parameters.require("app_id"))
        }
    }

    private func handle(_ request: Request, appID: String) async throws -> Response {
        let query = request.uri.queryParameters
        let uid = query["uid"].map(String.init)
        let message = query["message"].map(String.init)
        // 1. Missing parameters, before authentication: one entry per parameter.
        let missing = [("uid", uid), ("message", message)].filter { $0.1 == nil }.map { Missing(loc: ["query", $0.0]) }
        if !missing.isEmpty { return try JSONResponse.make(MissingBody(detail: missing), status: .unprocessableContent) }
        guard let uid, let message else { return try detail("App not found", .notFound) }
        // 2. A Bearer header.
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            return try detail("Missing or invalid Authorization header. Must be 'Bearer API_KEY'", .unauthorized)
        }
        let key = String(header.dropFirst("Bearer ".count))
        // 3. A key of this app.
        let app = apps[appID]
        let presented = AppKeyStore.hash(key)
        // The manifest's hashes first: the stored keys are read only when the key is not one of them.
        let valid =
            app?.apiKeyHashes.contains(presented) == true
            || ((try? keys.hashes(appID: appID)) ?? []).contains(presented)
        guard valid else { return try detail("Invalid API key", .forbidden) }
        // 4. The app exists here; 5. the user has it (the local user, the app enabled).
        guard let app else { return try detail("App not found", .notFound) }
        guard app.enabled, uid == direct.userID else {
            return try detail("User does not have this app installed", .forbidden)
        }
        // 6. The UTC-hour limit; its headers go on 200 and 429 only.
        let verdict = limiter.state.withLock { $0.request(appID: appID, uid: uid, now: now()) }
        var response: Response
        if verdict.allowed {
            await direct.delivery.deliver(
                BridgeNotification(
                    userID: uid, appID: app.id, category: "app.direct", title: ProactiveProcessor.title(appName: app.name),
                    body: message))
            response = try JSONResponse.make(["status": "Ok"])
        } else {
            response = try detail("Rate limit exceeded. Maximum 10 notifications per hour.", .tooManyRequests)
            response.headers[.retryAfter] = "\(verdict.reset)"
        }
        response.headers[HTTPField.Name("X-RateLimit-Limit")!] = "\(verdict.limit)"
        response.headers[HTTPField.Name("X-RateLimit-Remaining")!] = "\(verdict.remaining)"
        response.headers[HTTPField.Name("X-RateLimit-Reset")!] = "\(verdict.reset)"
        return response
    }

    private func detail(_ text: String, _ status: HTTPResponse.Status) throws -> Response {
        try JSONResponse.make(["detail": text], status: status)
    }

    /// FastAPI's entry for a missing query parameter.
    struct Missing: Encodable {
        var type = "missing"
        var loc: [String]
        var msg = "Field required"
        var input: String? = nil

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(type, forKey: .type)
            try c.encode(loc, forKey: .loc)
            try c.encode(msg, forKey: .msg)
            try c.encode(input, forKey: .input)  // null, not absent
        }

        enum Keys: String, CodingKey { case type, loc, msg, input }
    }

    struct MissingBody: Encodable {
        var detail: [Missing]
    }
}
