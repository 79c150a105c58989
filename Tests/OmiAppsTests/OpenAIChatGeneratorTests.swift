import BridgeTesting
import Foundation
import OmiApps
import Testing

private func json(_ object: Any) -> [UInt8] { Array(try! JSONSerialization.data(withJSONObject: object)) }

@Suite("OpenAI-compatible chat generator against a loopback server")
struct OpenAIChatGeneratorTests {
    static let reply = json([
        "choices": [["index": 0, "message": ["role": "assistant", "content": "Stand up and stretch."]]]
    ])

    @Test("POST /v1/chat/completions with the model, one user message and the bearer key; returns the content")
    func requestShape() async throws {
        let server = try LoopbackHTTPServer { _ in
            .reply(status: 200, headers: ["Content-Type": "application/json"], body: Self.reply)
        }
        defer { server.stop() }
        let generator = OpenAIChatGenerator(
            options: .init(baseURL: server.baseURL + "/", model: "llama3.2", apiKey: "sk-test", timeout: .seconds(5)))
        let text = try await generator.generate(prompt: "Hello \"Ada\"\nbe brief")
        #expect(text == "Stand up and stretch.")
        let request = try #require(server.requests.first)
        #expect(request.method == "POST" && request.target == "/v1/chat/completions")
        #expect(request.headers["authorization"] == "Bearer sk-test")
        #expect(request.headers["content-type"] == "application/json")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect(body["model"] as? String == "llama3.2")
        let messages = try #require(body["messages"] as? [[String: String]])
        #expect(messages == [["role": "user", "content": "Hello \"Ada\"\nbe brief"]])
    }

    @Test("without a key no Authorization header is sent")
    func noKey() async throws {
        let server = try LoopbackHTTPServer { _ in .reply(status: 200, body: Self.reply) }
        defer { server.stop() }
        _ = try await OpenAIChatGenerator(options: .init(baseURL: server.baseURL, model: "m", timeout: .seconds(5)))
            .generate(prompt: "x")
        #expect(server.requests.first?.headers["authorization"] == nil)
    }

    @Test(
        "error paths are specific and never show the key",
        arguments: [
            ("401", TextGeneratorError.Kind.authentication), ("403", .authentication), ("500", .serverError),
            ("503", .serverError), ("badjson", .badResponse), ("nochoices", .badResponse), ("404", .badResponse),
            ("slow", .timeout), ("reset", .badResponse),
        ])
    func errors(mode: String, kind: TextGeneratorError.Kind) async throws {
        let server = try LoopbackHTTPServer { _ in
            switch mode {
            case "401": .reply(status: 401, body: Array("{\"error\":\"bad key\"}".utf8))
            case "403": .reply(status: 403, body: [])
            case "500": .reply(status: 500, body: Array("model crashed".utf8))
            case "503": .reply(status: 503, body: Array("loading model".utf8))
            case "badjson": .reply(status: 200, body: Array("<html>not json</html>".utf8))
            case "nochoices": .reply(status: 200, body: json(["choices": []]))
            case "slow": .delayed(.seconds(3), status: 200, body: Self.reply)
            case "reset": .reset
            default: .reply(status: 404, body: Array("no such route".utf8))
            }
        }
        defer { server.stop() }
        // Only the slow server is meant to time out; the others answer at once, so their timeout is generous enough
        // that a loaded machine cannot turn a wrong answer into a timeout.
        let timeout: Duration = mode == "slow" ? .milliseconds(500) : .seconds(10)
        let generator = OpenAIChatGenerator(
            options: .init(baseURL: server.baseURL, model: "m", apiKey: "sk-secret", timeout: timeout))
        let error = await #expect(throws: TextGeneratorError.self) { try await generator.complete(prompt: "x") }
        #expect(error?.kind == kind, "\(String(describing: error))")
        #expect(error?.message.contains("sk-secret") == false)
    }

    @Test("an unreachable server is `unreachable`, and the processor records the failure")
    func unreachable() async throws {
        let url = "http://127.0.0.1:\(LoopbackTCPServer.refusedPort)"  // nothing listens there
        // A refused connect fails at once; the generous timeout only keeps a loaded machine from turning it into one.
        let generator = OpenAIChatGenerator(options: .init(baseURL: url, model: "m", timeout: .seconds(15)))
        let error = await #expect(throws: TextGeneratorError.self) { try await generator.complete(prompt: "x") }
        #expect(error?.kind == .unreachable, "\(String(describing: error))")

        let processor = ProactiveProcessor(
            context: StaticProactiveContext(name: "Ada"), generator: generator, limiter: try ProactiveLimiter())
        let decision = await processor.process(
            app: .init(id: "a", name: "A", scopes: ["user_name"]),
            request: .init(prompt: "Hi {{user_name}}", params: ["user_name"]),
            userID: "u", now: Date(timeIntervalSince1970: 0))
        guard case .generatorFailed(let why) = decision.outcome else {
            Issue.record("expected generatorFailed, got \(decision.outcome)")
            return
        }
        #expect(why.hasPrefix("unreachable: "))
    }
}
