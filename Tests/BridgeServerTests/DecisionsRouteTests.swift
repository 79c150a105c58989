import BridgeServer
import Foundation
import Store
import Testing

@Suite("Server: /v1/decisions")
struct DecisionsRouteTests {
    /// Records `count` decisions alternating between two apps, the record a JSON object naming its index.
    private func seed(_ database: BridgeDatabase, count: Int) throws {
        for index in 0..<count {
            let app = index.isMultiple(of: 2) ? "app-even" : "app-odd"
            try database.decisions.record(
                appID: app, outcome: index.isMultiple(of: 3) ? "sent" : "rate_limited",
                json: #"{"index":\#(index),"gate":{"name":"cooldown","passed":false},"scopes":["a","b"],"score":0.5}"#,
                now: Date(timeIntervalSince1970: 1_750_000_000 + Double(index)))
        }
    }

    @Test("Newest first, default limit 20, with the stored record parsed as an object")
    func listing() async throws {
        let harness = try ServerHarness()
        try seed(harness.database, count: 25)
        try await harness.run { client in
            let reply = try await client.send(.get, "/v1/decisions", key: harness.memberKey)
            #expect(reply.status == 200)
            let data = try #require(try reply.object()["data"] as? [[String: Any]])
            #expect(data.count == 20)
            let first = data[0]
            #expect(Set(first.keys) == ["id", "app_id", "outcome", "created_at", "decision"])
            #expect(first["app_id"] as? String == "app-even")
            #expect(first["outcome"] as? String == "sent")
            #expect(first["created_at"] as? String == "2025-06-15T15:07:04.000Z")
            let decision = try #require(first["decision"] as? [String: Any])
            #expect(decision["index"] as? Int == 24)
            #expect((decision["gate"] as? [String: Any])?["passed"] as? Bool == false)
            #expect(decision["scopes"] as? [String] == ["a", "b"])
            #expect(decision["score"] as? Double == 0.5)
            let ids = data.compactMap { $0["id"] as? Int }
            #expect(ids == ids.sorted(by: >))
        }
    }

    @Test("app_id filters, limit bounds the count")
    func filterAndLimit() async throws {
        let harness = try ServerHarness()
        try seed(harness.database, count: 10)
        try await harness.run { client in
            let odd = try await client.send(.get, "/v1/decisions?app_id=app-odd&limit=3", key: harness.memberKey)
            let data = try #require(try odd.object()["data"] as? [[String: Any]])
            #expect(data.map { ($0["decision"] as? [String: Any])?["index"] as? Int } == [9, 7, 5])
            for limit in [1, 200] {
                let reply = try await client.send(.get, "/v1/decisions?limit=\(limit)", key: harness.memberKey)
                #expect(reply.status == 200)
                #expect((try reply.object()["data"] as? [Any])?.count == min(limit, 10))
            }
            let none = try await client.send(.get, "/v1/decisions?app_id=unknown", key: harness.memberKey)
            #expect(none.text == #"{"data":[]}"#)
        }
    }

    @Test("A limit of 0, 201, -1, abc or empty is a 400 naming limit", arguments: ["0", "201", "-1", "abc", "", "1.5"])
    func badLimit(limit: String) async throws {
        let harness = try ServerHarness()
        try await harness.run { client in
            let reply = try await client.send(.get, "/v1/decisions?limit=\(limit)", key: harness.memberKey)
            #expect(reply.status == 400)
            let envelope = try reply.envelope()
            #expect(envelope.type == "invalid_request_error")
            #expect(envelope.code == "parameter_invalid")
            #expect(envelope.param == "limit")
        }
    }

    @Test("A stored record that is not JSON comes back as null, not an error")
    func unparsableRecord() async throws {
        let harness = try ServerHarness()
        try harness.database.decisions.record(appID: "a", outcome: "sent", json: "not json", now: fixedNow)
        try await harness.run { client in
            let reply = try await client.send(.get, "/v1/decisions", key: harness.adminKey)
            #expect(reply.status == 200)
            let data = try #require(try reply.object()["data"] as? [[String: Any]])
            #expect(data.first?["decision"] is NSNull)
        }
    }
}
