import BridgeTesting
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite("omi-bridge api-keys / serve")
struct APIKeysCommandTests {
    @Test("create prints the key once; list never shows it; revoke marks it; bad role is a usage error")
    func lifecycle() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let empty = try await store.run(["api-keys", "list"])
        #expect(empty.status == 0, "\(empty.stderr)")
        #expect(empty.stdout == "no API keys in \(store.database)\n")

        let created = try await store.run(["api-keys", "create", "--role", "member", "--name", "laptop"])
        #expect(created.status == 0, "\(created.stderr)")
        let key = created.stdout.trimmingCharacters(in: .newlines)
        #expect(key.hasPrefix("omb_") && key.count == 36, "\(created.stdout)")
        #expect(created.stderr.contains("(member, laptop); it is not shown again"), "\(created.stderr)")

        let json = try await store.run(["api-keys", "list", "--json"])
        #expect(json.status == 0)
        #expect(!json.stdout.contains(key.dropFirst(4)))
        let row = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(row["name"] as? String == "laptop")
        #expect(row["role"] as? String == "member")
        #expect(row["revoked_at"] is NSNull)
        let id = try #require(row["id"] as? String)

        let text = try await store.run(["api-keys", "list"])
        #expect(text.stdout.hasPrefix("\(id)  member  "), "\(text.stdout)")
        #expect(text.stdout.hasSuffix("  active  laptop\n"))
        #expect(!text.stdout.contains(key.dropFirst(4)))

        let revoked = try await store.run(["api-keys", "revoke", id])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(revoked.stdout == "revoked \(id) (laptop)\n")
        #expect(try await store.run(["api-keys", "revoke", id]).stdout == "already revoked \(id) (laptop)\n")
        #expect(try await store.run(["api-keys", "list"]).stdout.contains("  revoked "))

        let unknown = try await store.run(["api-keys", "revoke", "no-such-id"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no API key no-such-id"))
        let badRole = try await store.run(["api-keys", "create", "--role", "root", "--name", "x"])
        #expect(badRole.status == 2, "\(badRole.stderr)")
    }

    @Test("serve answers /healthz and keyed routes on the configured database, and stops on SIGTERM")
    func serve() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let key = try await store.run(["api-keys", "create", "--role", "admin", "--name", "t"])
            .stdout.trimmingCharacters(in: .newlines)
        #expect(try await store.run(["facts", "add", "Served", "fact"]).status == 0)
        let log = store.dir.appendingPathComponent("serve.log").path
        let process = try CLI.start(["serve", "--config", store.config, "--port", "0"], log: log)
        defer { if process.isRunning { process.terminate() } }

        #expect(await eventually { CLI.listeningPort(log) != nil })
        let bound = try #require(
            CLI.listeningPort(log), "no 'listening on' line: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")

        let health = try await get("http://127.0.0.1:\(bound)/healthz", key: nil)
        #expect(health.status == 200)
        #expect(health.body == #"{"status":"ok"}"#)
        #expect(try await get("http://127.0.0.1:\(bound)/v1/facts", key: nil).status == 401)
        let facts = try await get("http://127.0.0.1:\(bound)/v1/facts", key: key)
        #expect(facts.status == 200)
        #expect(facts.body.contains(#""text":"Served fact""#), "\(facts.body)")

        process.terminate()
        #expect(await eventually { !process.isRunning })
        #expect(process.terminationStatus == 0)
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(text.hasSuffix("stopped\n"), "\(text)")
        #expect(!text.contains(key.dropFirst(4)), "the key was logged")
    }

    @Test("serve refuses a server.listen that is not HOST:PORT (exit 2, naming the key)")
    func badListen() async throws {
        let store = try StoreFixture(extra: "server: {listen: \"nope\"}\n")
        defer { store.remove() }
        let result = try await store.run(["serve"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("server.listen: 'nope' is not HOST:PORT"), "\(result.stderr)")
    }

    private func get(_ url: String, key: String?) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: try #require(URL(string: url)))
        if let key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}
