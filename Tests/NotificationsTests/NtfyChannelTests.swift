import BridgeTesting
import Foundation
import Notifications
import Testing

private func message(
    _ category: String, title: String = "Battery low", subtitle: String? = nil, body: String = "15 % left"
)
    -> ChannelMessage
{
    ChannelMessage(
        notificationID: UUID().uuidString, userID: "u1", appID: nil, category: category, title: title,
        subtitle: subtitle, body: body, createdAt: Date(timeIntervalSince1970: 0))
}

/// Decodes RFC 2047 `B` encoded words separated by spaces, as ntfy does; nil when `value` is not only such words.
private func decodeEncodedWords(_ value: String) -> String? {
    var bytes: [UInt8] = []
    for word in value.split(separator: " ") {
        guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?="), word.count <= 75,
            let decoded = Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))
        else { return nil }
        bytes += decoded
    }
    return String(bytes: bytes, encoding: .utf8)
}

@Suite("ntfy channel against a loopback HTTP receiver")
struct NtfyChannelTests {
    @Test("Publishes the body to /<topic> with Title, Priority and Tags, and no Authorization without a token")
    func publishes() async throws {
        let receiver = try LoopbackHTTPServer { _ in .reply(status: 200, body: Array(#"{"id":"x"}"#.utf8)) }
        defer { receiver.stop() }
        let channel = NtfyChannel(configuration: .init(serverURL: receiver.baseURL, topic: "omi-alerts"))
        try await channel.send(message("device.battery_low", subtitle: "Omi DevKit 2"))
        let request = try #require(receiver.requests.first)
        #expect(request.method == "POST")
        #expect(request.target == "/omi-alerts")
        #expect(request.body == Array("15 % left".utf8))
        // The headline has an em dash, so it goes encoded.
        #expect(request.headers["title"].flatMap(decodeEncodedWords) == "Battery low — Omi DevKit 2")
        #expect(request.headers["priority"] == "4")
        #expect(request.headers["tags"] == "battery,device.battery_low")
        #expect(request.headers["content-type"] == "text/plain; charset=utf-8")
        #expect(request.headers["authorization"] == nil)
    }

    @Test("Default priorities: device 4, app 3, conversation 2; tags are the emoji then the category")
    func prioritiesAndTags() async throws {
        let receiver = try LoopbackHTTPServer { _ in .reply(status: 200) }
        defer { receiver.stop() }
        let channel = NtfyChannel(configuration: .init(serverURL: receiver.baseURL + "/", topic: "t"))
        let categories = ["device.disconnected", "app.message", "conversation.created", "webhook.circuit_open", "x.y"]
        for category in categories { try await channel.send(message(category, title: "Plain")) }
        #expect(receiver.requests.map { $0.headers["priority"] } == ["4", "3", "2", "3", "3"])
        #expect(
            receiver.requests.map { $0.headers["tags"] } == [
                "warning,device.disconnected", "speech_balloon,app.message", "memo,conversation.created",
                "rotating_light,webhook.circuit_open", "x.y",
            ])
        #expect(receiver.requests.allSatisfy { $0.target == "/t" && $0.headers["title"] == "Plain" })
    }

    @Test("A non-ASCII title goes as RFC 2047 encoded words of at most 75 characters that decode back exactly")
    func unicodeTitle() async throws {
        let receiver = try LoopbackHTTPServer { _ in .reply(status: 200) }
        defer { receiver.stop() }
        let channel = NtfyChannel(configuration: .init(serverURL: receiver.baseURL, topic: "t"))
        let short = "Café ☕ 日本語"
        let long = String(repeating: "Grüße aus Zürich 🇨🇭 ", count: 6)
        try await channel.send(message("app.message", title: short))
        try await channel.send(message("app.message", title: long))
        let titles = receiver.requests.map { $0.headers["title"] ?? "" }
        #expect(titles[0].hasPrefix("=?UTF-8?B?"))
        #expect(decodeEncodedWords(titles[0]) == short)
        #expect(titles[1].split(separator: " ").count > 1)
        // Even the trailing space survives: it is inside the last encoded word.
        #expect(decodeEncodedWords(titles[1]) == long)
        // Line breaks flatten; "=?" in plain ASCII is encoded so it is never read as an encoded word.
        #expect(NtfyChannel.headerValue("two\nlines") == "two lines")
        #expect(decodeEncodedWords(NtfyChannel.headerValue("a =?b?= c")) == "a =?b?= c")
    }

    @Test("An access token is sent as a bearer token and never appears in a failure")
    func token() async throws {
        let receiver = try LoopbackHTTPServer { request in
            .reply(status: request.headers["authorization"] == "Bearer tk_secret123" ? 200 : 403)
        }
        defer { receiver.stop() }
        try await NtfyChannel(
            configuration: .init(serverURL: receiver.baseURL, topic: "t", accessToken: "tk_secret123")
        )
        .send(message("app.message"))
        #expect(receiver.requests.first?.headers["authorization"] == "Bearer tk_secret123")
        let wrong = NtfyChannel(configuration: .init(serverURL: receiver.baseURL, topic: "t", accessToken: "tk_other"))
        let failure = await #expect(throws: ChannelFailure.self) { try await wrong.send(message("app.message")) }
        #expect(failure == ChannelFailure("HTTP 403 from \(receiver.baseURL)/t", retryable: false))
    }

    @Test("Status and network errors map as the webhook's: 429 + Retry-After retryable, 400 final, refused retryable")
    func errors() async throws {
        let receiver = try LoopbackHTTPServer { request in
            request.target == "/busy" ? .reply(status: 429, headers: ["Retry-After": "7"]) : .reply(status: 400)
        }
        defer { receiver.stop() }
        let busy = await #expect(throws: ChannelFailure.self) {
            try await NtfyChannel(configuration: .init(serverURL: receiver.baseURL, topic: "busy")).send(
                message("app.x"))
        }
        #expect(busy == ChannelFailure("HTTP 429 from \(receiver.baseURL)/busy", retryable: true, retryAfter: 7))
        let bad = await #expect(throws: ChannelFailure.self) {
            try await NtfyChannel(configuration: .init(serverURL: receiver.baseURL, topic: "bad")).send(
                message("app.x"))
        }
        #expect(bad?.retryable == false)
        let refused = NtfyChannel(
            configuration: .init(
                serverURL: "http://127.0.0.1:\(LoopbackTCPServer.refusedPort)", topic: "t", timeout: .seconds(2)))
        let unreachable = await #expect(throws: ChannelFailure.self) { try await refused.send(message("app.x")) }
        #expect(unreachable?.retryable == true)
    }

    @Test("Readiness NOT_CONFIGURED without a topic; a server path prefix is kept and the topic is one segment")
    func configuration() async throws {
        #expect(await NtfyChannel(configuration: .init()).readiness() == .notReady("NOT_CONFIGURED"))
        #expect(await NtfyChannel(configuration: .init(topic: " ")).readiness() == .notReady("NOT_CONFIGURED"))
        #expect(await NtfyChannel(configuration: .init(topic: "t")).readiness() == .ready)
        #expect(NtfyChannel(configuration: .init(topic: "t")).publishURL == "https://ntfy.sh/t")
        #expect(
            await NtfyChannel(configuration: .init(serverURL: "ntfy.sh", topic: "t")).readiness()
                == .notReady("INVALID_URL"))
        let receiver = try LoopbackHTTPServer { _ in .reply(status: 200) }
        defer { receiver.stop() }
        try await NtfyChannel(configuration: .init(serverURL: receiver.baseURL + "/ntfy//", topic: "a/b"))
            .send(message("app.message"))
        #expect(receiver.requests.first?.target == "/ntfy/a%2Fb")
        let failure = await #expect(throws: ChannelFailure.self) {
            try await NtfyChannel(configuration: .init()).send(message("app.message"))
        }
        #expect(failure?.retryable == false)
    }

    @Test("A body over ntfy's 4096-byte limit is cut at a character boundary and ends in an ellipsis")
    func longBody() async throws {
        let receiver = try LoopbackHTTPServer { _ in .reply(status: 200) }
        defer { receiver.stop() }
        let body = String(repeating: "ü", count: 3000)  // 6000 bytes
        try await NtfyChannel(configuration: .init(serverURL: receiver.baseURL, topic: "t"))
            .send(message("app.message", body: body))
        let sent = try #require(receiver.requests.first?.body)
        #expect(sent.count <= NtfyChannel.maxBodyBytes && sent.count > NtfyChannel.maxBodyBytes - 4)
        let text = try #require(String(bytes: sent, encoding: .utf8))
        #expect(text.hasSuffix("…"))
        #expect(body.hasPrefix(text.dropLast()))
    }
}
