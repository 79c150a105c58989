import ArgumentParser
import Foundation
import OmiApps

/// The signing secrets of `sign` and `verify-signature`: `--secret` values first, then `--secret-env` ones, each
/// in the order given (secret #1 is the first). Secrets are never printed.
struct SecretOptions: ParsableArguments {
    @Option(
        name: .customLong("secret"),
        help: ArgumentHelp(
            "A signing secret (whsec_…); repeat for rotation, current first. Visible to other users in `ps`: "
                + "prefer --secret-env.", valueName: "secret"))
    var literal: [String] = []

    @Option(
        name: .customLong("secret-env"),
        help: ArgumentHelp(
            "The name of an environment variable holding a signing secret; repeatable.", valueName: "var"))
    var environment: [String] = []

    var isEmpty: Bool { literal.isEmpty && environment.isEmpty }

    /// The secrets in order; an unset or empty variable is a usage error naming the variable, never a value.
    func secrets() throws(CLIFailure) -> [String] {
        var secrets = literal
        for name in environment {
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw CLIFailure("--secret-env \(name): the environment variable is not set or empty", exitCode: 2)
            }
            secrets.append(value)
        }
        for (index, secret) in secrets.enumerated() where secret.isEmpty {
            throw CLIFailure("--secret: secret #\(index + 1) is empty", exitCode: 2)
        }
        return secrets
    }
}

/// Reads a request body: the file, or standard input when the path is nil or `-`.
func readBody(_ path: String?) throws(CLIFailure) -> [UInt8] {
    guard let path, path != "-" else { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CLIFailure("\(path): cannot read the body file")
    }
    return [UInt8](data)
}

/// `omi-bridge verify-signature`: checks an `X-Omi-Signature` header as an app's webhook server should.
struct VerifySignatureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-signature",
        abstract: "Check an X-Omi-Signature header against a webhook body, as an app's server should.",
        discussion: """
            The HMAC-SHA256 of "<t>.<uid>." + body is keyed by the whole secret string (whsec_… included). \
            Exit 0 printing 'valid: signed N s ago with secret #K' (K counts --secret values first, then \
            --secret-env ones); exit 1 with the reason: a malformed header, a timestamp outside the tolerance, \
            or no matching signature. The body must be the exact bytes received.
            """)

    @OptionGroup var secrets: SecretOptions

    @Option(name: .long, help: "The uid query value of the request (decoded).")
    var uid: String

    @Option(name: .long, help: "The X-Omi-Signature header value: t=<unix>,v1=<hex>[,v1=<hex>].")
    var header: String

    @Option(name: .customLong("body-file"), help: "The exact request body bytes. Default: standard input.")
    var bodyFile: String?

    @Option(name: .long, help: "Check as of this Unix time instead of now.")
    var now: Int?

    @Option(name: .long, help: "Allowed clock difference either way, in seconds.")
    var tolerance: Int = Int(WebhookSigner.defaultTolerance)

    func validate() throws {
        if secrets.isEmpty { throw ValidationError("give at least one --secret or --secret-env") }
        if tolerance < 0 { throw ValidationError("--tolerance: \(tolerance) is negative") }
    }

    func run() throws {
        let secrets = try self.secrets.secrets()
        let body = try readBody(bodyFile)
        var pasted = header.trimmingCharacters(in: .whitespaces)
        if pasted.lowercased().hasPrefix("x-omi-signature:") {
            pasted = String(pasted.dropFirst("x-omi-signature:".count)).trimmingCharacters(in: .whitespaces)
        }
        let value = pasted
        let at = now.map { Date(timeIntervalSince1970: TimeInterval($0)) } ?? Date()
        let check = { (body: [UInt8]) in
            WebhookSigner.verify(
                header: value, body: body, uid: uid, secrets: secrets, now: at, tolerance: TimeInterval(tolerance))
        }
        switch check(body) {
        case .success(let index):
            let timestamp = Int(value.split(separator: ",").first { $0.hasPrefix("t=") }?.dropFirst(2) ?? "") ?? 0
            let age = Int(at.timeIntervalSince1970) - timestamp
            let when = age >= 0 ? "\(age) s ago" : "\(-age) s in the future"
            print("valid: signed \(when) with secret #\(index + 1)")
        case .failure(let failure):
            var reason = "invalid: \(failure)"
            if failure == .noMatchingSignature {
                reason += hint(body: body, secrets: secrets, check: check)
            }
            throw CLIFailure(reason)
        }
    }

    /// Why a signature might not match, for the common mistakes; never shows a secret.
    private func hint(
        body: [UInt8], secrets: [String], check: ([UInt8]) -> Result<Int, WebhookSigner.Failure>
    ) -> String {
        if body.last == UInt8(ascii: "\n"), case .success = check(Array(body.dropLast())) {
            return " (it matches without the body's trailing newline: the file has one the sender did not sign)"
        }
        if let index = secrets.firstIndex(where: { !$0.hasPrefix(WebhookSigner.secretPrefix) }) {
            return
                " (secret #\(index + 1) does not start with \(WebhookSigner.secretPrefix): the key is the whole secret "
                + "string, prefix included)"
        }
        return " (check the uid, the secret and that the body is byte-for-byte what was received)"
    }
}

/// `omi-bridge sign`: the header the bridge would send, for an app author's own tests; or a new secret.
struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Print the X-Omi-Signature header value for a body (for tests), or a new whsec_ secret.",
        discussion: """
            With --new-secret, prints a fresh secret (whsec_ + 32 random bytes, base64url) and nothing else. \
            Otherwise prints t=<unix>,v1=<hex>… with one v1 per secret, in order, exactly as the bridge signs \
            a delivery.
            """)

    @Flag(name: .customLong("new-secret"), help: "Print a new signing secret instead.")
    var newSecret = false

    @OptionGroup var secrets: SecretOptions

    @Option(name: .long, help: "The uid query value of the request.")
    var uid: String?

    @Option(name: .customLong("body-file"), help: "The exact request body bytes. Default: standard input.")
    var bodyFile: String?

    @Option(name: .long, help: "Sign as of this Unix time instead of now.")
    var timestamp: Int?

    func validate() throws {
        if newSecret {
            guard secrets.isEmpty, uid == nil, bodyFile == nil, timestamp == nil else {
                throw ValidationError("--new-secret takes no other options")
            }
            return
        }
        if secrets.isEmpty { throw ValidationError("give at least one --secret or --secret-env (or --new-secret)") }
        if uid == nil { throw ValidationError("missing --uid") }
    }

    func run() throws {
        if newSecret {
            print(WebhookSigner.makeSecret())
            return
        }
        let secrets = try self.secrets.secrets()
        let body = try readBody(bodyFile)
        let t = timestamp ?? Int(Date().timeIntervalSince1970)
        print(WebhookSigner.signatureHeader(body: body, uid: uid ?? "", timestamp: t, secrets: secrets))
    }
}
