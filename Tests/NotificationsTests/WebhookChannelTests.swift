import BridgeTesting
import Foundation
@testable import Notifications
import OmiApps
import Testing

private let sample = ChannelMessage(
    notificationID: "6f1c2d3e-0000-4000-8000-000000000001", userID: "user-7", appID: "weather",
    category: "app.message", title: "Rain at 3 pm", subtitle: "Zürich", body: "Take an umbrella ☂",
    metadata: ["source": "forecast"], createdAt: Date(timeIntervalSince1970: 1_700_000_000.25))

@Suite("Webhook channel against a loopback HTTP receiver")
struct WebhookChannelTests {
    @Test("The POST carries the exact JSON body, content type, idempotency key and a verifiable signature")
    func exactRequest() async throws {
        let receiver = try LoopbackHTTPServer { _ in .reply(status: 200) }
        defer { receiver.stop() }
        let secret = "whsec_test-secret"
        let channel = WebhookChannel(
            configuration: .init(url: receiver.baseURL + "/hooks/omi?team=7", signingSecrets: [secret]))
        try await channel.send(sample)

        let request = try #require(receiver.requests.first)
        #expect(receiver.requests.count == 1)
        #expect(request.method == "POST")
        #expect(request.path == "/hooks/omi")
        #expect(request.query == ["team": "7"])
        let expected =
            #"{"app_id":"weather","created_at":"2023-11-14T22:13:20.250Z","event_category":"app.message","#
            + #""id":"6f1c2d3e-0000-4000-8000-000000000001","message":"Take an umbrella ☂","#
            + #""metadata":{"source":"forecast"},"subtitle":"Zürich","title":"Rain at 3 pm","user_id":"user-7"}"#
        #expect(String(decoding: request.body, as: UTF8.self) == expected)
        #expect(request.body == WebhookChannel.body(for: sample))
        #expect(request.headers["content-type"] == "application/json")
        #expect(request.headers["idempotency-key"] == sample.notificationID)
        #expect(request.headers["x-omi-event"] == "notification")
        #expect(request.headers["x-omi-delivery"] == sample.notificationID)
        let signature = try #require(request.headers["x-omi-signature"])
        let verified = WebhookSigner.verify(
            header: signature, body: request.body, uid: "user-7", secrets: [secret], now: Date())
        #expect(verified == .success(0))
        // The signature covers these bytes and this uid, nothing else.
        let tampered = WebhookSigner.verify(
            header: signature, body: request.body + [0x20], uid: "user-7", secrets: [secret], now: Date())
        #expect(tampered == .failure(.noMatchingSignature))
    }

    @Test("Without secrets nothing is signed; absent app_id and subtitle are JSON nulls")
    func unsigned() async throws {
        let receiver = try LoopbackHTTPServer { _ in .reply(status: 204) }
        defer { receiver.stop() }
        var bare = sample
        bare.appID = nil
        bare.subtitle = nil
        bare.metadata = [:]
        try await WebhookChannel(configuration: .init(url: receiver.baseURL + "/h")).send(bare)
        let request = try #require(receiver.requests.first)
        #expect(request.headers["idempotency-key"] == sample.notificationID)
        #expect(request.headers.keys.filter { $0.hasPrefix("x-omi-") }.isEmpty)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect(object["app_id"] is NSNull)
        #expect(object["subtitle"] is NSNull)
        #expect((object["metadata"] as? [String: Any])?.isEmpty == true)
        #expect(
            object.keys.sorted() == [
                "app_id", "created_at", "event_category", "id", "message", "metadata", "subtitle", "title", "user_id",
            ])
    }

    @Test("503 with Retry-After: 7 is retryable after 7 s; the reason names the URL without credentials or query")
    func serviceUnavailable() async throws {
        let receiver = try LoopbackHTTPServer { _ in .reply(status: 503, headers: ["Retry-After": "7"]) }
        defer { receiver.stop() }
        let url = "http://hook:hunter2@127.0.0.1:\(receiver.port)/hook?token=s3cr3t#frag"
        let channel = WebhookChannel(configuration: .init(url: url, signingSecrets: ["whsec_never-shown"]))
        let failure = await #expect(throws: ChannelFailure.self) { try await channel.send(sample) }
        #expect(
            failure
                == ChannelFailure(
                    "HTTP 503 from http://127.0.0.1:\(receiver.port)/hook", retryable: true, retryAfter: 7))
        // The user info went as basic auth, the query as it was.
        #expect(
            receiver.requests.first?.headers["authorization"] == "Basic "
                + Data("hook:hunter2".utf8).base64EncodedString())
        #expect(receiver.requests.first?.target == "/hook?token=s3cr3t")
        for secret in ["hunter2", "s3cr3t", "whsec_"] { #expect(failure?.reason.contains(secret) == false) }
    }

    @Test("408, 425, 429 and 5xx are retryable; 404, 400 and 410 are final")
    func statusMapping() async throws {
        for (status, retryable) in [
            (408, true), (425, true), (429, true), (500, true), (404, false), (400, false), (410, false),
        ] {
            let receiver = try LoopbackHTTPServer { _ in .reply(status: status) }
            defer { receiver.stop() }
            let channel = WebhookChannel(configuration: .init(url: receiver.baseURL + "/hook"))
            let failure = await #expect(throws: ChannelFailure.self) { try await channel.send(sample) }
            #expect(failure?.retryable == retryable, "HTTP \(status)")
            #expect(failure?.retryAfter == nil)
            #expect(failure?.reason == "HTTP \(status) from \(receiver.baseURL)/hook")
        }
    }

    @Test("A refused connection is retryable")
    func refused() async throws {
        let url = "http://127.0.0.1:\(LoopbackTCPServer.refusedPort)/hook"
        let channel = WebhookChannel(configuration: .init(url: url, timeout: .seconds(2)))
        let failure = await #expect(throws: ChannelFailure.self) { try await channel.send(sample) }
        #expect(failure?.retryable == true)
        // AsyncHTTPClient retries a refused connect until the deadline, then reports the refusal — or, when the
        // deadline falls during an attempt (a loaded machine), the timeout. Either way it names the URL.
        let reason = failure?.reason ?? ""
        #expect(
            (reason.hasPrefix("unreachable: \(url): ") && reason.contains("refused")) || reason.hasPrefix("timeout: \(url)"),
            "\(reason)")
    }

    @Test("A receiver slower than the timeout is a retryable timeout")
    func slowReceiver() async throws {
        let receiver = try LoopbackHTTPServer { _ in .delayed(.seconds(3), status: 200, body: []) }
        defer { receiver.stop() }
        let channel = WebhookChannel(configuration: .init(url: receiver.baseURL + "/slow", timeout: .milliseconds(300)))
        let failure = await #expect(throws: ChannelFailure.self) { try await channel.send(sample) }
        #expect(failure?.retryable == true)
        #expect(
            failure?.reason.hasPrefix("timeout: \(receiver.baseURL)/slow") == true, "\(String(describing: failure))")
    }

    @Test("Readiness: NOT_CONFIGURED without a URL, INVALID_URL for a non-http one; a send then fails for good")
    func readiness() async {
        #expect(await WebhookChannel(configuration: .init()).readiness() == .notReady("NOT_CONFIGURED"))
        #expect(await WebhookChannel(configuration: .init(url: "  ")).readiness() == .notReady("NOT_CONFIGURED"))
        #expect(await WebhookChannel(configuration: .init(url: "ftp://x/y")).readiness() == .notReady("INVALID_URL"))
        #expect(await WebhookChannel(configuration: .init(url: "http://127.0.0.1:9/h")).readiness() == .ready)
        let failure = await #expect(throws: ChannelFailure.self) {
            try await WebhookChannel(configuration: .init()).send(sample)
        }
        #expect(failure?.retryable == false)
        #expect(failure?.reason.hasPrefix("NOT_CONFIGURED") == true)
    }

    @Test("Reasons name URLs without user info, query or fragment, parseable or not")
    func redaction() {
        #expect(
            URLRedaction.redacted("https://u:p@hooks.example:8443/x/y?token=1#f") == "https://hooks.example:8443/x/y")
        #expect(URLRedaction.redacted("http://u:p@bad host/a b?token=1") == "http://bad host/a b")
        #expect(URLRedaction.redacted("http://127.0.0.1:9/h") == "http://127.0.0.1:9/h")
        let (bare, basic) = HTTPDelivery.splitCredentials("https://ann%40x:p%3Aw@h.example/x?q=1")
        #expect(bare == "https://h.example/x?q=1")
        #expect(basic == "Basic " + Data("ann@x:p:w".utf8).base64EncodedString())
        #expect(HTTPDelivery.splitCredentials("https://h.example/x").authorization == nil)
    }
}
