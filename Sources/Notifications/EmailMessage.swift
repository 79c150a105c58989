import Foundation

/// One notification as an RFC 5322 message: the headers a mail client needs to show and thread it, the
/// bridge's own `X-Omi-Bridge-*` headers for filters, and a UTF-8 text body sent quoted-printable (7-bit clean, so
/// no server needs `8BITMIME`, and still readable in a raw dump).
struct EmailMessage: Sendable, Equatable {
    struct Header: Sendable, Equatable {
        var name: String
        /// Already encoded for the wire (see `MIMEEncoding.headerValue`); may contain folded continuation lines.
        var value: String
    }

    var headers: [Header]
    /// The text before transfer encoding.
    var text: String

    init(_ message: ChannelMessage, configuration: EmailConfiguration) {
        let domain = Self.messageIDDomain(configuration.from)
        var headers = [
            Header(name: "Date", value: MIMEEncoding.rfc5322Date(message.createdAt)),
            Header(name: "From", value: configuration.from),
            // One address per line: a long recipient list never exceeds the 998-character line limit.
            Header(name: "To", value: configuration.to.joined(separator: ",\r\n ")),
            Header(name: "Subject", value: MIMEEncoding.headerValue(message.title)),
            Header(name: "Message-ID", value: "<\(Self.messageIDLocalPart(message.notificationID))@\(domain)>"),
            Header(name: "MIME-Version", value: "1.0"),
            Header(name: "Content-Type", value: "text/plain; charset=utf-8"),
            Header(name: "Content-Transfer-Encoding", value: "quoted-printable"),
            // RFC 3834: vacation responders and list servers must not answer an automatic message.
            Header(name: "Auto-Submitted", value: "auto-generated"),
            Header(name: "X-Omi-Bridge-Category", value: MIMEEncoding.headerValue(message.category)),
            Header(name: "X-Omi-Bridge-Notification-Id", value: MIMEEncoding.headerValue(message.notificationID)),
        ]
        if let appID = message.appID {
            headers.append(Header(name: "X-Omi-Bridge-App-Id", value: MIMEEncoding.headerValue(appID)))
        }
        self.headers = headers
        self.text = Self.text(of: message)
    }

    /// The body text: the title, the subtitle when there is one, a blank line, the body.
    static func text(of message: ChannelMessage) -> String {
        var lines = [message.title]
        if let subtitle = message.subtitle, !subtitle.isEmpty { lines.append(subtitle) }
        lines += ["", message.body]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The message on the wire, before dot-stuffing: CRLF line endings throughout, ending with CRLF.
    var rendered: [UInt8] {
        var out = ""
        for header in headers { out += "\(header.name): \(header.value)\r\n" }
        out += "\r\n"
        out += MIMEEncoding.quotedPrintable(text)
        if !out.hasSuffix("\r\n") { out += "\r\n" }
        return Array(out.utf8)
    }

    /// The notification id with anything outside RFC 5322 `atext` (and `.`) replaced, so it is a valid id-left.
    private static func messageIDLocalPart(_ id: String) -> String {
        let allowed = Set(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~.".unicodeScalars)
        let cleaned = String(String.UnicodeScalarView(id.unicodeScalars.map { allowed.contains($0) ? $0 : "-" }))
        let trimmed = cleaned.trimmingCharacters(in: CharacterSet(charactersIn: "."))
        return trimmed.isEmpty ? UUID().uuidString.lowercased() : trimmed
    }

    /// The sender's domain (the configuration checked it has one), restricted to host-name characters.
    private static func messageIDDomain(_ from: String) -> String {
        let domain = from.split(separator: "@").last.map(String.init) ?? "omi-bridge.invalid"
        let hostLike = domain.unicodeScalars.allSatisfy {
            $0.isASCII
                && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-.[]:".unicodeScalars.contains($0))
        }
        return hostLike && !domain.isEmpty ? domain : "omi-bridge.invalid"
    }
}
