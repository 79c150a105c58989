import BridgeTesting
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `serve` with the notifications section: a test send reaches the webhook and ntfy receivers on loopback,
/// the status endpoint reports each channel, and a direct notification lands in the feed.
@Suite("omi-bridge serve: the notification centre")
struct ServeNotificationsTests {
    @Test("Test send goes to the webhook (signed) and ntfy channels; status names each channel's readiness")
    func channels() async throws {
        let hook = try LoopbackHTTPServer { _ in .reply(status: 200, body: []) }
        let ntfy = try LoopbackHTTPServer { _ in .reply(status: 200, body: Array(#"{"id":"x"}"#.utf8)) }
        defer {
            hook.stop()
            ntfy.stop()
        }
        let secret = "whsec_" + String(repeating: "s", count: 32)
        let store = try StoreFixture(
            extra: """
                user: {uid: u_serve}
                notifications:
                  channels:
                    webhook: {url: "\(hook.baseURL)/hook", secret: "\(secret)"}
                    ntfy: {server: "\(ntfy.baseURL)", topic: omi_alerts, token: tk_secret_token}
                """)
        defer { store.remove() }
        let key = try await store.run(["api-keys", "create", "--role", "member", "--name", "t"])
            .stdout.trimmingCharacters(in: .newlines)
        let log = store.dir.appendingPathComponent("serve.log").path
        var environment = ProcessInfo.processInfo.environment
        environment["DBUS_SESSION_BUS_ADDRESS"] = nil  // no desktop session here: the desktop channel says so
        let process = try CLI.start(
            ["serve", "--config", store.config, "--port", "0"], environment: environment, log: log)
        defer { if process.isRunning { process.terminate() } }
        #expect(await eventually { CLI.listeningPort(log) != nil })
        let port = try #require(CLI.listeningPort(log))
        let base = "http://127.0.0.1:\(port)"

        let status = try await send("POST", "\(base)/v1/notifications/test", key: key, body: #"{"title":"Hello","message":"From the test"}"#)
        #expect(status.status == 200, "\(status.body)")
        #expect(await eventually { hook.requests.count == 1 && ntfy.requests.count == 1 })
        let posted = try #require(hook.requests.first)
        #expect(posted.path == "/hook" && posted.headers["x-omi-signature"] != nil)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(posted.body)) as? [String: Any])
        #expect(body["title"] as? String == "Hello" && body["user_id"] as? String == "u_serve")
        let pushed = try #require(ntfy.requests.first)
        #expect(pushed.path == "/omi_alerts" && pushed.headers["title"] == "Hello")
        #expect(pushed.headers["authorization"] == "Bearer tk_secret_token")
        #expect(String(decoding: pushed.body, as: UTF8.self) == "From the test")

        let readiness = try await send("GET", "\(base)/v1/notifications/status", key: key, body: nil)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(readiness.body.utf8)) as? [String: Any])
        let channels = try #require(object["channels"] as? [String: [String: Any]])
        #expect(channels["webhook"]?["ready"] as? Bool == true && channels["ntfy"]?["ready"] as? Bool == true)
        #expect(channels["desktop"]?["reason"] as? String == "NO_SESSION_BUS", "\(channels)")
        #expect(channels["device_haptic"]?["reason"] as? String == "DEVICE_DISCONNECTED")
        #expect(channels["email"]?["reason"] as? String == "NOT_CONFIGURED")
        #expect(object["direct_rate_limit_mode"] as? String == "upstream")
        let sent = try await send("GET", "\(base)/v1/notifications/deliveries?status=sent", key: key, body: nil)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(sent.body.utf8)) as? [String: Any])
        #expect(rows["total"] as? Int == 3, "\(sent.body)")  // in_app, webhook, ntfy

        process.terminate()
        #expect(await eventually { !process.isRunning })
        #expect(process.terminationStatus == 0)
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(text.hasSuffix("stopped\n"), "\(text)")
        #expect(!text.contains("CancellationError"), "\(text)")
        for secretText in [secret, "tk_secret_token", String(key.dropFirst(4))] {
            #expect(!text.contains(secretText), "a secret was logged")
        }
    }

    private func send(_ method: String, _ url: String, key: String, body: String?) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = method
        request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}
