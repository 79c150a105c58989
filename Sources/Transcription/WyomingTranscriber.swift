import Foundation
import NIOCore
import NIOPosix

/// A Wyoming speech-to-text server (wyoming-faster-whisper, wyoming-whisper-cpp, and the other Home Assistant
/// ASR servers) over TCP: per utterance, one connection carrying `transcribe`, `audio-start`, `audio-chunk`…,
/// `audio-stop`, answered by `transcript` (servers close the connection after it, so none is kept open).
public struct WyomingTranscriber: Transcriber {
    public let name = "wyoming"

    public struct Options: Sendable, Equatable {
        public var host: String
        public var port: Int
        /// Sent in `transcribe` when set (e.g. `en`); servers otherwise use their own default.
        public var language: String?
        /// The server-side model name, sent in `transcribe` when set.
        public var model: String?
        /// Bounds the whole exchange, connect included.
        public var timeout: Duration = .seconds(60)
        public var connectTimeout: Duration = .seconds(5)
        /// Audio per `audio-chunk` event, in samples (100 ms).
        public var chunkSamples = 1_600

        public init(host: String = "127.0.0.1", port: Int = 10300, language: String? = nil, model: String? = nil) {
            self.host = host
            self.port = port
            self.language = language
            self.model = model
        }
    }

    public let options: Options

    public init(options: Options) { self.options = options }

    /// The events sent for one utterance, in order (`transcribe`, `audio-start`, chunks, `audio-stop`).
    func events(_ samples: [Int16]) -> [WyomingEvent] {
        let format: [String: any Sendable] = ["rate": 16_000, "width": 2, "channels": 1]
        var transcribe: [String: any Sendable] = [:]
        if let language = options.language { transcribe["language"] = language }
        if let model = options.model { transcribe["name"] = model }
        var events = [WyomingEvent(type: "transcribe", data: transcribe), WyomingEvent(type: "audio-start", data: format)]
        var offset = 0
        while offset < samples.count {
            let end = min(samples.count, offset + max(1, options.chunkSamples))
            var payload = [UInt8]()
            payload.reserveCapacity((end - offset) * 2)
            for sample in samples[offset..<end] {
                let bits = UInt16(bitPattern: sample.littleEndian)
                payload.append(UInt8(truncatingIfNeeded: bits))
                payload.append(UInt8(truncatingIfNeeded: bits >> 8))
            }
            events.append(WyomingEvent(type: "audio-chunk", data: format, payload: payload))
            offset = end
        }
        events.append(WyomingEvent(type: "audio-stop"))
        return events
    }

    public func transcribe(_ samples: [Int16]) async throws(TranscriberError) -> [RecognizedSpan] {
        let endpoint = "tcp://\(options.host):\(options.port)"
        var bytes: [UInt8] = []
        for event in events(samples) { bytes += event.encoded }
        let text: String
        do {
            text = try await withTimeout(options.timeout) { [options, bytes] in
                try await Self.exchange(bytes, options: options)
            }
        } catch is TimedOut {
            throw fail(.timeout, "\(endpoint): no transcript within \(options.timeout)")
        } catch let error as WyomingFailure {
            throw fail(error.kind, "\(endpoint): \(error.message)")
        } catch let error as WyomingEventDecoder.ProtocolError {
            throw fail(.badResponse, "\(endpoint): \(error.description)")
        } catch ChannelError.connectTimeout {
            throw fail(.unreachable, "\(endpoint): no connection within \(options.connectTimeout)")
        } catch {
            throw fail(.unreachable, "\(endpoint): cannot connect: \(error)")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? [] : [RecognizedSpan(text: trimmed)]
    }

    private func fail(_ kind: TranscriberError.Kind, _ message: String) -> TranscriberError {
        TranscriberError(backend: name, kind: kind, message: message)
    }

    /// A failure after the connection was made: the server's `error` event, or a broken exchange.
    struct WyomingFailure: Error {
        var kind: TranscriberError.Kind
        var message: String
    }

    private static func exchange(_ request: [UInt8], options: Options) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(TimeAmount(options.connectTimeout))
            .connect(host: options.host, port: options.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            do {
                try await outbound.write(ByteBuffer(bytes: request))
            } catch {
                throw WyomingFailure(kind: .badResponse, message: "the server closed the connection while audio was sent (\(error))")
            }
            var decoder = WyomingEventDecoder()
            do {
                for try await buffer in inbound {
                    decoder.append(buffer.readableBytesView)
                    while let event = try decoder.next() {
                        switch event.type {
                        case "transcript":
                            guard let text = event.object["text"] as? String else {
                                throw WyomingFailure(kind: .badResponse, message: "'transcript' event without \"text\"")
                            }
                            return text
                        case "error":
                            let object = event.object
                            let text = object["text"] as? String ?? object["message"] as? String ?? "(no text)"
                            let code = (object["code"] as? String).map { " [\($0)]" } ?? ""
                            throw WyomingFailure(kind: .serverError, message: "server error\(code): \(text)")
                        default: continue  // transcript-start/-chunk (streaming servers), info, ping: not needed here
                        }
                    }
                }
            } catch let error as WyomingFailure {
                throw error
            } catch let error as WyomingEventDecoder.ProtocolError {
                throw error
            } catch {
                throw WyomingFailure(kind: .badResponse, message: "the connection failed before a transcript (\(error))")
            }
            throw WyomingFailure(kind: .badResponse, message: "the server closed the connection without a transcript")
        }
    }
}
