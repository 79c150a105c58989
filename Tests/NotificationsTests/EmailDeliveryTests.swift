import BridgeTesting
import Foundation
import Notifications
import Testing

/// The email channel against a loopback SMTP receiver, without TLS: the dialogue, the message, AUTH, and every
/// way a server can say no.
@Suite struct EmailDeliveryTests {
    @Test func plainDeliverySendsTheExactDialogueAndADecodableMessage() async throws {
        let server = try await LoopbackSMTPServer.start()
        defer { server.stop() }
        let channel = EmailChannel(configuration: try EmailFixtures.configuration(server))

        try await channel.send(EmailFixtures.message)

        let session = server.session
        #expect(
            session.commands == [
                "EHLO bridge.test", "MAIL FROM:<omi@bridge.test>", "RCPT TO:<ada@example.org>",
                "RCPT TO:<bob@example.org>", "DATA", "QUIT",
            ])
        let wire = String(decoding: try #require(session.data), as: UTF8.self)
        // Dot-stuffing on the wire: the "." line and the line starting with "." each got a second dot.
        #expect(wire.contains("\r\n..hidden line starting with a dot\r\n"))
        #expect(wire.contains("\r\n..\r\n"))
        #expect(!wire.contains("\r\n.\r\n"))
        // CRLF only: no bare LF or CR anywhere.
        #expect(!wire.replacingOccurrences(of: "\r\n", with: "").contains { $0 == "\n" || $0 == "\r" })

        let mail = ReceivedMail(try #require(session.message))
        #expect(mail.headers["from"] == "omi@bridge.test")
        #expect(mail.headers["to"] == "ada@example.org, bob@example.org")
        #expect(mail.headers["date"] == "Fri, 24 Apr 2026 03:06:40 +0000")
        #expect(mail.headers["message-id"] == "<3f6c1e2a-8d0b-4c57-9a51-2b7e0c9d4f10@bridge.test>")
        #expect(mail.headers["mime-version"] == "1.0")
        #expect(mail.headers["content-type"] == "text/plain; charset=utf-8")
        #expect(mail.headers["content-transfer-encoding"] == "quoted-printable")
        #expect(mail.headers["x-omi-bridge-category"] == "app.direct")
        #expect(mail.headers["x-omi-bridge-notification-id"] == "3f6c1e2a-8d0b-4c57-9a51-2b7e0c9d4f10")
        // The subject is not ASCII: encoded words on the wire, the title once decoded.
        #expect(mail.headers["subject"]?.hasPrefix("=?UTF-8?B?") == true)
        #expect(mail.decoded("subject") == "Café ☕ — time for a break")
        #expect(
            mail.body
                == "Café ☕ — time for a break\nFocus coach\n\nYou have been working for 90 minutes.\n"
                + ".hidden line starting with a dot\n.\nGrüße, Omi\n")
    }

    @Test func anASCIISubjectIsSentAsIs() async throws {
        let server = try await LoopbackSMTPServer.start()
        defer { server.stop() }
        var message = EmailFixtures.message
        message.title = "Battery low"
        try await EmailChannel(configuration: try EmailFixtures.configuration(server)).send(message)
        #expect(ReceivedMail(try #require(server.session.message)).headers["subject"] == "Battery low")
    }

    @Test func aServerRefusingEHLOGetsHELO() async throws {
        let server = try await LoopbackSMTPServer.start(.init(replies: ["EHLO": "502 5.5.2 EHLO not implemented"]))
        defer { server.stop() }
        try await EmailChannel(configuration: try EmailFixtures.configuration(server)).send(EmailFixtures.message)
        #expect(server.session.verbs == ["EHLO", "HELO", "MAIL", "RCPT", "RCPT", "DATA", "QUIT"])
        #expect(server.session.commands[1] == "HELO bridge.test")
    }

    @Test func authPlainSendsTheUserAndPasswordInOneToken() async throws {
        let server = try await LoopbackSMTPServer.start(.init(extensions: ["AUTH PLAIN LOGIN"]))
        defer { server.stop() }
        let configuration = try EmailFixtures.configuration(server, username: "user", password: "pass")
        try await EmailChannel(configuration: configuration).send(EmailFixtures.message)

        let session = server.session
        #expect(session.verbs == ["EHLO", "AUTH", "MAIL", "RCPT", "RCPT", "DATA", "QUIT"])
        let auth = session.commands[1].split(separator: " ")
        #expect(auth.prefix(2) == ["AUTH", "PLAIN"])
        let token = try #require(Data(base64Encoded: String(auth.last ?? "")))
        #expect(Array(token) == [0] + Array("user".utf8) + [0] + Array("pass".utf8))
    }

    @Test func authLoginIsUsedWhenItIsTheOnlyMechanism() async throws {
        let server = try await LoopbackSMTPServer.start(.init(extensions: ["AUTH LOGIN"]))
        defer { server.stop() }
        let configuration = try EmailFixtures.configuration(server, username: "user", password: "pass")
        try await EmailChannel(configuration: configuration).send(EmailFixtures.message)
        #expect(Array(server.session.commands.prefix(4)) == ["EHLO bridge.test", "AUTH LOGIN", "dXNlcg==", "cGFzcw=="])
        #expect(server.session.data != nil)
    }

    @Test func aRejectedPasswordIsFinalAndTheReasonNeverShowsIt() async throws {
        // A careless server that quotes the password back in its reply.
        let server = try await LoopbackSMTPServer.start(
            .init(extensions: ["AUTH PLAIN"], replies: ["AUTH": "535 5.7.8 authentication failed for hunter2-secret"]))
        defer { server.stop() }
        let configuration = try EmailFixtures.configuration(server, username: "user", password: "hunter2-secret")
        let failure = await #expect(throws: ChannelFailure.self) {
            try await EmailChannel(configuration: configuration).send(EmailFixtures.message)
        }
        #expect(failure?.retryable == false)
        #expect(failure?.reason == "SMTP 535 at AUTH: 5.7.8 authentication failed for <redacted>")
        #expect(failure?.reason.contains("hunter2") == false)
        #expect(await eventually { server.session.closed })
        #expect(!server.session.verbs.contains("MAIL"))
        #expect(!"\(configuration)".contains("hunter2") && !String(reflecting: configuration).contains("hunter2"))
    }

    @Test func credentialsWithoutAnAdvertisedAUTHAreNotSentAnywhere() async throws {
        let server = try await LoopbackSMTPServer.start()
        defer { server.stop() }
        let configuration = try EmailFixtures.configuration(server, username: "user", password: "pass")
        let failure = await #expect(throws: ChannelFailure.self) {
            try await EmailChannel(configuration: configuration).send(EmailFixtures.message)
        }
        #expect(failure?.reason.hasPrefix("AUTH_UNAVAILABLE: 127.0.0.1:\(server.port) does not offer AUTH") == true)
        #expect(failure?.retryable == false)
        #expect(await eventually { server.session.closed })
        #expect(server.session.verbs == ["EHLO", "QUIT"])
    }

    @Test func a451AtRCPTIsRetryableAndNamesTheStep() async throws {
        let server = try await LoopbackSMTPServer.start(
            .init(replies: ["RCPT": "451 4.3.0 mailbox busy, try again later"]))
        defer { server.stop() }
        let failure = await #expect(throws: ChannelFailure.self) {
            try await EmailChannel(configuration: try EmailFixtures.configuration(server)).send(EmailFixtures.message)
        }
        #expect(failure?.reason == "SMTP 451 at RCPT TO: 4.3.0 mailbox busy, try again later")
        #expect(failure?.retryable == true)
        #expect(await eventually { server.session.closed })
        #expect(server.session.verbs == ["EHLO", "MAIL", "RCPT", "QUIT"])
    }

    @Test func a550AtMAILFROMIsFinal() async throws {
        let server = try await LoopbackSMTPServer.start(.init(replies: ["MAIL": "550 5.7.1 sender rejected"]))
        defer { server.stop() }
        let failure = await #expect(throws: ChannelFailure.self) {
            try await EmailChannel(configuration: try EmailFixtures.configuration(server)).send(EmailFixtures.message)
        }
        #expect(failure?.reason == "SMTP 550 at MAIL FROM: 5.7.1 sender rejected")
        #expect(failure?.retryable == false)
    }

    @Test func aRejectedMessageBodyNamesTheEndOfData() async throws {
        let server = try await LoopbackSMTPServer.start(.init(replies: [".": "554 5.6.0 message content rejected"]))
        defer { server.stop() }
        let failure = await #expect(throws: ChannelFailure.self) {
            try await EmailChannel(configuration: try EmailFixtures.configuration(server)).send(EmailFixtures.message)
        }
        #expect(failure?.reason == "SMTP 554 at end of data: 5.6.0 message content rejected")
        #expect(failure?.retryable == false)
    }

    @Test func aGreetingOf421IsRetryable() async throws {
        let server = try await LoopbackSMTPServer.start(.init(greeting: Array("421 4.3.2 too busy\r\n".utf8)))
        defer { server.stop() }
        let failure = await #expect(throws: ChannelFailure.self) {
            try await EmailChannel(configuration: try EmailFixtures.configuration(server)).send(EmailFixtures.message)
        }
        #expect(failure?.reason == "SMTP 421 at greeting: 4.3.2 too busy")
        #expect(failure?.retryable == true)
    }

    @Test func aRefusedConnectionIsRetryable() async throws {
        let configuration = try EmailFixtures.configuration(port: LoopbackTCPServer.refusedPort)
        let failure = await #expect(throws: ChannelFailure.self) {
            try await EmailChannel(configuration: configuration).send(EmailFixtures.message)
        }
        #expect(failure?.reason.hasPrefix("SMTP connect failed: 127.0.0.1:\(LoopbackTCPServer.refusedPort): ") == true)
        #expect(failure?.retryable == true)
    }

    @Test func aSilentServerTimesOutRetryably() async throws {
        let server = try await LoopbackSMTPServer.start(.init(greeting: []))
        defer { server.stop() }
        let configuration = try EmailFixtures.configuration(server, commandTimeout: .milliseconds(300))
        let failure = await #expect(throws: ChannelFailure.self) {
            try await EmailChannel(configuration: configuration).send(EmailFixtures.message)
        }
        #expect(failure?.reason.hasPrefix("SMTP timeout at greeting: no reply within") == true)
        #expect(failure?.retryable == true)
        #expect(await eventually { server.session.closed })
    }

    @Test(arguments: [
        (
            "HTTP/1.1 400 Bad Request\r\n\r\n",
            "SMTP protocol error at greeting: not an SMTP reply line: \"HTTP/1.1 400 Bad Request\""
        ),
        (
            "220 " + String(repeating: "x", count: 5_000),
            "SMTP protocol error at greeting: reply line longer than 1024 bytes"
        ),
        (
            String(repeating: "220-hello\r\n", count: 500),
            "SMTP protocol error at greeting: reply longer than 100 lines"
        ),
        (
            "220-first\r\n250 second\r\n",
            "SMTP protocol error at greeting: reply code changed from 220 to 250 inside a multi-line reply"
        ),
        ("\u{0}\u{1}\u{2}\u{FF}garbage\n", "SMTP protocol error at greeting: not an SMTP reply line: \".....garbage\""),
    ])
    func garbageFromTheServerIsAFinalProtocolError(greeting: String, reason: String) async throws {
        let server = try await LoopbackSMTPServer.start(.init(greeting: Array(greeting.utf8)))
        defer { server.stop() }
        let failure = await #expect(throws: ChannelFailure.self) {
            try await EmailChannel(configuration: try EmailFixtures.configuration(server)).send(EmailFixtures.message)
        }
        #expect(failure?.reason == reason)
        #expect(failure?.retryable == false)
        #expect(await eventually { server.session.closed })
        #expect(server.session.commands.isEmpty)
    }

    @Test func readinessIsNotConfiguredWithoutAConfigurationAndReadyWithOne() async throws {
        let unconfigured = EmailChannel(configuration: nil)
        #expect(unconfigured.name == .email)
        #expect(await unconfigured.readiness() == .notReady("NOT_CONFIGURED"))
        let failure = await #expect(throws: ChannelFailure.self) { try await unconfigured.send(EmailFixtures.message) }
        #expect(failure == ChannelFailure("NOT_CONFIGURED", retryable: false))
        // Configured but pointing nowhere: readiness does not touch the network.
        let configured = EmailChannel(
            configuration: try EmailFixtures.configuration(port: LoopbackTCPServer.refusedPort))
        #expect(await configured.readiness() == .ready)
    }
}
