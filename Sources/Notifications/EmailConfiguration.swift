public import NIOSSL

/// Where and how the `email` channel submits mail: one SMTP server, one sender, one or more recipients.
///
/// Validated when made: every address and name that ends up in an SMTP command or a header is checked for the
/// characters that would let it inject another command or header (CR, LF, `<`, `>`, spaces, controls).
/// The password is never part of `description`, `debugDescription` or a mirror, so logging or dumping a
/// configuration is safe.
public struct EmailConfiguration: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// How the connection is protected.
    public enum Security: String, Sendable, Equatable, CaseIterable {
        /// Plain connection, then `STARTTLS` (RFC 3207) before anything else, on the submission port 587. Required,
        /// not opportunistic: a server that does not offer STARTTLS gets no credentials and no mail.
        case starttls
        /// TLS from the first byte ("implicit TLS", RFC 8314), on port 465.
        case tls
        /// No TLS at all. For a relay on the same host or a trusted network only: credentials, if set, go in clear.
        case none

        /// The port that goes with the mode when none is given.
        public var defaultPort: Int {
            switch self {
            case .starttls: 587
            case .tls: 465
            case .none: 25
            }
        }
    }

    /// Which server certificates are accepted (for `.starttls` and `.tls`).
    public enum CertificateTrust: Sendable, Equatable {
        /// The system's trust store, with host name verification.
        case `default`
        /// Only certificates issued by (or equal to) these, with host name verification against `host` (or its IP
        /// address when `host` is one). For a private CA or a self-signed relay certificate.
        case certificates([NIOSSLCertificate])
        /// Any certificate. Encrypts but does not authenticate the server: for tests and local relays only.
        case noVerification
    }

    /// The SMTP server's host name or IP address.
    public let host: String
    public let port: Int
    public let security: Security
    public let trust: CertificateTrust
    /// For `AUTH PLAIN` / `AUTH LOGIN`; nil sends no `AUTH`.
    public let username: String?
    let password: String?
    /// The envelope sender (`MAIL FROM`) and the `From:` header.
    public let from: String
    /// The envelope recipients (`RCPT TO`) and the `To:` header; never empty.
    public let to: [String]
    /// The name this host gives in `EHLO` / `HELO`.
    public let heloName: String
    /// Bounds the TCP connect.
    public let connectTimeout: Duration
    /// Bounds each command from its write to the end of its reply (the TLS handshake counts towards the command
    /// after it; the message counts as one command, from its first byte to the server's `250`).
    public let commandTimeout: Duration

    /// Whether a password is set, for status output that must not show it.
    public var hasCredentials: Bool { username != nil && password != nil }

    /// - Parameters:
    ///   - port: defaults to `security.defaultPort` (587 for `.starttls`, 465 for `.tls`, 25 for `.none`).
    ///   - username, password: both or neither.
    /// - Throws: `EmailConfigurationError` naming the field at fault.
    public init(
        host: String, port: Int? = nil, security: Security = .starttls, trust: CertificateTrust = .default,
        username: String? = nil, password: String? = nil, from: String, to: [String],
        heloName: String = "localhost", connectTimeout: Duration = .seconds(10), commandTimeout: Duration = .seconds(30)
    ) throws(EmailConfigurationError) {
        let port = port ?? security.defaultPort
        guard !host.isEmpty, host.unicodeScalars.allSatisfy(Self.isHostScalar) else {
            throw EmailConfigurationError(field: "host", message: "not a host name or IP address: \"\(host)\"")
        }
        guard (1...65_535).contains(port) else {
            throw EmailConfigurationError(field: "port", message: "\(port) is not a TCP port (1–65535)")
        }
        guard (username == nil) == (password == nil) else {
            throw EmailConfigurationError(field: "username", message: "username and password go together")
        }
        if let username, username.isEmpty || username.unicodeScalars.contains(where: Self.isControl) {
            throw EmailConfigurationError(field: "username", message: "empty or contains control characters")
        }
        if let password, password.isEmpty || password.unicodeScalars.contains(where: Self.isControl) {
            // The password itself is not quoted: the message goes to logs.
            throw EmailConfigurationError(field: "password", message: "empty or contains control characters")
        }
        try Self.checkAddress(from, field: "from")
        guard !to.isEmpty else {
            throw EmailConfigurationError(field: "to", message: "at least one recipient is needed")
        }
        for (index, address) in to.enumerated() { try Self.checkAddress(address, field: "to[\(index)]") }
        guard !heloName.isEmpty, heloName.unicodeScalars.allSatisfy(Self.isHostScalar) else {
            throw EmailConfigurationError(field: "helo_name", message: "not a host name: \"\(heloName)\"")
        }
        guard connectTimeout > .zero, commandTimeout > .zero else {
            throw EmailConfigurationError(field: "timeouts", message: "must be positive")
        }
        self.host = host
        self.port = port
        self.security = security
        self.trust = trust
        self.username = username
        self.password = password
        self.from = from
        self.to = to
        self.heloName = heloName
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    /// `smtp+starttls://user@host:587 from a@b.c to x@y.z` — never the password.
    public var description: String {
        let scheme =
            switch security {
            case .starttls: "smtp+starttls"
            case .tls: "smtps"
            case .none: "smtp"
            }
        let user = username.map { "\($0)@" } ?? ""
        let trustNote = trust == .noVerification ? " (certificate not verified)" : ""
        return "\(scheme)://\(user)\(host):\(port)\(trustNote) from \(from) to \(to.joined(separator: ", "))"
    }

    public var debugDescription: String { "EmailConfiguration(\(description))" }

    /// Keeps `dump` and reflection-based printing from showing the password.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "host": host, "port": port, "security": security, "username": username as Any,
                "password": password == nil ? "nil" : "<redacted>", "from": from, "to": to, "heloName": heloName,
                "connectTimeout": connectTimeout, "commandTimeout": commandTimeout,
            ])
    }

    // MARK: Validation

    /// A mailbox as SMTP carries it inside `<…>`: printable, no spaces or angle brackets, a local part and a domain.
    private static func checkAddress(_ address: String, field: String) throws(EmailConfigurationError) {
        let scalars = address.unicodeScalars
        let forbidden = scalars.contains { isControl($0) || $0 == " " || $0 == "<" || $0 == ">" || $0 == "," }
        guard !forbidden, let at = address.lastIndex(of: "@"), at != address.startIndex,
            address.index(after: at) != address.endIndex, address.utf8.count <= 254
        else {
            throw EmailConfigurationError(field: field, message: "not an email address: \"\(printable(address))\"")
        }
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
    }

    /// Letters, digits, `-`, `.`, `_`, and `:` `[` `]` for IPv6 literals.
    private static func isHostScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII
            && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                || "-._:[]".unicodeScalars.contains(scalar))
    }

    /// The input with controls escaped, for an error message that must stay on one line.
    private static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            out += isControl(scalar) ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
        }
        return out
    }
}

/// An invalid `EmailConfiguration`: which field, and what is wrong with it.
public struct EmailConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field as the config file names it (`host`, `to[1]`, `helo_name`, …).
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "email.\(field): \(message)" }
}
