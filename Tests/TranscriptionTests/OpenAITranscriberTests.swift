import BridgeTesting
import Foundation
import Testing
import Transcription

private func json(_ object: Any) -> [UInt8] { Array(try! JSONSerialization.data(withJSONObject: object)) }

@Suite("openai backend against a loopback server")
struct OpenAITranscriberTests {
    @Test("Request shape: POST /v1/audio/transcriptions, bearer key, multipart model/format/language and a WAV")
    func requestShape() async throws {
        let server = try LoopbackHTTPServer { _ in
            .reply(status: 200, headers: ["Content-Type": "application/json"], body: json([
                "text": "hello there. general kenobi",
                "segments": [["start": 0.1, "end": 0.8, "text": " hello there."], ["start": 1.0, "end": 1.9, "text": " general kenobi"]],
            ]))
        }
        var options = OpenAITranscriber.Options(baseURL: server.baseURL + "/", model: "small.en", language: "en", apiKey: "sk-test")
        options.timeout = .seconds(5)
        let spans = try await OpenAITranscriber(options: options).transcribe([Int16](repeating: 7, count: 1600))
        #expect(spans == [
            RecognizedSpan(text: "hello there.", start: 0.1, end: 0.8), RecognizedSpan(text: "general kenobi", start: 1.0, end: 1.9),
        ])
        let request = try #require(server.requests.first)
        #expect(request.method == "POST" && request.target == "/v1/audio/transcriptions")
        #expect(request.headers["authorization"] == "Bearer sk-test")
        let contentType = try #require(request.headers["content-type"])
        #expect(contentType.hasPrefix("multipart/form-data; boundary="))
        let body = String(decoding: request.body, as: UTF8.self)
        for (name, value) in [("model", "small.en"), ("response_format", "verbose_json"), ("language", "en")] {
            #expect(body.contains("name=\"\(name)\"\r\n\r\n\(value)\r\n"))
        }
        #expect(body.contains("name=\"file\"; filename=\"utterance.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF"))
        // 44-byte header + 1600 samples × 2 bytes inside the file part.
        #expect(request.body.count > 3200 + 44)
    }

    @Test("Error paths are specific", arguments: [
        ("401", TranscriberError.Kind.authentication), ("500", .serverError), ("badjson", .badResponse),
        ("slow", .timeout), ("reset", .badResponse), ("404", .badResponse),
    ])
    func errors(mode: String, kind: TranscriberError.Kind) async throws {
        let server = try LoopbackHTTPServer { _ in
            switch mode {
            case "401": .reply(status: 401, body: Array("{\"error\":\"bad key\"}".utf8))
            case "500": .reply(status: 500, body: Array("model crashed".utf8))
            case "badjson": .reply(status: 200, body: Array("<html>not json</html>".utf8))
            case "slow": .delayed(.seconds(10), status: 200, body: json(["text": "late"]))
            case "reset": .reset
            default: .reply(status: 404, body: Array("no such route".utf8))
            }
        }
        var options = OpenAITranscriber.Options(baseURL: server.baseURL, apiKey: "sk-secret")
        // Only the slow server is meant to time out; the others answer at once, so their timeout is generous enough
        // that a loaded machine cannot turn a wrong answer into a timeout.
        options.timeout = mode == "slow" ? .milliseconds(600) : .seconds(10)
        let error = await #expect(throws: TranscriberError.self) { try await OpenAITranscriber(options: options).transcribe([0]) }
        #expect(error?.kind == kind, "\(String(describing: error))")
        #expect(error?.message.contains("sk-secret") == false)  // keys never appear in errors or logs
    }

    @Test("An unreachable server is `unreachable`, and the fallback chain answers instead")
    func unreachableFallsBack() async throws {
        let url = "http://127.0.0.1:\(LoopbackTCPServer.refusedPort)"  // nothing listens there
        struct Local: Transcriber {
            let name = "pocketsphinx"
            func transcribe(_ samples: [Int16]) async throws(TranscriberError) -> [RecognizedSpan] { [RecognizedSpan(text: "local")] }
        }
        var options = OpenAITranscriber.Options(baseURL: url)
        options.timeout = .seconds(2)
        let chain = FallbackTranscriber([OpenAITranscriber(options: options), Local()])
        let (spans, backend, failures) = try await chain.transcribeReporting([0])
        #expect(spans.map(\.text) == ["local"] && backend == "pocketsphinx")
        #expect(failures.map(\.kind) == [.unreachable])
    }
}
