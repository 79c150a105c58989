import BridgeServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@Suite("Server: authentication, roles, errors")
struct AuthTests {
    @Test("GET /healthz needs no key")
    func healthz() async throws {
        try await ServerHarness().run { client in
            let reply = try await client.send(.get, "/healthz")
            #expect(reply.status == 200)
            #expect(reply.text == #"{"status":"ok"}"#)
            #expect(reply.contentType?.hasPrefix("application/json") == true)
        }
    }

    @Test("No key, a bad key, another scheme, or an empty bearer: 401 with the exact envelope")
    func unauthorized() async throws {
        try await ServerHarness().run { client in
            let attempts: [ServerHarness.Reply] = [
                try await client.send(.get, "/v1/facts"),
                try await client.send(.get, "/v1/facts", key: "omb_00000000000000000000000000000000"),
                try await client.send(.get, "/v1/facts", key: "not-a-key"),
                try await client.send(.get, "/v1/facts", authorization: "Basic YWRtaW46YWRtaW4="),
                try await client.send(.get, "/v1/facts", authorization: "Bearer "),
                try await client.send(.post, "/v1/facts", body: #"{"text":"x"}"#),
            ]
            for reply in attempts {
                #expect(reply.status == 401)
                #expect(reply.text == unauthorizedBody)
            }
        }
    }

    @Test("A revoked key gets 401; the other keys keep working")
    func revoked() async throws {
        let harness = try ServerHarness()
        let (key, record) = try harness.database.apiKeys.create(name: "gone", role: .admin, now: fixedNow)
        try await harness.run { client in
            #expect(try await client.send(.get, "/v1/facts", key: key).status == 200)
            #expect(try harness.database.apiKeys.revoke(id: record.id, now: fixedNow))
            let reply = try await client.send(.get, "/v1/facts", key: key)
            #expect(reply.status == 401)
            #expect(reply.text == unauthorizedBody)
            #expect(try await client.send(.get, "/v1/facts", key: harness.memberKey).status == 200)
        }
    }

    @Test("The bearer scheme is case-insensitive")
    func schemeCase() async throws {
        let harness = try ServerHarness()
        try await harness.run { client in
            let reply = try await client.send(.get, "/v1/facts", authorization: "bearer \(harness.adminKey)")
            #expect(reply.status == 200)
        }
    }

    @Test("A member gets 403 on the admin-only key listing; an admin gets the keys without hashes")
    func adminOnly() async throws {
        let harness = try ServerHarness()
        try await harness.run { client in
            let denied = try await client.send(.get, "/v1/api-keys", key: harness.memberKey)
            #expect(denied.status == 403)
            #expect(
                try denied.envelope()
                    == .init(type: "forbidden", message: "This route needs an admin API key.", code: nil, param: nil))
            let listed = try await client.send(.get, "/v1/api-keys", key: harness.adminKey)
            #expect(listed.status == 200)
            let data = try #require(try listed.object()["data"] as? [[String: Any]])
            #expect(data.map { $0["name"] as? String } == ["admin", "member"])
            #expect(data.map { $0["role"] as? String } == ["admin", "member"])
            #expect(Set(data[0].keys) == ["id", "name", "role", "created_at", "revoked_at"])
            #expect(data[0]["revoked_at"] is NSNull)
            #expect(!listed.text.contains(harness.adminKey.dropFirst(4)))
            #expect(!listed.text.contains("hash"))
        }
    }

    @Test("An unknown route, or a known path with another method, gets the 404 envelope")
    func notFound() async throws {
        let harness = try ServerHarness()
        try await harness.run { client in
            for (method, path) in [(HTTPRequest.Method.get, "/v1/nope"), (.post, "/"), (.put, "/v1/facts")] {
                let reply = try await client.send(method, path, key: harness.memberKey)
                #expect(reply.status == 404)
                #expect(
                    reply.text
                        == #"{"error":{"code":null,"message":"No such route.","param":null,"type":"not_found"}}"#)
            }
            // Without a key, an unknown route is not revealed: 401 first.
            #expect(try await client.send(.get, "/v1/nope").status == 401)
        }
    }
}

@Suite("Server: internal errors")
struct InternalErrorTests {
    struct Leaky: Error, CustomStringConvertible {
        var description: String { "/var/lib/omi/bridge.sqlite: SELECT secret FROM api_keys" }
    }

    @Test("A thrown error becomes the 500 envelope, with nothing about the cause")
    func internalError() async throws {
        let harness = try ServerHarness()
        let router = BridgeServer.makeRouter(database: harness.database)
        router.get("/v1/boom") { _, _ -> String in throw Leaky() }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(harness.memberKey)"
            let response = try await client.executeRequest(uri: "/v1/boom", method: .get, headers: headers, body: nil)
            #expect(response.status == .internalServerError)
            #expect(
                String(buffer: response.body)
                    == #"{"error":{"code":null,"message":"Internal server error.","param":null,"type":"internal_server_error"}}"#
            )
        }
    }
}
