/// Splits the bytes an SMTP server sends into replies. Bounded: a line longer than `maximumLineLength`, a reply of
/// more than `maximumLines` lines or a line that is not `DDD`, `DDD text` or `DDD-text` is a protocol error, so a
/// server that sends garbage (or is not an SMTP server at all) fails the attempt instead of filling memory.
///
/// Lenient where real servers are: a bare LF ends a line as CRLF does, and text that is not UTF-8 is kept with
/// replacement characters.
struct SMTPReplyParser {
    struct ProtocolError: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    /// RFC 5321 §4.5.3.1.5 allows 512 octets per reply line; twice that leaves room for chatty servers.
    static let maximumLineLength = 1_024
    /// Generous for an EHLO reply (a dozen extensions is typical).
    static let maximumLines = 100

    private var buffer: [UInt8] = []
    private var scanned = 0
    private var code: Int?
    private var lines: [String] = []

    /// Bytes received but not yet part of a complete reply.
    var pendingByteCount: Int { buffer.count }

    mutating func append(_ bytes: some Sequence<UInt8>) { buffer.append(contentsOf: bytes) }

    /// The next complete reply, nil when more bytes are needed.
    mutating func next() throws(ProtocolError) -> SMTPReply? {
        while let newline = buffer[scanned...].firstIndex(of: 0x0A) {
            var end = newline
            if end > 0, buffer[end - 1] == 0x0D { end -= 1 }
            guard end <= Self.maximumLineLength else { throw Self.overlong() }
            let line = Array(buffer[..<end])
            buffer.removeSubrange(...newline)
            scanned = 0
            if let reply = try consume(line) { return reply }
        }
        scanned = buffer.count
        guard buffer.count <= Self.maximumLineLength else { throw Self.overlong() }
        return nil
    }

    /// Adds one line to the reply being read; the reply when this line was its last.
    private mutating func consume(_ line: [UInt8]) throws(ProtocolError) -> SMTPReply? {
        guard line.count >= 3, line.count == 3 || line[3] == 0x20 || line[3] == 0x2D,
            let value = Self.code(line[0], line[1], line[2])
        else {
            throw ProtocolError(description: "not an SMTP reply line: \"\(Self.snippet(line))\"")
        }
        if let code, code != value {
            throw ProtocolError(description: "reply code changed from \(code) to \(value) inside a multi-line reply")
        }
        code = value
        lines.append(line.count > 4 ? String(decoding: line[4...], as: UTF8.self) : "")
        guard lines.count <= Self.maximumLines else {
            throw ProtocolError(description: "reply longer than \(Self.maximumLines) lines")
        }
        let isLast = line.count == 3 || line[3] == 0x20
        guard isLast else { return nil }
        defer {
            code = nil
            lines = []
        }
        return SMTPReply(code: value, lines: lines)
    }

    /// `2`–`5`, `0`–`5`, `0`–`9` (RFC 5321 §4.2: the first digit says success/failure, the second the category).
    private static func code(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int? {
        guard (0x32...0x35).contains(a), (0x30...0x35).contains(b), (0x30...0x39).contains(c) else { return nil }
        return Int(a - 0x30) * 100 + Int(b - 0x30) * 10 + Int(c - 0x30)
    }

    private static func overlong() -> ProtocolError {
        ProtocolError(description: "reply line longer than \(maximumLineLength) bytes")
    }

    /// The first bytes of a bad line, printable, for the failure reason.
    private static func snippet(_ line: [UInt8]) -> String {
        let text = line.prefix(40).map { (0x20..<0x7F).contains($0) ? String(UnicodeScalar($0)) : "." }.joined()
        return line.count > 40 ? text + "…" : text
    }
}
