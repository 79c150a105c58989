import Foundation
import NIOSSL
import OmiAudio
import Testing

/// A self-signed certificate made by `openssl` at test time (valid one day), so no key is checked in: `shared()`
/// for `localhost` / 127.0.0.1, `elsewhere()` for another host. Each is made once per test process.
struct TestCertificate: Sendable {
    var certificate: NIOSSLCertificate
    var key: NIOSSLPrivateKey

    var serverConfiguration: TLSConfiguration {
        TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(certificate)], privateKey: .privateKey(key))
    }

    static func shared() throws -> TestCertificate { try local.get() }
    static func elsewhere() throws -> TestCertificate { try other.get() }

    private static let local = Result {
        try make(commonName: "localhost", alternativeNames: "DNS:localhost,IP:127.0.0.1")
    }
    private static let other = Result { try make(commonName: "elsewhere.test", alternativeNames: "DNS:elsewhere.test") }

    private static func make(commonName: String, alternativeNames: String) throws -> TestCertificate {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "omi-smtp-cert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificatePath = directory.appendingPathComponent("cert.pem").path
        let keyPath = directory.appendingPathComponent("key.pem").path
        // posix_spawn and waitpid on this very child (ChildProcess), not Foundation's Process: its waitUntilExit
        // depends on a dispatch worker to notice the exit, and two tests blocked here at once on the cooperative
        // pool's two threads would leave none.
        let arguments = [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=\(commonName)", "-days", "1",
            // Host name verification looks at subjectAltName: the tests connect to 127.0.0.1.
            "-addext", "subjectAltName=\(alternativeNames)",
            "-keyout", keyPath, "-out", certificatePath,
        ]
        let outcome = try ChildProcess.runBlocking("/usr/bin/openssl", arguments, timeout: .seconds(60)).get()
        guard outcome.status == 0 else {
            throw CocoaError(
                .fileWriteUnknown,
                userInfo: [NSLocalizedDescriptionKey: "openssl req exited \(outcome.status.map(String.init) ?? "on a signal"): "
                    + String(decoding: outcome.stderr, as: UTF8.self)])
        }
        return TestCertificate(
            certificate: try #require(NIOSSLCertificate.fromPEMFile(certificatePath).first),
            key: try NIOSSLPrivateKey(file: keyPath, format: .pem))
    }
}
