import Foundation
import OmiApps
import Testing

@Suite("Proactive request decoding (omi-contract §4)")
struct ProactiveRequestTests {
    static func decode(_ json: String) throws -> ProactiveRequest {
        try JSONDecoder().decode(ProactiveRequest.self, from: Data(json.utf8))
    }

    @Test("a full notification object decodes")
    func full() throws {
        let r = try Self.decode(
            #"""
            {"prompt": "Hi {{user_name}}", "params": ["user_name", "user_context"],
             "context": {"question": "what did I eat?", "filters": {"people": ["Bob"], "topics": ["food"],
                         "entities": ["cafe"], "dates": ["2024-01-01"]}}}
            """#)
        #expect(r.prompt == "Hi {{user_name}}")
        #expect(r.params == ["user_name", "user_context"])
        #expect(r.question == "what did I eat?")
        #expect(r.filters == .init(people: ["Bob"], topics: ["food"], entities: ["cafe"], dates: ["2024-01-01"]))
        #expect(!r.isEmpty)
    }

    @Test("missing fields take their defaults; only {} is empty")
    func missing() throws {
        let empty = try Self.decode("{}")
        #expect(empty.isEmpty)
        #expect(empty.prompt == "" && empty.params == [] && empty.question == nil && empty.filters == .init())
        let promptOnly = try Self.decode(#"{"prompt": ""}"#)
        #expect(!promptOnly.isEmpty)
        let unknownOnly = try Self.decode(#"{"foo": 1}"#)
        #expect(!unknownOnly.isEmpty)
        let partial = try Self.decode(#"{"prompt": "p", "context": {"filters": {"people": ["Ann"]}}}"#)
        #expect(partial.question == nil)
        #expect(partial.filters == .init(people: ["Ann"]))
    }

    @Test("mistyped fields are tolerated as absent")
    func mistyped() throws {
        let r = try Self.decode(
            #"{"prompt": 5, "params": "user_name", "context": {"question": null, "filters": {"people": "Bob", "topics": ["t"]}}}"#
        )
        #expect(r.prompt == "")
        #expect(r.params == [])
        #expect(r.question == nil)
        #expect(r.filters == .init(topics: ["t"]))
        let badContext = try Self.decode(#"{"prompt": "x", "context": []}"#)
        #expect(badContext.filters == .init())
    }
}
