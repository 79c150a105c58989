public import AsyncHTTPClient
import Foundation
import NIOCore
import Transcription

/// A `TextGenerator` on any OpenAI-compatible `/v1/chat/completions` server (OpenAI, Ollama, llama.cpp's
/// server, vLLM): the prompt goes as one user message (omi-contract §4 step 8) and the reply is
/// `choices[0].message.content`.
public struct OpenAIChatGenerator: TextGenerator {
    /// Where and how to ask.
    public struct Options: Sendable, Equatable {
        /// Scheme, host and port (and any path prefix), without `/v1/…`.
        public var baseURL: String
        public var model: String
        /// Sent as `Authorization: Bearer …`; never put in errors.
        public var apiKey: String?
        /// Bounds the whole exchange, connect included.
        public var timeout: Duration

        public init(baseURL: String, model: String, apiKey: String? = nil, timeout: Duration = .seconds(60)) {
            self.baseURL = baseURL
            self.model = model
            self.apiKey = apiKey
            self.timeout = timeout
        }
    }

    public let options: Options
    private let client: HTTPClient

    /// - Parameter client: defaults to AsyncHTTPClient's process-wide shared client.
    public init(options: Options, client: HTTPClient? = nil) {
        self.options = options
        self.client = client ?? HTTPClient.shared
    }

    /// The URL requests go to.
    public var endpoint: String {
        options.baseURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/v1/chat/completions"
    }

    public func generate(prompt: String) async throws -> String {
        try await complete(prompt: prompt)
    }

    /// `generate` with its typed error.
    public func complete(prompt: String) async throws(TextGeneratorError) -> String {
        let url = endpoint
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let key = options.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        let payload: [String: Any] = ["model": options.model, "messages": [["role": "user", "content": prompt]]]
        let json: Data
        do {
            json = try JSONSerialization.data(withJSONObject: payload)
        } catch {
            throw TextGeneratorError(.badResponse, "could not encode the request: \(error)")
        }
        request.body = .bytes(ByteBuffer(bytes: json))

        let status: UInt
        let body: ByteBuffer
        do {
            let deadline = NIODeadline.now() + TimeAmount(options.timeout)
            (status, body) = try await withTimeout(options.timeout + .milliseconds(250)) { [client, request] in
                let response = try await client.execute(request, deadline: deadline)
                return (response.status.code, try await response.body.collect(upTo: 10 << 20))
            }
        } catch is TimedOut {
            throw TextGeneratorError(.timeout, "\(url): no answer within \(options.timeout)")
        } catch {
            throw classify(error, url: url)
        }
        let text = String(buffer: body)
        switch status {
        case 200: return try Self.parse(body, url: url)
        case 401, 403:
            throw TextGeneratorError(
                .authentication, "\(url): HTTP \(status) — check the API key (\(Self.snippet(text)))")
        case 500...599: throw TextGeneratorError(.serverError, "\(url): HTTP \(status): \(Self.snippet(text))")
        default: throw TextGeneratorError(.badResponse, "\(url): HTTP \(status): \(Self.snippet(text))")
        }
    }

    static func parse(_ body: ByteBuffer, url: String) throws(TextGeneratorError) -> String {
        let bytes = body.getBytes(at: body.readerIndex, length: body.readableBytes) ?? []
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
            throw TextGeneratorError(
                .badResponse, "\(url): response is not a JSON object: \(snippet(String(buffer: body)))")
        }
        guard let choices = object["choices"] as? [[String: Any]], let first = choices.first,
            let message = first["message"] as? [String: Any], let content = message["content"] as? String
        else {
            throw TextGeneratorError(.badResponse, "\(url): response has no choices[0].message.content")
        }
        return content
    }

    private func classify(_ error: any Error, url: String) -> TextGeneratorError {
        if let http = error as? HTTPClientError {
            switch http {
            case .deadlineExceeded, .readTimeout, .connectTimeout:
                return TextGeneratorError(.timeout, "\(url): no answer within \(options.timeout)")
            case .remoteConnectionClosed:
                return TextGeneratorError(.badResponse, "\(url): the server closed the connection")
            default: break
            }
        }
        if error is NIOTooManyBytesError {
            return TextGeneratorError(.badResponse, "\(url): response larger than 10 MiB")
        }
        let text = String(describing: error)
        // AsyncHTTPClient keeps retrying a refused connect until the deadline and then reports it wrapped in a
        // "connection reset (error set): Connection refused", so look for the refusal first.
        if text.localizedCaseInsensitiveContains("refused") || text.contains("NIOConnectionError")
            || text.localizedCaseInsensitiveContains("unreachable")
        {
            return TextGeneratorError(.unreachable, "\(url): \(text)")
        }
        if text.contains("reset") || text.contains("closed") || text.contains("EOF") {
            return TextGeneratorError(.badResponse, "\(url): \(text)")
        }
        // Connection refused, no route, DNS: nothing answers there.
        return TextGeneratorError(.unreachable, "\(url): \(text)")
    }

    static func snippet(_ text: String) -> String { String(text.prefix(200)).replacingOccurrences(of: "\n", with: " ") }
}
