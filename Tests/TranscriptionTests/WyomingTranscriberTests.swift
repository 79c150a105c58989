import BridgeTesting
import Foundation
import Synchronization
import Testing
@testable import Transcription

/// A Wyoming ASR server for tests, parsing the wire format itself (not with the code under test): it records
/// every event of a connection and answers as `reply` says once `audio-stop` arrives.
private final class WyomingServer: Sendable {
    struct Event: Sendable {
        var header: [String: String]
        var type: String
        /// Header `data` merged with the data section, values as JSON text.
        var data: [String: String]
        var payload: [UInt8]
    }

    enum Reply: Sendable {
        case events([[UInt8]])
        case close
        case reset
        case silent
    }

    private final class Log: Sendable {
        let connections = Mutex<[[Event]]>([])
    }

    private let log: Log
    private let server: LoopbackTCPServer

    init(reply: @escaping @Sendable ([Event]) -> Reply) throws {
        let log = Log()
        self.log = log
        server = try LoopbackTCPServer { connection in
            let index = log.connections.withLock { $0.append([]); return $0.count - 1 }
            var events: [Event] = []
            while let line = connection.read(upTo: [0x0A]) {
                guard let header = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { return }
                var data = (header["data"] as? [String: Any]) ?? [:]
                let dataLength = (header["data_length"] as? Int) ?? 0
                if dataLength > 0, let bytes = connection.read(exactly: dataLength),
                    let extra = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
                {
                    data.merge(extra) { _, new in new }
                }
                let payload = connection.read(exactly: (header["payload_length"] as? Int) ?? 0) ?? []
                func text(_ value: Any) -> String {
                    (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]))
                        .map { String(decoding: $0, as: UTF8.self) } ?? "?"
                }
                let event = Event(
                    header: header.mapValues(text), type: header["type"] as? String ?? "?", data: data.mapValues(text),
                    payload: payload)
                events.append(event)
                log.connections.withLock { $0[index].append(event) }
                guard event.type == "audio-stop" else { continue }
                switch reply(events) {
                case .events(let frames): for frame in frames { connection.write(frame) }
                case .close: return
                case .reset: connection.reset()
                case .silent: _ = connection.read(exactly: 1)  // holds the connection until the client gives up
                }
                return
            }
        }
    }

    var port: Int { server.port }
    var connections: [[Event]] { log.connections.withLock { $0 } }
    func stop() { server.stop() }

    /// A frame written the way the Python reference writes it: data in its own section.
    static func frame(_ type: String, _ data: [String: Any]) -> [UInt8] {
        let body = try! JSONSerialization.data(withJSONObject: data)
        let header = try! JSONSerialization.data(withJSONObject: ["type": type, "version": "1.5.2", "data_length": body.count])
        return Array(header) + [0x0A] + Array(body)
    }
}

@Suite("wyoming backend against a loopback Wyoming server")
struct WyomingTranscriberTests {
    private func options(_ port: Int) -> WyomingTranscriber.Options {
        var options = WyomingTranscriber.Options(host: "127.0.0.1", port: port, language: "en", model: "tiny-int8")
        options.timeout = .seconds(5)
        options.chunkSamples = 1_000
        return options
    }

    @Test("Event order and shape: transcribe, audio-start, audio-chunk… with the exact PCM, audio-stop; transcript → span")
    func eventOrder() async throws {
        let server = try WyomingServer { _ in
            // A streaming server's extra events come first; only `transcript` counts.
            .events([
                WyomingServer.frame("transcript-start", ["language": "en"]),
                WyomingServer.frame("transcript-chunk", ["text": "send the"]),
                WyomingServer.frame("transcript", ["text": " Send the deck by Friday. "]),
            ])
        }
        defer { server.stop() }
        let samples = (0..<2_500).map { Int16(truncatingIfNeeded: $0 &* 37 &- 20_000) }
        let spans = try await WyomingTranscriber(options: options(server.port)).transcribe(samples)
        #expect(spans == [RecognizedSpan(text: "Send the deck by Friday.")])

        let events = try #require(server.connections.first)
        #expect(events.map(\.type) == ["transcribe", "audio-start", "audio-chunk", "audio-chunk", "audio-chunk", "audio-stop"])
        #expect(events[0].data == ["language": "\"en\"", "name": "\"tiny-int8\""])
        for event in events[1...4] {
            #expect(event.data == ["rate": "16000", "width": "2", "channels": "1"])
        }
        #expect(events.allSatisfy { $0.header["version"] != nil })
        #expect(events[2...4].map(\.payload.count) == [2_000, 2_000, 1_000])
        let sent = events[2...4].flatMap(\.payload)
        let expected = samples.flatMap { s in [UInt8(truncatingIfNeeded: s), UInt8(truncatingIfNeeded: s >> 8)] }
        #expect(sent == expected)
    }

    @Test("An empty transcript is no span")
    func emptyTranscript() async throws {
        let server = try WyomingServer { _ in .events([WyomingServer.frame("transcript", ["text": "  "])]) }
        defer { server.stop() }
        #expect(try await WyomingTranscriber(options: options(server.port)).transcribe([1, 2, 3]).isEmpty)
    }

    @Test("Error paths are specific", arguments: [
        ("error", TranscriberError.Kind.serverError), ("close", .badResponse), ("reset", .badResponse),
        ("garbage", .badResponse), ("notext", .badResponse), ("silent", .timeout), ("huge", .badResponse),
    ])
    func errors(mode: String, kind: TranscriberError.Kind) async throws {
        let server = try WyomingServer { _ in
            switch mode {
            case "error": .events([WyomingServer.frame("error", ["text": "model not loaded", "code": "no-model"])])
            case "close": .close
            case "reset": .reset
            case "garbage": .events([Array("<html>\n".utf8)])
            case "notext": .events([WyomingServer.frame("transcript", ["language": "en"])])
            case "huge": .events([Array("{\"type\":\"transcript\",\"payload_length\":999999999}\n".utf8)])
            default: .silent
            }
        }
        defer { server.stop() }
        var options = options(server.port)
        if mode == "silent" { options.timeout = .milliseconds(300) }
        let error = await #expect(throws: TranscriberError.self) {
            try await WyomingTranscriber(options: options).transcribe([Int16](repeating: 5, count: 800))
        }
        #expect(error?.kind == kind, "\(String(describing: error))")
        #expect(error?.backend == "wyoming")
        #expect(error?.message.contains("127.0.0.1:\(server.port)") == true)
        if mode == "error" { #expect(error?.message.contains("model not loaded") == true) }
    }

    @Test("Nothing listening is `unreachable`, and the fallback chain answers instead")
    func unreachableFallsBack() async throws {
        struct Local: Transcriber {
            let name = "pocketsphinx"
            func transcribe(_ samples: [Int16]) async throws(TranscriberError) -> [RecognizedSpan] { [RecognizedSpan(text: "local")] }
        }
        let chain = FallbackTranscriber([WyomingTranscriber(options: options(LoopbackTCPServer.refusedPort)), Local()])
        let (spans, backend, failures) = try await chain.transcribeReporting([0])
        #expect(spans.map(\.text) == ["local"] && backend == "pocketsphinx")
        #expect(failures.map(\.kind) == [.unreachable])
    }

    @Test("The decoder merges header data with the data section, and rejects oversized lengths")
    func decoder() throws {
        var decoder = WyomingEventDecoder()
        let frame = Array("{\"type\":\"transcript\",\"data\":{\"text\":\"a\",\"language\":\"en\"},\"data_length\":12,\"payload_length\":2}\n".utf8)
            + Array("{\"text\":\"b\"}".utf8) + [9, 8]
        decoder.append(frame.prefix(10))
        #expect(try decoder.next() == nil)
        decoder.append(frame.dropFirst(10))
        let event = try #require(try decoder.next())
        #expect(event.type == "transcript" && event.payload == [9, 8])
        #expect(event.object["text"] as? String == "b" && event.object["language"] as? String == "en")
        #expect(try decoder.next() == nil)
        decoder.append(Array("{\"type\":\"x\",\"data_length\":-1}\n".utf8))
        #expect(throws: WyomingEventDecoder.ProtocolError.self) { try decoder.next() }
    }
}
