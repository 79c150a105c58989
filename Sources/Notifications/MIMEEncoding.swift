import Foundation

/// The encodings a mail message needs to carry any text through 7-bit SMTP: RFC 2047 encoded words for header
/// text, quoted-printable (RFC 2045 §6.7) for the body, the RFC 5322 date, and SMTP's dot-stuffing (RFC 5321
/// §4.5.2). Pure functions, tested on their own.
enum MIMEEncoding {
    /// An unstructured header value (`Subject`, the `X-Omi-Bridge-*` values): as it is when it is short printable
    /// ASCII, else as `=?UTF-8?B?…?=` encoded words folded onto continuation lines. CR, LF and other controls
    /// become spaces first, so a value can never start a header of its own.
    static func headerValue(_ text: String) -> String {
        let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.map { isControl($0) ? " " : $0 }))
        let plain =
            cleaned.unicodeScalars.allSatisfy { $0.isASCII } && !cleaned.contains("=?") && cleaned.utf8.count <= 900
        return plain ? cleaned : encodedWords(cleaned).joined(separator: "\r\n ")
    }

    /// RFC 2047 "B" encoded words, each at most 75 characters and holding whole code points (a word is
    /// decoded on its own, so a UTF-8 sequence must not be split across two).
    static func encodedWords(_ text: String) -> [String] {
        // 45 bytes → 60 base64 characters; with `=?UTF-8?B?` and `?=` that is 72.
        let maximumBytes = 45
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > maximumBytes {
                words.append(encodedWord(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append(encodedWord(chunk)) }
        return words
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String { "=?UTF-8?B?\(Data(bytes).base64EncodedString())?=" }

    /// `text` as a quoted-printable body with CRLF line breaks: any line ending (LF, CR, CRLF) becomes a hard
    /// break, lines are cut with soft breaks (`=` CRLF) at 76 characters, and `=`, non-ASCII bytes, controls and
    /// a space or tab ending a line are `=XX`. A soft break never falls inside a character's `=XX=XX`, so even a
    /// decoder that works line by line sees whole UTF-8 sequences. A line starting with `.` stays literal:
    /// dot-stuffing is SMTP's job.
    static func quotedPrintable(_ text: String) -> String {
        var out = ""
        for (index, line) in lines(of: text).enumerated() {
            if index > 0 { out += "\r\n" }
            let scalars = Array(line.unicodeScalars)
            var length = 0
            for (position, scalar) in scalars.enumerated() {
                let isLast = position == scalars.count - 1
                let value = scalar.value
                let literal =
                    ((0x21...0x7E).contains(value) && value != 0x3D) || ((value == 0x20 || value == 0x09) && !isLast)
                let token = literal ? String(scalar) : String(scalar).utf8.map { "=" + hex($0) }.joined()
                // 75 characters and a soft break's `=` make 76; the last token of a line may use the 76th.
                let limit = isLast ? 76 : 75
                if length + token.count > limit {
                    out += "=\r\n"
                    length = 0
                }
                out += token
                length += token.count
            }
        }
        return out
    }

    /// The lines of `text`, split at CRLF, LF or a lone CR.
    static func lines(of text: String) -> [Substring] {
        // Swift treats "\r\n" as one Character, so splitting on Characters handles all three.
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\r\n" || $0 == "\n" || $0 == "\r" })
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }

    /// An RFC 5322 §3.3 date in UTC: `Tue, 05 May 2026 09:03:07 +0000`. Written out by hand, not by a locale-aware
    /// formatter, so it is the same on every machine.
    static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.weekday, .day, .month, .year, .hour, .minute, .second], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String { value.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        let day = "\(days[(parts.weekday ?? 1) - 1]), \(two(parts.day)) \(months[(parts.month ?? 1) - 1]) \(parts.year ?? 1970)"
        return "\(day) \(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }

    /// The message as `DATA` carries it: a `.` starting a line gets a second `.` (the server removes it), so no
    /// line of the message can end the data early. Lines are CRLF-separated (the message is built that way).
    static func dotStuffed(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + message.count / 64)
        var lineStart = true
        for byte in message {
            if lineStart && byte == UInt8(ascii: ".") { out.append(byte) }
            out.append(byte)
            lineStart = byte == 0x0A
        }
        return out
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
    }
}
