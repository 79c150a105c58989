public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OmiAudio

/// Any OpenAI-compatible `/v1/audio/transcriptions` server (OpenAI, speaches, faster-whisper-server, whisper.cpp's
/// server with its OpenAI route): one multipart WAV upload per utterance, `verbose_json` for segment times.
public struct OpenAITranscriber: Transcriber {
    public let name = "openai"

    public struct Options: Sendable, Equatable {
        /// Scheme, host and port (and any path prefix), without `/v1/…`.
        public var baseURL: String
        public var model = "whisper-1"
        public var language: String?
        /// Sent as `Authorization: Bearer …`; never logged.
        public var apiKey: String?
        public var timeout: Duration = .seconds(60)

        public init(baseURL: String, model: String = "whisper-1", language: String? = nil, apiKey: String? = nil) {
            self.baseURL = baseURL
            self.model = model
            self.language = language
            self.apiKey = apiKey
        }
    }

    public let options: Options
    private let client: HTTPClient

    /// - Parameter client: defaults to AsyncHTTPClient's process-wide shared client.
    public init(options: Options, client: HTTPClient? = nil) {
        self.options = options
        self.client = client ?? HTTPClient.shared
    }

    public func transcribe(_ samples: [Int16]) async throws(TranscriberError) -> [RecognizedSpan] {
        let url = options.baseURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/v1/audio/transcriptions"
        let boundary = "omi-bridge-\(UUID().uuidString)"
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")
        if let key = options.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        var fields = [("model", options.model), ("response_format", "verbose_json")]
        if let language = options.language { fields.append(("language", language)) }
        request.body = .bytes(ByteBuffer(bytes: Self.multipart(boundary: boundary, fields: fields, wav: AudioFile.wavBytes(samples))))

        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            // AsyncHTTPClient gets the deadline too, so an unreachable server is reported as its connect error at
            // the deadline; our own timer (a little later) also bounds waiting for the head and the body.
            let deadline = NIODeadline.now() + TimeAmount(options.timeout)
            (response, body) = try await withTimeout(options.timeout + .milliseconds(250)) { [client, request] in
                let response = try await client.execute(request, deadline: deadline)
                return (response, try await response.body.collect(upTo: 10 << 20))
            }
        } catch is TimedOut {
            throw fail(.timeout, "\(url): no answer within \(options.timeout)")
        } catch {
            throw classify(error, url: url)
        }
        let text = String(buffer: body)
        switch response.status.code {
        case 200: return try parse(body)
        case 401, 403: throw fail(.authentication, "\(url): HTTP \(response.status.code) — check the API key (\(Self.snippet(text)))")
        case 500...599: throw fail(.serverError, "\(url): HTTP \(response.status.code): \(Self.snippet(text))")
        default: throw fail(.badResponse, "\(url): HTTP \(response.status.code): \(Self.snippet(text))")
        }
    }

    private func fail(_ kind: TranscriberError.Kind, _ message: String) -> TranscriberError {
        TranscriberError(backend: name, kind: kind, message: message)
    }

    private func classify(_ error: any Error, url: String) -> TranscriberError {
        if let http = error as? HTTPClientError {
            switch http {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return fail(.timeout, "\(url): no answer within \(options.timeout)")
            case .remoteConnectionClosed: return fail(.badResponse, "\(url): the server closed the connection")
            case .bodyLengthMismatch: return fail(.badResponse, "\(url): \(http)")
            default: break
            }
        }
        if error is NIOTooManyBytesError { return fail(.badResponse, "\(url): response larger than 10 MiB") }
        let text = String(describing: error)
        // Connection refused or no route: nothing is listening. Reset or closed mid-request: the server failed.
        if text.localizedCaseInsensitiveContains("refused") || text.contains("NIOConnectionError")
            || text.localizedCaseInsensitiveContains("unreachable")
        {
            return fail(.unreachable, "\(url): \(text)")
        }
        if text.contains("reset") || text.contains("closed") || text.contains("EOF") {
            return fail(.badResponse, "\(url): \(text)")
        }
        return fail(.unreachable, "\(url): \(text)")
    }

    private func parse(_ body: ByteBuffer) throws(TranscriberError) -> [RecognizedSpan] {
        let bytes = body.getBytes(at: body.readerIndex, length: body.readableBytes) ?? []
        let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
        guard let object else { throw fail(.badResponse, "response is not a JSON object: \(Self.snippet(String(buffer: body)))") }
        if let segments = object["segments"] as? [[String: Any]], !segments.isEmpty {
            return segments.compactMap { s in
                guard let text = s["text"] as? String else { return nil }
                return RecognizedSpan(
                    text: text.trimmingCharacters(in: CharacterSet.whitespaces), start: (s["start"] as? NSNumber)?.doubleValue,
                    end: (s["end"] as? NSNumber)?.doubleValue)
            }
        }
        guard let text = object["text"] as? String else { throw fail(.badResponse, "response has no \"text\"") }
        return text.isEmpty ? [] : [RecognizedSpan(text: text.trimmingCharacters(in: .whitespaces))]
    }

    static func multipart(boundary: String, fields: [(String, String)], wav: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for (name, value) in fields {
            out += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        out += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"utterance.wav\"\r\nContent-Type: audio/wav\r\n\r\n".utf8)
        out += wav
        out += Array("\r\n--\(boundary)--\r\n".utf8)
        return out
    }

    static func snippet(_ text: String) -> String { String(text.prefix(200)).replacingOccurrences(of: "\n", with: " ") }
}
