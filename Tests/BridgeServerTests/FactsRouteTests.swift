import BridgeServer
import Foundation
import Store
import Testing

@Suite("Server: /v1/facts")
struct FactsRouteTests {
    @Test("Create, list and delete round trip; deleting again or an unknown id is still 200")
    func roundTrip() async throws {
        let harness = try ServerHarness()
        let key = harness.memberKey
        try await harness.run { client in
            let empty = try await client.send(.get, "/v1/facts", key: key)
            #expect(empty.status == 200)
            #expect(empty.text == #"{"data":[],"total":0}"#)

            let created = try await client.send(.post, "/v1/facts", key: key, body: #"{"text":"Likes green tea"}"#)
            #expect(created.status == 201)
            let fact = try created.object()
            let id = try #require(fact["id"] as? String)
            #expect(UUID(uuidString: id) != nil)
            #expect(fact["text"] as? String == "Likes green tea")
            #expect(fact["source"] as? String == "user")
            #expect(fact["locked"] as? Bool == false)
            #expect(fact["created_at"] as? String == "2025-06-15T15:06:40.250Z")

            let listed = try await client.send(.get, "/v1/facts", key: key)
            let object = try listed.object()
            #expect(object["total"] as? Int == 1)
            let data = try #require(object["data"] as? [[String: Any]])
            #expect(data.map { $0["id"] as? String } == [id])

            for _ in 0..<2 {
                let deleted = try await client.send(.delete, "/v1/facts/\(id)", key: key)
                #expect(deleted.status == 200)
                #expect(deleted.text == #"{"success":true}"#)
            }
            #expect(try await client.send(.delete, "/v1/facts/no-such-id", key: key).text == #"{"success":true}"#)
            #expect(try harness.database.facts.list().isEmpty)
        }
    }

    @Test(
        "Malformed bodies get 400 with the right code and param, and store nothing",
        arguments: [
            (#"{"text": "unterminated"#, "invalid_json", nil),
            ("not json at all", "invalid_json", nil),
            ("", "invalid_json", nil),
            ("{}", "parameter_missing", "text"),
            (#"{"txt":"typo"}"#, "parameter_missing", "text"),
            (#"{"text":null}"#, "parameter_missing", "text"),
            (#"{"text":42}"#, "parameter_invalid", "text"),
            (#"{"text":["a"]}"#, "parameter_invalid", "text"),
            (#"["text"]"#, "parameter_invalid", nil),
            (#"{"text":""}"#, "parameter_invalid", "text"),
            (#"{"text":"  \n\t "}"#, "parameter_invalid", "text"),
        ] as [(String, String, String?)])
    func rejected(body: String, code: String, param: String?) async throws {
        let harness = try ServerHarness()
        try await harness.run { client in
            let reply = try await client.send(.post, "/v1/facts", key: harness.memberKey, body: body)
            #expect(reply.status == 400)
            let envelope = try reply.envelope()
            #expect(envelope.type == "invalid_request_error")
            #expect(envelope.code == code)
            #expect(envelope.param == param)
            #expect(!envelope.message.isEmpty)
            #expect(reply.text.contains(#""param":"#))
        }
        #expect(try harness.database.facts.list().isEmpty)
    }

    @Test("Text over 10,000 characters (here 1 MB) is refused; exactly 10,000 is accepted")
    func length() async throws {
        let harness = try ServerHarness()
        try await harness.run { client in
            let huge = String(repeating: "a", count: 1_000_000)
            let reply = try await client.send(.post, "/v1/facts", key: harness.memberKey, body: #"{"text":"\#(huge)"}"#)
            #expect(reply.status == 400)
            #expect(try reply.envelope().param == "text")
            #expect(try reply.envelope().code == "parameter_invalid")
            let over = String(repeating: "é", count: 10_001)
            #expect(
                try await client.send(.post, "/v1/facts", key: harness.memberKey, body: #"{"text":"\#(over)"}"#)
                    .status == 400)
            #expect(try harness.database.facts.list().isEmpty)
            let limit = String(repeating: "b", count: 10_000)
            #expect(
                try await client.send(.post, "/v1/facts", key: harness.memberKey, body: #"{"text":"\#(limit)"}"#)
                    .status == 201)
        }
        #expect(try harness.database.facts.list().map(\.text.count) == [10_000])
    }

    @Test("A body over 2 MB gets 413 in the envelope")
    func tooLarge() async throws {
        let harness = try ServerHarness()
        try await harness.run { client in
            let huge = String(repeating: "a", count: 3_000_000)
            let reply = try await client.send(.post, "/v1/facts", key: harness.memberKey, body: #"{"text":"\#(huge)"}"#)
            #expect(reply.status == 413)
            #expect(try reply.envelope().type == "invalid_request_error")
        }
        #expect(try harness.database.facts.list().isEmpty)
    }

    @Test(
        "SQL metacharacters and unicode are stored and returned verbatim",
        arguments: [
            "Robert'); DROP TABLE facts;--",
            #"50% of "quotes" \ backslash _ under; -- comment /* c */"#,
            "Café 東京 🇫🇷👩‍👩‍👧 עברית \u{0301}",
        ])
    func verbatim(text: String) async throws {
        let harness = try ServerHarness()
        try await harness.run { client in
            let body = String(decoding: try JSONEncoder().encode(["text": text]), as: UTF8.self)
            let created = try await client.send(.post, "/v1/facts", key: harness.adminKey, body: body)
            #expect(created.status == 201)
            #expect(try created.object()["text"] as? String == text)
            let listed = try await client.send(.get, "/v1/facts", key: harness.adminKey)
            let data = try #require(try listed.object()["data"] as? [[String: Any]])
            #expect(data.map { $0["text"] as? String } == [text])
        }
        #expect(try harness.database.facts.list().map(\.text) == [text])
    }
}
