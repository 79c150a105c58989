import Foundation
import Logging
import NIOSSL

/// Submits one message over SMTP (RFC 5321) as `EmailConfiguration` says: greeting, `EHLO` (or `HELO` when the
/// server refuses EHLO), `STARTTLS` and `EHLO` again, `AUTH PLAIN` or `AUTH LOGIN`, `MAIL FROM`, one `RCPT TO` per
/// recipient, `DATA` with the dot-stuffed message, `QUIT`. One session per call; nothing is kept open.
struct SMTPClient: Sendable {
    let configuration: EmailConfiguration
    let logger: Logger

    /// Sends `message` (the rendered RFC 5322 message, CRLF line endings) to every configured recipient.
    func submit(_ message: [UInt8]) async throws(SMTPError) {
        let tls = configuration.security == .none ? nil : try Self.tlsContext(configuration.trust)
        let implicitTLS = configuration.security == .tls ? tls : nil
        let configuration = self.configuration
        try await SMTPConnection.withConnection(to: configuration, implicitTLS: implicitTLS, logger: logger) {
            (connection: inout SMTPConnection) async throws(SMTPError) in
            do throws(SMTPError) {
                try await session(
                    &connection, message: message, startTLS: configuration.security == .starttls ? tls : nil)
            } catch {
                // The server is still talking to us after a refusal (a reply, a missing extension): say goodbye.
                switch error.kind {
                case .reply, .startTLSUnavailable, .authUnavailable, .authUnsupported:
                    await connection.sendQuietly("QUIT")
                default: break
                }
                throw error
            }
        }
    }

    private func session(_ connection: inout SMTPConnection, message: [UInt8], startTLS: NIOSSLContext?)
        async throws(SMTPError)
    {
        let endpoint = "\(configuration.host):\(configuration.port)"
        try await expect([220], from: connection.reply(at: .greeting), at: .greeting)
        var extensions = try await hello(&connection)
        if let startTLS {
            guard extensions.offers("STARTTLS") else {
                throw SMTPError(.startTLSUnavailable, at: .ehlo, "\(endpoint) does not offer STARTTLS")
            }
            try await expect([220], from: connection.command("STARTTLS", at: .startTLS), at: .startTLS)
            try await connection.startTLS(
                context: startTLS, serverHostname: SMTPConnection.serverHostname(configuration.host))
            // RFC 3207 §4.2: forget everything learnt in clear; the extensions offered over TLS may differ.
            extensions = try await hello(&connection)
        }
        if let username = configuration.username, let password = configuration.password {
            try await authenticate(&connection, username: username, password: password, extensions: extensions)
        }
        try await expect(
            [250], from: connection.command("MAIL FROM:<\(configuration.from)>", at: .mailFrom), at: .mailFrom)
        for recipient in configuration.to {
            // 251: "user not local; will forward" is a success too.
            try await expect([250, 251], from: connection.command("RCPT TO:<\(recipient)>", at: .rcptTo), at: .rcptTo)
        }
        try await expect([354], from: connection.command("DATA", at: .data), at: .data)
        var payload = MIMEEncoding.dotStuffed(message)
        if !payload.ends(with: [0x0D, 0x0A]) { payload += [0x0D, 0x0A] }
        payload += Array(".\r\n".utf8)
        try await expect([250], from: connection.data(payload, at: .message), at: .message)
        // The message is accepted: a failed QUIT changes nothing.
        _ = try? await connection.command("QUIT", at: .quit)
        logger.info("email sent", metadata: ["server": "\(endpoint)", "recipients": "\(configuration.to.count)"])
    }

    /// `EHLO`, or `HELO` when the server answers EHLO with a permanent failure (RFC 5321 §3.2: an old server).
    private func hello(_ connection: inout SMTPConnection) async throws(SMTPError) -> SMTPExtensions {
        let ehlo = try await connection.command("EHLO \(configuration.heloName)", at: .ehlo)
        if ehlo.code == 250 { return SMTPExtensions(ehlo: ehlo) }
        guard ehlo.isPermanent else { throw SMTPError.reply(ehlo, at: .ehlo) }
        try await expect([250], from: connection.command("HELO \(configuration.heloName)", at: .helo), at: .helo)
        return SMTPExtensions()
    }

    /// `AUTH PLAIN` with an initial response (RFC 4616) when offered, else `AUTH LOGIN`. Credentials only ever
    /// go out after STARTTLS when `.starttls` is configured: `session` fails before this without it.
    private func authenticate(
        _ connection: inout SMTPConnection, username: String, password: String, extensions: SMTPExtensions
    ) async throws(SMTPError) {
        let endpoint = "\(configuration.host):\(configuration.port)"
        guard extensions.offers("AUTH") else {
            throw SMTPError(.authUnavailable, at: .auth, "\(endpoint) does not offer AUTH; credentials are configured")
        }
        let mechanisms = extensions.authMechanisms
        if mechanisms.contains("PLAIN") {
            let token = Self.base64("\0\(username)\0\(password)")
            let reply = try await connection.command("AUTH PLAIN \(token)", at: .auth, logAs: "AUTH PLAIN <redacted>")
            try expect([235], from: reply, at: .auth)
        } else if mechanisms.contains("LOGIN") {
            try await expect([334], from: connection.command("AUTH LOGIN", at: .auth), at: .auth)
            try await expect(
                [334], from: connection.command(Self.base64(username), at: .auth, logAs: "<username>"), at: .auth)
            try await expect(
                [235], from: connection.command(Self.base64(password), at: .auth, logAs: "<password>"), at: .auth)
        } else {
            let offered = mechanisms.isEmpty ? "no mechanism" : mechanisms.joined(separator: " ")
            throw SMTPError(
                .authUnsupported, at: .auth, "\(endpoint) offers AUTH \(offered); supported are PLAIN and LOGIN")
        }
    }

    private func expect(_ codes: Set<Int>, from reply: SMTPReply, at stage: SMTPStage) throws(SMTPError) {
        guard codes.contains(reply.code) else { throw SMTPError.reply(reply, at: stage) }
    }

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    /// A client context: TLS 1.2 or later, trusting what the configuration says.
    static func tlsContext(_ trust: EmailConfiguration.CertificateTrust) throws(SMTPError) -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        switch trust {
        case .default: break
        case .certificates(let certificates): tls.trustRoots = .certificates(certificates)
        case .noVerification: tls.certificateVerification = .none
        }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw SMTPError(.tls, at: .connect, "cannot set up TLS: \(error)")
        }
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
    }
}
