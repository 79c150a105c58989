import Foundation
import OmiApps
import OmiAudio
import Testing

@Suite("Webhook signing (omi-contract §3.6)")
struct WebhookSignerTests {
    // Known-answer vector, derived outside Swift on 2025 tooling and cross-checked two ways:
    //   t=1700000000 uid=user-123 body='{"id":"m1","text":"héllo"}'
    //   printf '%s' "$t.$uid.$body" | openssl dgst -sha256 -hmac "$secret"
    //   python3 -c 'import hmac,hashlib; print(hmac.new(secret, f"{t}.{uid}.{body}".encode(), hashlib.sha256).hexdigest())'
    // Both printed the digests below (the secret is whsec_ + unpadded base64url of bytes 0…31).
    static let secret = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
    static let previous = "whsec_previous"
    static let uid = "user-123"
    static let body = Array(#"{"id":"m1","text":"héllo"}"#.utf8)
    static let t = 1_700_000_000
    static let currentHex = "37f2e0fcd44ae4d704e8d9d1949a7f7d7b1869b588011fc0d34d83ace26f2106"
    static let previousHex = "1f45895b29a5e825a8d198eafbd042f0ad81d0b1e7c2df507bfd6093d5408bc5"

    static func at(_ offset: TimeInterval) -> Date { Date(timeIntervalSince1970: TimeInterval(t) + offset) }

    @Test("the header matches the openssl/python known-answer vector, current secret first")
    func knownAnswer() {
        let one = WebhookSigner.signatureHeader(
            body: Self.body, uid: Self.uid, timestamp: Self.t, secrets: [Self.secret])
        #expect(one == "t=1700000000,v1=\(Self.currentHex)")
        let two = WebhookSigner.signatureHeader(
            body: Self.body, uid: Self.uid, timestamp: Self.t, secrets: [Self.secret, Self.previous])
        #expect(two == "t=1700000000,v1=\(Self.currentHex),v1=\(Self.previousHex)")
    }

    @Test("secrets are whsec_ + 43 base64url characters (32 bytes, unpadded) and differ each time")
    func secretShape() {
        let a = WebhookSigner.makeSecret()
        let b = WebhookSigner.makeSecret()
        #expect(a != b)
        for s in [a, b] {
            #expect(s.hasPrefix("whsec_"))
            let tail = s.dropFirst(6)
            #expect(tail.count == 43)
            #expect(tail.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        }
    }

    @Test("a seeded generator gives a reproducible secret")
    func seededSecret() {
        var g1 = SplitMix64(seed: 7)
        var g2 = SplitMix64(seed: 7)
        #expect(WebhookSigner.makeSecret(using: &g1) == WebhookSigner.makeSecret(using: &g2))
    }

    @Test("verification accepts exactly ±300 s and refuses 301 s either way")
    func toleranceEdges() {
        let header = "t=\(Self.t),v1=\(Self.currentHex)"
        func check(_ offset: TimeInterval) -> Result<Int, WebhookSigner.Failure> {
            WebhookSigner.verify(
                header: header, body: Self.body, uid: Self.uid, secrets: [Self.secret], now: Self.at(offset))
        }
        #expect(check(0) == .success(0))
        #expect(check(300) == .success(0))
        #expect(check(-300) == .success(0))
        guard case .failure(.timestampTooOld) = check(300.001) else { Issue.record("300.001 s late accepted"); return }
        guard case .failure(.timestampTooOld(let age)) = check(301) else { Issue.record("301 s late accepted"); return }
        #expect(age == 301)
        guard case .failure(.timestampInFuture(let skew)) = check(-301) else {
            Issue.record("301 s early accepted"); return
        }
        #expect(skew == 301)
    }

    @Test("after a rotation the previous secret still verifies, and reports which secret matched")
    func rotation() {
        // A sender still on the old secret only.
        let old = WebhookSigner.signatureHeader(
            body: Self.body, uid: Self.uid, timestamp: Self.t, secrets: [Self.previous])
        let result = WebhookSigner.verify(
            header: old, body: Self.body, uid: Self.uid, secrets: [Self.secret, Self.previous], now: Self.at(0))
        #expect(result == .success(1))
        // A sender signing with both: the current one matches first.
        let both = WebhookSigner.signatureHeader(
            body: Self.body, uid: Self.uid, timestamp: Self.t, secrets: [Self.secret, Self.previous])
        #expect(
            WebhookSigner.verify(
                header: both, body: Self.body, uid: Self.uid, secrets: [Self.previous], now: Self.at(0))
                == .success(0))
        // Once the previous secret is dropped, the old-only header no longer verifies.
        #expect(
            WebhookSigner.verify(header: old, body: Self.body, uid: Self.uid, secrets: [Self.secret], now: Self.at(0))
                == .failure(.noMatchingSignature))
    }

    @Test("a tampered body, uid or timestamp fails with noMatchingSignature")
    func tampering() {
        let header = "t=\(Self.t),v1=\(Self.currentHex)"
        var body = Self.body
        body[body.count - 2] ^= 0x01
        #expect(
            WebhookSigner.verify(header: header, body: body, uid: Self.uid, secrets: [Self.secret], now: Self.at(0))
                == .failure(.noMatchingSignature))
        #expect(
            WebhookSigner.verify(
                header: header, body: Self.body, uid: "user-124", secrets: [Self.secret], now: Self.at(0))
                == .failure(.noMatchingSignature))
        let shifted = "t=\(Self.t + 1),v1=\(Self.currentHex)"
        #expect(
            WebhookSigner.verify(
                header: shifted, body: Self.body, uid: Self.uid, secrets: [Self.secret], now: Self.at(0))
                == .failure(.noMatchingSignature))
    }

    @Test(
        "malformed headers are named as such",
        arguments: [
            "", "v1=\(currentHex)", "t=abc,v1=\(currentHex)", "t=1700000000", "t=1700000000,v1=zz",
            "t=1700000000,v1=\(String(currentHex.dropLast()))", "t=1,t=2,v1=\(currentHex)", "garbage",
        ])
    func malformed(header: String) {
        let result = WebhookSigner.verify(
            header: header, body: Self.body, uid: Self.uid, secrets: [Self.secret], now: Self.at(0))
        guard case .failure(.malformedHeader) = result else {
            Issue.record("\(header) gave \(result)")
            return
        }
    }

    @Test("uppercase hex and spaces after commas are accepted; unknown schemes are ignored")
    func lenientParsing() {
        let header = "t=\(Self.t), v0=abc, v1=\(Self.currentHex.uppercased())"
        #expect(
            WebhookSigner.verify(
                header: header, body: Self.body, uid: Self.uid, secrets: [Self.secret], now: Self.at(0))
                == .success(0))
    }
}
