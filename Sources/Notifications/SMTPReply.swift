/// One SMTP reply (RFC 5321 §4.2): a three-digit code and one or more lines of text. A multi-line reply is
/// `250-first`, `250-second`, …, `250 last`; `lines` holds the texts without the code and separator.
struct SMTPReply: Sendable, Equatable {
    var code: Int
    var lines: [String]

    /// 2yz: the command succeeded.
    var isPositive: Bool { (200..<300).contains(code) }
    /// 3yz: more input is expected (`354` after `DATA`, `334` during `AUTH`).
    var isIntermediate: Bool { (300..<400).contains(code) }
    /// 4yz: a transient failure; the same command may succeed later.
    var isTransient: Bool { (400..<500).contains(code) }
    /// 5yz: a permanent failure.
    var isPermanent: Bool { (500..<600).contains(code) }

    /// The text of all lines joined, controls replaced and cut to a length fit for a failure reason.
    var summary: String {
        var text = lines.joined(separator: " ").unicodeScalars.map {
            $0.value < 0x20 || $0.value == 0x7F ? " " : String($0)
        }
        .joined()
        if text.count > 200 { text = String(text.prefix(200)) + "…" }
        return text.trimmingWhitespace()
    }
}

/// What `EHLO` advertised (RFC 5321 §4.1.1.1): each line after the first is a keyword and its parameters.
struct SMTPExtensions: Sendable, Equatable {
    /// Upper-cased keyword → its parameters, as sent.
    private(set) var keywords: [String: [String]] = [:]

    init() {}

    init(ehlo reply: SMTPReply) {
        for line in reply.lines.dropFirst() {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "=" }).map(String.init)
            guard let keyword = words.first?.uppercased() else { continue }
            // `AUTH=PLAIN LOGIN` is what some old servers send besides (or instead of) `AUTH PLAIN LOGIN`.
            keywords[keyword, default: []] += words.dropFirst()
        }
    }

    func offers(_ keyword: String) -> Bool { keywords[keyword.uppercased()] != nil }

    /// The `AUTH` mechanisms, upper-cased.
    var authMechanisms: [String] { (keywords["AUTH"] ?? []).map { $0.uppercased() } }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(scalars[first...last])
    }
}
