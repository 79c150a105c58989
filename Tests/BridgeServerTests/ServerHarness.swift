import BridgeServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Metrics
import Store
import Testing

/// One test's server: a fresh in-memory database with an admin and a member key, served over a real socket on
/// localhost (port 0) by Hummingbird's live test framework.
struct ServerHarness {
    let database: BridgeDatabase
    let adminKey: String
    let memberKey: String

    init() throws {
        database = try BridgeDatabase.inMemory()
        adminKey = try database.apiKeys.create(name: "admin", role: .admin, now: fixedNow).key
        memberKey = try database.apiKeys.create(name: "member", role: .member, now: fixedNow).key
    }

    /// Runs `body` against the live server.
    /// `now` stamps rows; `centre` serves the notification-centre routes; `metrics` what `/metrics` serves and
    /// `metricsFactory` where requests are recorded (a discarding one unless the test passes its own: the
    /// process-wide MetricsSystem is never bootstrapped in tests); `readiness` extra `/readyz` checks.
    func run(
        now: @escaping @Sendable () -> Date = { fixedNow }, centre: NotificationCentreAPI? = nil,
        metrics: (any MetricsExposition)? = nil, metricsFactory: any MetricsFactory = NOOPMetricsHandler.instance,
        readiness: [ReadinessCheck] = [], live: LiveHub? = nil, _ body: @Sendable (Client) async throws -> Void
    ) async throws {
        let app = BridgeServer.makeApplication(
            database: database, configuration: .init(host: "127.0.0.1", port: 0), now: now, centre: centre,
            metrics: metrics, metricsFactory: metricsFactory, readiness: readiness, live: live)
        try await app.test(.live) { client in try await body(Client(client: client)) }
    }

    /// A thin client: a method, a path, an optional key and a body; answers the status and the body text.
    struct Client: Sendable {
        let client: any TestClientProtocol

        func send(
            _ method: HTTPRequest.Method, _ uri: String, key: String? = nil, body: String? = nil,
            authorization: String? = nil
        ) async throws -> Reply {
            var headers = HTTPFields()
            if let key { headers[.authorization] = "Bearer \(key)" }
            if let authorization { headers[.authorization] = authorization }
            if body != nil { headers[.contentType] = "application/json" }
            let response = try await client.executeRequest(
                uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
            return Reply(
                status: response.status.code, text: String(buffer: response.body),
                contentType: response.headers[.contentType])
        }
    }

    struct Reply: Sendable {
        var status: Int
        var text: String
        var contentType: String?

        /// The body as a JSON object.
        func object() throws -> [String: Any] {
            try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }

        /// The `error` object of an envelope.
        func envelope() throws -> Envelope {
            try JSONDecoder().decode(EnvelopeBody.self, from: Data(text.utf8)).error
        }
    }

    struct EnvelopeBody: Decodable { var error: Envelope }

    /// The four fields of an error envelope.
    struct Envelope: Decodable, Equatable {
        var type: String
        var message: String
        var code: String?
        var param: String?
    }
}

/// The instant every test row is stamped with.
let fixedNow = Date(timeIntervalSince1970: 1_750_000_000.25)

/// The exact 401 body.
let unauthorizedBody =
    #"{"error":{"code":null,"message":"A valid API key is required (Authorization: Bearer <key>).","param":null,"type":"unauthorized"}}"#
