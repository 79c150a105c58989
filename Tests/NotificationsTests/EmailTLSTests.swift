import BridgeTesting
import Foundation
import NIOSSL
import Notifications
import Testing

/// The email channel's TLS: STARTTLS with a certificate the configuration trusts, implicit TLS, a server without
/// STARTTLS, and a certificate nobody trusts.
@Suite struct EmailTLSTests {
    @Test func startTLSUpgradesRepeatsEHLOAndSendsEverythingElseEncrypted() async throws {
        let certificate = try TestCertificate.shared()
        let server = try await LoopbackSMTPServer.start(.init(extensions: ["AUTH PLAIN"], tls: certificate))
        defer { server.stop() }
        let configuration = try EmailFixtures.configuration(
            server, security: .starttls, trust: .certificates([certificate.certificate]), username: "user",
            password: "pass")

        try await EmailChannel(configuration: configuration).send(EmailFixtures.message)

        let session = server.session
        #expect(session.verbs == ["EHLO", "STARTTLS", "EHLO", "AUTH", "MAIL", "RCPT", "RCPT", "DATA", "QUIT"])
        #expect(session.overTLS == [false, false, true, true, true, true, true, true, true])
        #expect(session.dataOverTLS)
        let mail = ReceivedMail(try #require(session.message))
        #expect(mail.decoded("subject") == EmailFixtures.message.title)
        #expect(mail.body?.hasSuffix("Grüße, Omi\n") == true)
    }

    @Test func implicitTLSSpeaksTLSFromTheFirstByte() async throws {
        let certificate = try TestCertificate.shared()
        let server = try await LoopbackSMTPServer.start(.init(tls: certificate, implicitTLS: true))
        defer { server.stop() }
        let configuration = try EmailFixtures.configuration(
            server, security: .tls, trust: .certificates([certificate.certificate]))

        try await EmailChannel(configuration: configuration).send(EmailFixtures.message)

        #expect(server.session.verbs == ["EHLO", "MAIL", "RCPT", "RCPT", "DATA", "QUIT"])
        #expect(server.session.overTLS.allSatisfy { $0 } && server.session.dataOverTLS)
    }

    @Test func noVerificationAcceptsAnUntrustedCertificate() async throws {
        let server = try await LoopbackSMTPServer.start(.init(tls: try TestCertificate.shared(), implicitTLS: true))
        defer { server.stop() }
        let configuration = try EmailFixtures.configuration(server, security: .tls, trust: .noVerification)
        try await EmailChannel(configuration: configuration).send(EmailFixtures.message)
        #expect(server.session.dataOverTLS)
    }

    @Test func aServerWithoutSTARTTLSGetsNoCredentialsAndNoMail() async throws {
        let server = try await LoopbackSMTPServer.start(.init(extensions: ["AUTH PLAIN LOGIN"]))
        defer { server.stop() }
        let configuration = try EmailFixtures.configuration(
            server, security: .starttls, trust: .noVerification, username: "user", password: "pass")
        let failure = await #expect(throws: ChannelFailure.self) {
            try await EmailChannel(configuration: configuration).send(EmailFixtures.message)
        }
        #expect(failure?.reason == "STARTTLS_UNAVAILABLE: 127.0.0.1:\(server.port) does not offer STARTTLS")
        #expect(failure?.retryable == false)
        #expect(await eventually { server.session.closed })
        #expect(server.session.verbs == ["EHLO", "QUIT"])
    }

    @Test func anUntrustedCertificateFailsTheHandshakeFinally() async throws {
        let server = try await LoopbackSMTPServer.start(.init(tls: try TestCertificate.shared()))
        defer { server.stop() }
        // The system trust store does not know the test's self-signed certificate.
        let configuration = try EmailFixtures.configuration(server, security: .starttls, trust: .default)
        let failure = await #expect(throws: ChannelFailure.self) {
            try await EmailChannel(configuration: configuration).send(EmailFixtures.message)
        }
        #expect(failure?.reason.hasPrefix("TLS failure at EHLO: ") == true, "\(failure?.reason ?? "")")
        #expect(failure?.retryable == false)
        #expect(await eventually { server.session.closed })
        #expect(server.session.verbs == ["EHLO", "STARTTLS"])
        #expect(server.session.data == nil)
    }

    @Test func aTrustedCertificateForAnotherHostIsRejected() async throws {
        let elsewhere = try TestCertificate.elsewhere()
        let server = try await LoopbackSMTPServer.start(.init(tls: elsewhere, implicitTLS: true))
        defer { server.stop() }
        // Trusted as a root, but issued for elsewhere.test, not for 127.0.0.1.
        let configuration = try EmailFixtures.configuration(
            server, security: .tls, trust: .certificates([elsewhere.certificate]))
        let failure = await #expect(throws: ChannelFailure.self) {
            try await EmailChannel(configuration: configuration).send(EmailFixtures.message)
        }
        #expect(failure?.reason.hasPrefix("TLS failure at greeting: ") == true)
        #expect(failure?.retryable == false)
        #expect(await eventually { server.session.closed })
        #expect(server.session.commands.isEmpty)
    }
}
