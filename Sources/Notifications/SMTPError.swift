/// The step of an SMTP session a failure happened at, as failure reasons name it.
enum SMTPStage: String, Sendable, Equatable {
    case connect
    case greeting
    case ehlo = "EHLO"
    case helo = "HELO"
    case startTLS = "STARTTLS"
    case auth = "AUTH"
    case mailFrom = "MAIL FROM"
    case rcptTo = "RCPT TO"
    case data = "DATA"
    /// The message itself, from its first byte to the server's reply to the final `.`.
    case message = "end of data"
    case quit = "QUIT"
}

/// Why an SMTP session failed: what went wrong, at which step, and whether another attempt can help. Its
/// `description` is the delivery's failure reason; it never holds a password (the channel redacts the
/// credentials from it as well, in case a server echoes them back).
struct SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        /// No TCP connection (refused, unreachable, name not found).
        case unreachable
        case connectTimeout
        /// No complete reply within the command timeout.
        case commandTimeout
        /// The server closed the connection (or it broke) before replying.
        case closed
        /// The server answered with a code the step does not accept.
        case reply(code: Int)
        /// The bytes are not SMTP: garbage, an overlong line, a malformed multi-line reply.
        case protocolViolation
        /// `.starttls` is configured and the server does not offer STARTTLS.
        case startTLSUnavailable
        /// Credentials are configured and the server does not offer AUTH.
        case authUnavailable
        /// The server offers only AUTH mechanisms the bridge does not speak.
        case authUnsupported
        /// The TLS handshake (or TLS set-up) failed: an untrusted certificate, a wrong host name, no common cipher.
        case tls
    }

    var kind: Kind
    var stage: SMTPStage
    /// Human detail: the server's reply text, the connect error, the offending line.
    var detail: String

    init(_ kind: Kind, at stage: SMTPStage, _ detail: String) {
        self.kind = kind
        self.stage = stage
        self.detail = detail
    }

    /// A reply the step did not accept: `SMTP 451 at RCPT TO: 4.3.0 try again later`.
    static func reply(_ reply: SMTPReply, at stage: SMTPStage) -> SMTPError {
        SMTPError(.reply(code: reply.code), at: stage, reply.summary)
    }

    /// Network trouble and 4xx replies are transient (RFC 5321 §4.2.1); everything else is final.
    var retryable: Bool {
        switch kind {
        case .unreachable, .connectTimeout, .commandTimeout, .closed: true
        case .reply(let code): (400..<500).contains(code)
        case .protocolViolation, .startTLSUnavailable, .authUnavailable, .authUnsupported, .tls: false
        }
    }

    var description: String {
        let suffix = detail.isEmpty ? "" : ": \(detail)"
        return switch kind {
        case .unreachable: "SMTP connect failed\(suffix)"
        case .connectTimeout: "SMTP connect timed out\(suffix)"
        case .commandTimeout: "SMTP timeout at \(stage.rawValue)\(suffix)"
        case .closed: "SMTP connection closed at \(stage.rawValue)\(suffix)"
        case .reply(let code): "SMTP \(code) at \(stage.rawValue)\(suffix)"
        case .protocolViolation: "SMTP protocol error at \(stage.rawValue)\(suffix)"
        case .startTLSUnavailable: "STARTTLS_UNAVAILABLE\(suffix)"
        case .authUnavailable: "AUTH_UNAVAILABLE\(suffix)"
        case .authUnsupported: "AUTH_UNSUPPORTED\(suffix)"
        case .tls: "TLS failure at \(stage.rawValue)\(suffix)"
        }
    }
}
