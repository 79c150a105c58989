import Crypto
public import Foundation

/// Signs and verifies webhook deliveries with `X-Omi-Signature` (omi-contract §3.6).
///
/// The header is `t=<unix>,v1=<hex>[,v1=<hex>]`: one lowercase-hex HMAC-SHA256 per active secret, the current
/// secret first and the previous one (valid for 24 h after a rotation) second. Each HMAC is keyed by the whole
/// secret string (`whsec_…`) as UTF-8 and covers `"<t>.<uid>." + body`, where `uid` is the decoded query value
/// and `body` the exact bytes sent. Verification allows 300 s of clock difference either way and compares
/// signatures in constant time.
public enum WebhookSigner {
    /// The prefix of every secret.
    public static let secretPrefix = "whsec_"
    /// The default verification window, either way (omi-contract §3.6).
    public static let defaultTolerance: TimeInterval = 300

    /// Why a signature did not verify.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The header is not `t=<int>,v1=<64 hex>[,v1=…]`; the string says what is wrong.
        case malformedHeader(String)
        /// `t` is more than the tolerance in the past; `age` is in seconds.
        case timestampTooOld(age: TimeInterval)
        /// `t` is more than the tolerance in the future; `skew` is in seconds.
        case timestampInFuture(skew: TimeInterval)
        /// No `v1` matched any of the given secrets.
        case noMatchingSignature

        public var description: String {
            switch self {
            case .malformedHeader(let why): "malformed X-Omi-Signature header: \(why)"
            case .timestampTooOld(let age): "signature timestamp is \(Int(age)) s old (tolerance exceeded)"
            case .timestampInFuture(let skew):
                "signature timestamp is \(Int(skew)) s in the future (tolerance exceeded)"
            case .noMatchingSignature: "no v1 signature matches any secret"
            }
        }
    }

    /// A new secret: `whsec_` + unpadded base64url of 32 random bytes (as Python's `secrets.token_urlsafe(32)`).
    public static func makeSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return makeSecret(using: &generator)
    }

    /// A new secret drawn from `generator`; tests pass a seeded one.
    public static func makeSecret(using generator: inout some RandomNumberGenerator) -> String {
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return secretPrefix + base64URL(bytes)
    }

    /// The `X-Omi-Signature` value for `body` sent to `uid` at `timestamp`, one `v1` per secret in order
    /// (current first).
    public static func signatureHeader(body: [UInt8], uid: String, timestamp: Int, secrets: [String]) -> String {
        let signatures = secrets.map { "v1=" + hex(mac(body: body, uid: uid, timestamp: timestamp, secret: $0)) }
        return (["t=\(timestamp)"] + signatures).joined(separator: ",")
    }

    /// Checks `header` against `body` and `uid`. On success returns the index in `secrets` of the secret that
    /// matched (0 = current). Every `v1` is checked against every secret; the comparison is constant-time.
    public static func verify(
        header: String, body: [UInt8], uid: String, secrets: [String], now: Date,
        tolerance: TimeInterval = defaultTolerance
    ) -> Result<Int, Failure> {
        let parsed: (timestamp: Int, signatures: [[UInt8]])
        switch parse(header) {
        case .success(let value): parsed = value
        case .failure(let failure): return .failure(failure)
        }
        let age = now.timeIntervalSince1970 - TimeInterval(parsed.timestamp)
        if age > tolerance { return .failure(.timestampTooOld(age: age)) }
        if -age > tolerance { return .failure(.timestampInFuture(skew: -age)) }
        for (index, secret) in secrets.enumerated() {
            let expected = mac(body: body, uid: uid, timestamp: parsed.timestamp, secret: secret)
            // Check every candidate, so timing does not reveal which one matched.
            var matched = false
            for candidate in parsed.signatures where constantTimeEqual(candidate, expected) { matched = true }
            if matched { return .success(index) }
        }
        return .failure(.noMatchingSignature)
    }

    // MARK: - Pieces

    static func mac(body: [UInt8], uid: String, timestamp: Int, secret: String) -> [UInt8] {
        let key = SymmetricKey(data: Array(secret.utf8))
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Array("\(timestamp).\(uid).".utf8))
        hmac.update(data: body)
        return Array(hmac.finalize())
    }

    static func parse(_ header: String) -> Result<(timestamp: Int, signatures: [[UInt8]]), Failure> {
        var timestamp: Int?
        var signatures: [[UInt8]] = []
        for part in header.split(separator: ",", omittingEmptySubsequences: false) {
            let item = part.trimmingCharacters(in: .whitespaces)
            guard let eq = item.firstIndex(of: "=") else { return .failure(.malformedHeader("'\(item)' has no '='")) }
            let key = item[..<eq]
            let value = String(item[item.index(after: eq)...])
            switch key {
            case "t":
                guard timestamp == nil else { return .failure(.malformedHeader("more than one t")) }
                guard let t = Int(value) else { return .failure(.malformedHeader("t '\(value)' is not an integer")) }
                timestamp = t
            case "v1":
                guard value.utf8.count == 64, let bytes = unhex(value) else {
                    return .failure(.malformedHeader("v1 '\(value)' is not 64 hex digits"))
                }
                signatures.append(bytes)
            default:
                continue  // Unknown schemes (a future v2) are ignored, as Stripe-style verifiers do.
            }
        }
        guard let timestamp else { return .failure(.malformedHeader("no t")) }
        guard !signatures.isEmpty else { return .failure(.malformedHeader("no v1")) }
        return .success((timestamp, signatures))
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func unhex(_ string: String) -> [UInt8]? {
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        let chars = Array(string.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
