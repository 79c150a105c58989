import Foundation
import Testing

@Suite("omi-bridge sign / verify-signature")
struct SignatureCommandTests {
    static let secret = "whsec_test-secret-Z3Vlc3MgbWU"
    static let uid = "u_test"
    static let t = 1_767_000_000

    /// The current environment plus `extra`, so the binary still finds what it needs.
    static func environment(_ extra: [String: String]) -> [String: String] {
        ProcessInfo.processInfo.environment.merging(extra) { $1 }
    }

    static func sign(_ body: String, in dir: URL, secrets: [String] = [secret], timestamp: Int = t) async throws -> String {
        let file = dir.appendingPathComponent("signed-body.json")
        try Data(body.utf8).write(to: file)
        let result = try await CLI.run(
            ["sign", "--uid", uid, "--body-file", file.path, "--timestamp", "\(timestamp)"]
                + secrets.flatMap { ["--secret", $0] })
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .newlines)
    }

    static func verify(
        header: String, body: String, in dir: URL, now: Int, extra: [String] = []
    ) async throws -> CLI.Result {
        let file = dir.appendingPathComponent("received-body.json")
        try Data(body.utf8).write(to: file)
        return try await CLI.run(
            [
                "verify-signature", "--secret-env", "APP_SECRET", "--uid", uid, "--header", header, "--body-file",
                file.path,
                "--now", "\(now)",
            ] + extra,
            environment: environment(["APP_SECRET": secret]))
    }

    @Test("--new-secret prints a fresh whsec_ secret of 32 random bytes, different each time")
    func newSecret() async throws {
        let a = try await CLI.run(["sign", "--new-secret"])
        let b = try await CLI.run(["sign", "--new-secret"])
        #expect(a.status == 0 && b.status == 0)
        let secret = a.stdout.trimmingCharacters(in: .newlines)
        #expect(secret.hasPrefix("whsec_") && secret.count == 6 + 43, "\(secret)")
        #expect(secret.dropFirst(6).allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(a.stdout != b.stdout)
        let mixed = try await CLI.run(["sign", "--new-secret", "--uid", "u"])
        #expect(mixed.status == 2)
        #expect(mixed.stderr.contains("--new-secret takes no other options"))
    }

    @Test("sign then verify round trip: valid with the secret's number and the age; the secret is never printed")
    func roundTrip() async throws {
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let body = #"{"id": "c1", "structured": {"title": "Deck"}}"#
        let header = try await Self.sign(body, in: dir)
        #expect(header.hasPrefix("t=\(Self.t),v1=") && header.count == "t=\(Self.t),v1=".count + 64, "\(header)")
        let ok = try await Self.verify(header: header, body: body, in: dir, now: Self.t + 5)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout == "valid: signed 5 s ago with secret #1\n")
        #expect(!ok.stdout.contains(Self.secret) && !ok.stderr.contains(Self.secret))

        // The name of the header may be pasted along with the value.
        let pasted = try await Self.verify(header: "X-Omi-Signature: \(header)", body: body, in: dir, now: Self.t)
        #expect(pasted.stdout == "valid: signed 0 s ago with secret #1\n", "\(pasted.stderr)")

        // Rotation: a header from the old secret matches the second one given.
        let old = "whsec_previous"
        let rotated = try await Self.sign(body, in: dir, secrets: [old])
        let file = dir.appendingPathComponent("b")
        try Data(body.utf8).write(to: file)
        let second = try await CLI.run(
            [
                "verify-signature", "--secret", "whsec_current", "--secret", old, "--uid", Self.uid, "--header",
                rotated,
                "--body-file", file.path, "--now", "\(Self.t + 60)",
            ])
        #expect(second.stdout == "valid: signed 60 s ago with secret #2\n", "\(second.stderr)")
        #expect(!second.stdout.contains(old) && !second.stderr.contains(old))
    }

    @Test("A tampered body, another uid, an old or future timestamp and a malformed header exit 1 with the reason")
    func failures() async throws {
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let body = #"{"segments": [{"text": "hello"}]}"#
        let header = try await Self.sign(body, in: dir)
        let cases: [(String, String, Int, String)] = [
            (
                header, body.replacingOccurrences(of: "hello", with: "hullo"), Self.t,
                "no v1 signature matches any secret"
            ),
            (header, body + "\n", Self.t, "it matches without the body's trailing newline"),
            (header, body, Self.t + 301, "signature timestamp is 301 s old (tolerance exceeded)"),
            (header, body, Self.t - 400, "signature timestamp is 400 s in the future (tolerance exceeded)"),
            ("t=soon,v1=00", body, Self.t, "malformed X-Omi-Signature header: t 'soon' is not an integer"),
            ("t=\(Self.t)", body, Self.t, "malformed X-Omi-Signature header: no v1"),
        ]
        for (header, received, now, reason) in cases {
            let result = try await Self.verify(header: header, body: received, in: dir, now: now)
            #expect(result.status == 1, "\(reason): \(result.stdout)")
            #expect(result.stderr.hasPrefix("omi-bridge: invalid: "), "\(result.stderr)")
            #expect(result.stderr.contains(reason), "\(result.stderr)")
            #expect(!result.stdout.contains(Self.secret) && !result.stderr.contains(Self.secret))
        }
        // A wider tolerance accepts the old one.
        let lenient = try await Self.verify(
            header: header, body: body, in: dir, now: Self.t + 301, extra: ["--tolerance", "600"])
        #expect(lenient.status == 0, "\(lenient.stderr)")
        // Another uid signs different bytes.
        let file = dir.appendingPathComponent("b")
        try Data(body.utf8).write(to: file)
        let otherUID = try await CLI.run(
            [
                "verify-signature", "--secret", Self.secret, "--uid", "someone_else", "--header", header, "--body-file",
                file.path,
                "--now", "\(Self.t)",
            ])
        #expect(otherUID.status == 1)
        #expect(otherUID.stderr.contains("no v1 signature matches any secret"))
        #expect(!otherUID.stderr.contains(Self.secret))
    }

    @Test("Usage errors exit 2 naming the option; an unreadable body file exits 1 naming it")
    func usage() async throws {
        let missingSecret = try await CLI.run([
            "verify-signature", "--uid", "u", "--header", "t=1,v1=00", "--body-file", "/dev/null",
        ])
        #expect(missingSecret.status == 2)
        #expect(missingSecret.stderr.contains("give at least one --secret or --secret-env"))
        let unset = try await CLI.run(
            [
                "verify-signature", "--secret-env", "NO_SUCH_VAR_FOR_OMI", "--uid", "u", "--header", "t=1,v1=00",
                "--body-file",
                "/dev/null",
            ])
        #expect(unset.status == 2)
        #expect(unset.stderr.contains("--secret-env NO_SUCH_VAR_FOR_OMI: the environment variable is not set or empty"))
        let noFile = try await CLI.run(["sign", "--secret", "whsec_x", "--uid", "u", "--body-file", "/nonexistent/body"])
        #expect(noFile.status == 1)
        #expect(noFile.stderr == "omi-bridge: /nonexistent/body: cannot read the body file\n")
    }
}
