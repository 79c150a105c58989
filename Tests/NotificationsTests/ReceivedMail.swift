import Foundation

/// A received message taken apart the way a mail client does, written independently of the channel's encoder:
/// headers unfolded, encoded words and the quoted-printable body decoded.
struct ReceivedMail {
    /// Header names lower-cased; values unfolded, still encoded.
    var headers: [String: String] = [:]
    var rawBody: String

    init(_ message: String) {
        let parts = message.components(separatedBy: "\r\n\r\n")
        rawBody = parts.dropFirst().joined(separator: "\r\n\r\n")
        let unfolded = (parts.first ?? "").replacingOccurrences(of: "\r\n ", with: " ")
        for line in unfolded.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].dropFirst())
        }
    }

    /// The decoded body (`Content-Transfer-Encoding: quoted-printable`), line breaks as LF.
    var body: String? { Self.decodeQuotedPrintable(rawBody) }

    /// A header value with RFC 2047 encoded words decoded (whitespace between adjacent words dropped).
    func decoded(_ name: String) -> String? {
        guard let value = headers[name.lowercased()] else { return nil }
        let pattern = try! NSRegularExpression(
            pattern: #"=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=(\s+(?==\?))?"#, options: [.caseInsensitive])
        var bytes: [UInt8] = []
        var last = value.startIndex
        for match in pattern.matches(in: value, range: NSRange(value.startIndex..., in: value)) {
            let whole = Range(match.range, in: value)!
            bytes += Array(value[last..<whole.lowerBound].utf8)
            guard let data = Data(base64Encoded: String(value[Range(match.range(at: 1), in: value)!])) else {
                return nil
            }
            bytes += data
            last = whole.upperBound
        }
        bytes += Array(value[last...].utf8)
        return String(validating: bytes, as: UTF8.self)
    }

    static func decodeQuotedPrintable(_ text: String) -> String? {
        let joined = Array(text.replacingOccurrences(of: "=\r\n", with: "").utf8)
        var bytes: [UInt8] = []
        var i = 0
        while i < joined.count {
            if joined[i] == UInt8(ascii: "=") {
                guard i + 2 < joined.count,
                    let value = UInt8(String(decoding: joined[(i + 1)...(i + 2)], as: UTF8.self), radix: 16)
                else { return nil }
                bytes.append(value)
                i += 3
            } else {
                bytes.append(joined[i])
                i += 1
            }
        }
        return String(validating: bytes, as: UTF8.self)?.replacingOccurrences(of: "\r\n", with: "\n")
    }
}
