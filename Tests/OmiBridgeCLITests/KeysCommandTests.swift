import BridgeTesting
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("omi-bridge keys (an app's direct-notification keys) and serve's Omi-compatible route")
struct KeysCommandTests {
    private let apps = """
        user: {uid: u_7Kq2}
        server: {direct_rate_limit_mode: corrected}
        apps:
          - {id: app_123, name: Meeting Coach}
        """

    @Test("create prints an sk_ key once; serve accepts it on /v2/integrations; revoked, it is refused")
    func lifecycle() async throws {
        let store = try StoreFixture(extra: apps)
        defer { store.remove() }
        let unknown = try await store.run(["keys", "create", "--app", "nope"])
        #expect(unknown.status == 2 && unknown.stderr.contains("no app 'nope' in the configuration"))
        let created = try await store.run(["keys", "create", "--app", "app_123"])
        #expect(created.status == 0, "\(created.stderr)")
        let key = created.stdout.trimmingCharacters(in: .newlines)
        #expect(key.hasPrefix("sk_") && key.count == 35 && key.dropFirst(3).allSatisfy(\.isHexDigit))
        let listed = try await store.run(["keys", "list", "--app", "app_123"])
        #expect(listed.stdout.contains("  app_123  created ") && listed.stdout.contains("  active"))
        #expect(!listed.stdout.contains(key.dropFirst(3)))
        let id = try #require(listed.stdout.split(separator: " ").first.map(String.init))

        let log = store.dir.appendingPathComponent("serve.log").path
        let process = try CLI.start(["serve", "--config", store.config, "--port", "0"], log: log)
        defer { if process.isRunning { process.terminate() } }
        #expect(await eventually { CLI.listeningPort(log) != nil })
        let bound = try #require(CLI.listeningPort(log), "no 'listening on' line")
        let url = "http://127.0.0.1:\(bound)/v2/integrations/app_123/notification?uid=u_7Kq2&message=hello"
        let sent = try await post(url, key: key)
        #expect(sent.status == 200 && sent.body == #"{"status":"Ok"}"#)
        #expect(sent.remaining == "9")  // corrected mode, from the configuration

        let revoked = try await store.run(["keys", "revoke", id, "--app", "app_123"])
        #expect(revoked.status == 0 && revoked.stdout == "revoked \(id)\n")
        let refused = try await post(url, key: key)
        #expect(refused.status == 403 && refused.body == #"{"detail":"Invalid API key"}"#)
    }

    private func post(_ url: String, key: String) async throws -> (status: Int, body: String, remaining: String?) {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = "POST"
        request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        let remaining = http?.value(forHTTPHeaderField: "X-RateLimit-Remaining")
        return (http?.statusCode ?? 0, String(decoding: data, as: UTF8.self), remaining)
    }
}

