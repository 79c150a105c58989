public import AsyncHTTPClient
import Foundation

/// Where the ntfy channel publishes, and how categories look there.
public struct NtfyChannelConfiguration: Sendable, Equatable {
    /// The ntfy server's base URL (`https://ntfy.sh`, or a self-hosted one, with a path prefix if it has one).
    public var serverURL: String
    /// The topic; nil (or blank) leaves the channel `NOT_CONFIGURED`. On ntfy.sh anyone who knows a topic can
    /// read it, so pick an unguessable one or use an access token on a protected server.
    public var topic: String?
    /// Sent as `Authorization: Bearer <token>`; never part of a failure reason.
    public var accessToken: String?
    /// ntfy priority (1 min … 5 max) by category.
    public var priorities: CategoryMap<Int>
    /// Tags by category; ntfy shows tags that are emoji short codes as emoji. The category itself is always
    /// added as the last tag.
    public var tags: CategoryMap<[String]>
    /// Bounds one attempt, connect and response included.
    public var timeout: Duration

    /// device.* 4 (high: the wearer should look now), app.* 3 (default), conversation.* 2 (low),
    /// webhook.circuit_open 3, anything else 3.
    public static let defaultPriorities = CategoryMap(
        ["device.*": 4, "app.*": 3, "conversation.*": 2, "webhook.circuit_open": 3], fallback: 3)

    /// Emoji tags: battery for device.battery_low, warning for device.disconnected, rotating_light for
    /// webhook.circuit_open, speech_balloon for app.*, memo for conversation.*.
    public static let defaultTags = CategoryMap(
        [
            "device.battery_low": ["battery"], "device.disconnected": ["warning"],
            "webhook.circuit_open": ["rotating_light"], "app.*": ["speech_balloon"], "conversation.*": ["memo"],
        ], fallback: [String]())

    public init(
        serverURL: String = "https://ntfy.sh", topic: String? = nil, accessToken: String? = nil,
        priorities: CategoryMap<Int> = defaultPriorities, tags: CategoryMap<[String]> = defaultTags,
        timeout: Duration = .seconds(15)
    ) {
        self.serverURL = serverURL
        self.topic = topic
        self.accessToken = accessToken
        self.priorities = priorities
        self.tags = tags
        self.timeout = timeout
    }
}

/// Publishes notifications to an ntfy topic: a POST of the body to `<server>/<topic>` with `Title`, `Priority`
/// and `Tags` headers (ntfy's publish API).
///
/// The title is the message's headline (title, then subtitle). HTTP headers carry ASCII only, so a title with
/// anything else is sent as RFC 2047 encoded words (`=?UTF-8?B?…?=`), which ntfy decodes; line breaks in it
/// become spaces. Bodies longer than ntfy's 4096-byte message limit (beyond which it would turn the message into
/// an attachment) are cut at a character boundary and end in `…`. The status mapping is the webhook channel's.
public struct NtfyChannel: NotificationChannel {
    /// ntfy's message size limit, in bytes.
    public static let maxBodyBytes = 4096

    public let name = ChannelName.ntfy
    public let configuration: NtfyChannelConfiguration
    private let client: HTTPClient

    /// - Parameter client: the bridge's shared client; defaults to AsyncHTTPClient's process-wide one.
    public init(configuration: NtfyChannelConfiguration, client: HTTPClient? = nil) {
        self.configuration = configuration
        self.client = client ?? HTTPClient.shared
    }

    /// `NOT_CONFIGURED` without a topic, `INVALID_URL` when the server URL is not an absolute http(s) URL.
    public func readiness() async -> ChannelReadiness {
        guard topic != nil else { return .notReady("NOT_CONFIGURED") }
        return HTTPDelivery.isHTTPURL(configuration.serverURL) ? .ready : .notReady("INVALID_URL")
    }

    /// Where messages are posted: the server URL without trailing slashes, then the percent-encoded topic.
    public var publishURL: String? {
        guard let topic else { return nil }
        var server = Substring(configuration.serverURL.trimmingCharacters(in: .whitespaces))
        while server.hasSuffix("/") { server = server.dropLast() }
        let encoded = topic.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"]))
        return server + "/" + (encoded ?? topic)
    }

    public func send(_ message: ChannelMessage) async throws(ChannelFailure) {
        guard let url = publishURL else {
            throw ChannelFailure("NOT_CONFIGURED: no ntfy topic is configured", retryable: false)
        }
        guard HTTPDelivery.isHTTPURL(configuration.serverURL) else {
            throw ChannelFailure(
                "INVALID_URL: ntfy server \(URLRedaction.redacted(configuration.serverURL)) is not an absolute "
                    + "http(s) URL", retryable: false)
        }
        let priority = configuration.priorities[message.category]
        guard (1...5).contains(priority) else {
            throw ChannelFailure(
                "ntfy priority \(priority) for \(message.category) is outside 1…5 (fix the channel's priorities)",
                retryable: false)
        }
        var headers = [
            ("Content-Type", "text/plain; charset=utf-8"), ("Title", Self.headerValue(message.headline)),
            ("Priority", String(priority)),
        ]
        let tags = (configuration.tags[message.category] + [message.category])
            .map { Self.headerValue($0.replacingOccurrences(of: ",", with: " ")) }
        headers.append(("Tags", tags.joined(separator: ",")))
        if let token = configuration.accessToken, !token.isEmpty {
            headers.append(("Authorization", "Bearer \(token)"))
        }
        try await HTTPDelivery.post(
            client, url: url, headers: headers, body: Self.truncated(message.body), timeout: configuration.timeout)
    }

    private var topic: String? {
        guard let topic = configuration.topic?.trimmingCharacters(in: .whitespaces), !topic.isEmpty else { return nil }
        return topic
    }

    /// `text` as a header value: as is when it is printable ASCII, else RFC 2047 `B` encoded words of at most 75
    /// characters each (45 bytes of UTF-8), separated by spaces, which decoders drop. A word never splits a
    /// character, so one character longer than 45 bytes (a long emoji sequence) makes a longer word. Text
    /// containing `=?` is encoded too, so it cannot be mistaken for an encoded word.
    public static func headerValue(_ text: String) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        if flat.unicodeScalars.allSatisfy({ (0x20...0x7E).contains($0.value) }), !flat.contains("=?") { return flat }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in flat {
            let bytes = Array(character.utf8)
            if chunk.count + bytes.count > 45, !chunk.isEmpty {
                words.append(encodedWord(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append(encodedWord(chunk)) }
        return words.joined(separator: " ")
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?" + Data(bytes).base64EncodedString() + "?="
    }

    /// At most `maxBodyBytes` of UTF-8: the whole body, or a prefix of whole characters followed by `…`.
    static func truncated(_ body: String) -> [UInt8] {
        let bytes = Array(body.utf8)
        guard bytes.count > maxBodyBytes else { return bytes }
        let ellipsis = Array("…".utf8)
        var out: [UInt8] = []
        for character in body {
            let next = Array(character.utf8)
            if out.count + next.count + ellipsis.count > maxBodyBytes { break }
            out += next
        }
        return out + ellipsis
    }
}
