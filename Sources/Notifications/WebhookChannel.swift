public import AsyncHTTPClient
import Foundation
import OmiApps

/// Where and how the webhook channel posts.
public struct WebhookChannelConfiguration: Sendable, Equatable {
    /// An http(s) URL; nil (or blank) leaves the channel `NOT_CONFIGURED`. A query is sent as is; user info
    /// (`https://user:pass@host/…`) is sent as `Authorization: Basic`. Neither ever appears in a failure reason.
    public var url: String?
    /// Signing secrets (`whsec_…`), current first, the previous one second during a rotation (omi-contract §3.6).
    /// Empty (the default): requests are not signed.
    public var signingSecrets: [String]
    /// Bounds one attempt, connect and response included (15 s, as app webhooks, omi-contract §3.1).
    public var timeout: Duration

    public init(url: String? = nil, signingSecrets: [String] = [], timeout: Duration = .seconds(15)) {
        self.url = url
        self.signingSecrets = signingSecrets
        self.timeout = timeout
    }
}

/// Delivers notifications as JSON POSTs to one configured URL.
///
/// The body is the feed item's shape (omi-contract §7), compact JSON with sorted keys:
/// `{"app_id","created_at","event_category","id","message","metadata","subtitle","title","user_id"}`, with
/// `app_id` and `subtitle` null when absent and `created_at` in ISO 8601 with milliseconds, UTC.
/// Headers: `Content-Type: application/json` and `Idempotency-Key: <notification id>` (a retried attempt carries
/// the same key, so the receiver can drop duplicates). With secrets, the request is signed exactly as app
/// webhooks are (`WebhookSigner.headers`, omi-contract §3.6) with `X-Omi-Event: notification`; the signed uid is
/// the body's `user_id` (no `?uid=` is added to the URL).
///
/// 2xx delivers; 408, 425, 429, 5xx and transport errors are retryable (with `Retry-After`); other statuses are
/// final. Redirects are whatever the given `HTTPClient` is configured to do.
public struct WebhookChannel: NotificationChannel {
    /// `X-Omi-Event` of signed requests.
    public static let event = "notification"

    public let name = ChannelName.webhook
    public let configuration: WebhookChannelConfiguration
    private let client: HTTPClient

    /// - Parameter client: the bridge's shared client; defaults to AsyncHTTPClient's process-wide one.
    public init(configuration: WebhookChannelConfiguration, client: HTTPClient? = nil) {
        self.configuration = configuration
        self.client = client ?? HTTPClient.shared
    }

    /// `NOT_CONFIGURED` without a URL, `INVALID_URL` when it is not an absolute http(s) URL.
    public func readiness() async -> ChannelReadiness {
        guard let url = configuredURL else { return .notReady("NOT_CONFIGURED") }
        return HTTPDelivery.isHTTPURL(url) ? .ready : .notReady("INVALID_URL")
    }

    public func send(_ message: ChannelMessage) async throws(ChannelFailure) {
        guard let url = configuredURL else {
            throw ChannelFailure("NOT_CONFIGURED: no webhook URL is configured", retryable: false)
        }
        guard HTTPDelivery.isHTTPURL(url) else {
            throw ChannelFailure(
                "INVALID_URL: \(URLRedaction.redacted(url)) is not an absolute http(s) URL", retryable: false)
        }
        let body = Self.body(for: message)
        let now = Date()
        var headers = [("Content-Type", "application/json"), ("Idempotency-Key", message.notificationID)]
        let signed = WebhookSigner.headers(
            body: body, uid: message.userID, secrets: configuration.signingSecrets, event: Self.event,
            delivery: message.notificationID, now: now)
        // Idempotency-Key is already there; the signer adds it too, for app webhooks.
        headers += signed.filter { $0.key != "Idempotency-Key" }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        try await HTTPDelivery.post(
            client, url: url, headers: headers, body: body, timeout: configuration.timeout, now: now)
    }

    private var configuredURL: String? {
        guard let url = configuration.url?.trimmingCharacters(in: .whitespaces), !url.isEmpty else { return nil }
        return url
    }

    /// The exact bytes posted (and signed) for `message`.
    public static func body(for message: ChannelMessage) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding strings, optionals and a [String: String] cannot fail.
        return Array((try? encoder.encode(Payload(message))) ?? Data("{}".utf8))
    }

    /// The JSON body: the feed item's fields, nulls written out.
    private struct Payload: Encodable {
        let message: ChannelMessage

        init(_ message: ChannelMessage) { self.message = message }

        enum CodingKeys: String, CodingKey {
            case id, userID = "user_id", appID = "app_id", eventCategory = "event_category", title, subtitle
            case message, metadata, createdAt = "created_at"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(message.notificationID, forKey: .id)
            try container.encode(message.userID, forKey: .userID)
            try container.encode(message.appID, forKey: .appID)
            try container.encode(message.category, forKey: .eventCategory)
            try container.encode(message.title, forKey: .title)
            try container.encode(message.subtitle, forKey: .subtitle)
            try container.encode(message.body, forKey: .message)
            try container.encode(message.metadata, forKey: .metadata)
            // The feed API's format (BridgeServer's JSONResponse), so both read the same.
            let createdAt = message.createdAt.formatted(
                Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
            try container.encode(createdAt, forKey: .createdAt)
        }
    }
}
