import Foundation
import Logging
import NIOCore
import WSClient

/// Deepgram's streaming API (`wss://api.deepgram.com/v1/listen`) with the parameters the Omi backend uses, over one
/// persistent WebSocket opened on the first utterance and reused: each utterance is sent as PCM16 frames and
/// flushed with `Finalize`; its final results come back as diarized spans with times relative to the utterance.
/// While idle the socket is kept open with `KeepAlive` messages on an injected clock. Utterances are serialized.
public actor DeepgramTranscriber: Transcriber {
    public nonisolated let name = "deepgram"

    /// Where and how to reach Deepgram. The API key is sent as `Authorization: Token …` and never logged or put
    /// into an error.
    public struct Options: Sendable, Equatable {
        /// Scheme, host and port, without `/v1/listen` (`ws://127.0.0.1:PORT` in tests).
        public var url: String
        public var model: String
        public var language: String
        public var apiKey: String?
        /// How often an idle connection sends `{"type":"KeepAlive"}` (Deepgram closes after 10 s without audio).
        public var keepAliveInterval: Duration = .seconds(5)
        /// How long one utterance may wait for its final result.
        public var timeout: Duration = .seconds(30)
        /// How long opening the WebSocket (connect, TLS, upgrade) may take.
        public var connectTimeout: Duration = .seconds(10)

        public init(
            apiKey: String?, url: String = "wss://api.deepgram.com", model: String = "nova-2", language: String = "en"
        ) {
            self.apiKey = apiKey
            self.url = url
            self.model = model
            self.language = language
        }
    }

    public nonisolated let options: Options
    private let clock: any Clock<Duration>
    private let logger = Logger(label: "omi-bridge.deepgram", factory: { _ in SwiftLogNoOpLogHandler() })
    private var connection: DeepgramConnection?
    private var connectionsOpened = 0
    private var nextDeadline: UInt64 = 0
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// - Parameter clock: paces the idle `KeepAlive`s (tests inject a manual clock); timeouts use the real clock.
    public init(options: Options, clock: any Clock<Duration> = ContinuousClock()) {
        self.options = options
        self.clock = clock
    }

    deinit {
        connection?.abandon()
    }

    /// The `/v1/listen` URL with every query parameter; it carries no secret.
    public nonisolated var listenURL: String {
        let base = options.url.hasSuffix("/") ? String(options.url.dropLast()) : options.url
        let parameters: [(String, String)] = [
            ("encoding", "linear16"), ("sample_rate", "16000"), ("channels", "1"), ("model", options.model),
            ("language", options.language), ("punctuate", "true"), ("smart_format", "true"), ("diarize", "true"),
            ("endpointing", "300"), ("interim_results", "false"), ("no_delay", "true"), ("filler_words", "false"),
            ("profanity_filter", "false"), ("multichannel", "false"),
        ]
        let allowed = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+"))
        let query = parameters.map { "\($0)=\($1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $1)" }
        return base + "/v1/listen?" + query.joined(separator: "&")
    }

    public func transcribe(_ samples: [Int16]) async throws(TranscriberError) -> [RecognizedSpan] {
        guard let key = options.apiKey, !key.isEmpty else {
            throw fail(.notConfigured, "no Deepgram API key configured")
        }
        guard !samples.isEmpty else { return [] }
        await acquire()
        defer { release() }
        var attempt = 0
        while true {
            attempt += 1
            let conn = try await currentConnection(apiKey: key)
            do throws(UtteranceFailure) {
                return try await run(samples, on: conn)
            } catch {
                drop(conn)
                switch error {
                case .failed(let error): throw error
                case .lost(let kind, let why):
                    // The socket went away mid-utterance: once more on a fresh connection, then give up.
                    guard attempt < 2 else {
                        throw fail(
                            kind, "the connection closed mid-utterance on two connections in a row (last: \(why))")
                    }
                }
            }
        }
    }

    /// Sends `{"type":"CloseStream"}`, gives Deepgram a moment to flush and close, then closes the socket.
    /// The next `transcribe` opens a new connection.
    public func close() async {
        await acquire()
        defer { release() }
        guard let conn = connection else { return }
        connection = nil
        conn.keepAlive?.cancel()
        if (try? await conn.writer.write(.text(#"{"type":"CloseStream"}"#))) != nil {
            let deadline = startDeadline(.seconds(2), on: conn.mailbox)
            defer { deadline.cancel() }
            waiting: while true {
                switch await conn.mailbox.receive() {
                case .closed, .failed: break waiting
                case .deadline(let t) where t == deadline.token:
                    try? await conn.writer.close(.normalClosure, reason: nil)
                    break waiting
                default: continue
                }
            }
        }
        conn.runner.cancel()
        await conn.runner.value
    }

    /// How many WebSockets this transcriber has opened (for diagnostics and tests).
    public var openedConnections: Int { connectionsOpened }

    // MARK: - Connection

    private func currentConnection(apiKey: String) async throws(TranscriberError) -> DeepgramConnection {
        if let conn = connection {
            // A socket that closed while idle (Deepgram's idle timeout, a network change) is replaced quietly.
            let closed = conn.mailbox.drain().contains {
                if case .closed = $0 { return true }
                if case .failed = $0 { return true }
                return false
            }
            if !closed { return conn }
            drop(conn)
        }
        let conn = try await open(apiKey: apiKey)
        connection = conn
        startKeepAlive(conn)
        return conn
    }

    private func open(apiKey: String) async throws(TranscriberError) -> DeepgramConnection {
        let url = listenURL
        let mailbox = Mailbox<DeepgramEvent>()
        let runner = DeepgramConnection.start(url: url, apiKey: apiKey, mailbox: mailbox, logger: logger)
        let deadline = startDeadline(options.connectTimeout, on: mailbox)
        defer { deadline.cancel() }
        let endpoint = url.prefix { $0 != "?" }
        while true {
            switch await mailbox.receive() {
            case .opened(let writer):
                connectionsOpened += 1
                return DeepgramConnection(id: connectionsOpened, mailbox: mailbox, writer: writer, runner: runner)
            case .deadline(let t):
                guard t == deadline.token else { continue }
                runner.cancel()
                throw fail(.timeout, "\(endpoint): no WebSocket connection within \(options.connectTimeout)")
            case .closed(let code, let reason):
                throw fail(
                    .badResponse, "\(endpoint): the socket closed during the handshake (\(Self.describe(code, reason)))"
                )
            case .failed(let error):
                throw await classifyConnectError(error, endpoint: String(endpoint), apiKey: apiKey)
            case .message:
                continue
            }
        }
    }

    private func classifyConnectError(_ error: any Error, endpoint: String, apiKey: String) async -> TranscriberError {
        if let error = error as? WebSocketClientError, error == .webSocketUpgradeFailed {
            guard
                let (status, body) = await DeepgramConnection.probeUpgrade(
                    url: listenURL, apiKey: apiKey, timeout: options.connectTimeout)
            else { return fail(.badResponse, "\(endpoint): the server refused the WebSocket upgrade") }
            let detail = redact(DeepgramMessage.snippet(body), apiKey)
            switch status {
            case 401, 403:
                return fail(.authentication, "\(endpoint): HTTP \(status) — check the Deepgram API key (\(detail))")
            case 500...599: return fail(.serverError, "\(endpoint): HTTP \(status): \(detail)")
            default: return fail(.badResponse, "\(endpoint): upgrade refused with HTTP \(status): \(detail)")
            }
        }
        let text = redact(String(describing: error), apiKey)
        if error is WebSocketClientError { return fail(.badResponse, "\(endpoint): \(text)") }
        return fail(.unreachable, "\(endpoint): \(text)")
    }

    /// Closes a connection that failed or went away and forgets it.
    private func drop(_ conn: DeepgramConnection) {
        conn.abandon()
        if connection === conn { connection = nil }
    }

    // MARK: - Keep-alive, timers, serialization

    private func startKeepAlive(_ conn: DeepgramConnection) {
        let (id, interval, clock) = (conn.id, options.keepAliveInterval, clock)
        conn.keepAlive = Task { [weak self] in
            while !Task.isCancelled {
                do { try await clock.sleep(for: interval) } catch { return }
                guard let self else { return }
                await self.keepAliveTick(connection: id)
            }
        }
    }

    private func keepAliveTick(connection id: Int) async {
        guard !busy, let conn = connection, conn.id == id else { return }
        try? await conn.writer.write(.text(#"{"type":"KeepAlive"}"#))
    }

    /// Posts `.deadline(token)` to `mailbox` after `duration` on the real clock, unless the deadline is no longer
    /// current by then (a stale one is ignored by its token).
    func startDeadline(_ duration: Duration, on mailbox: Mailbox<DeepgramEvent>) -> Deadline {
        nextDeadline += 1
        let token = nextDeadline
        let timer = Task {
            guard (try? await Task.sleep(for: duration)) != nil else { return }
            mailbox.post(.deadline(token))
        }
        return Deadline(token: token, timer: timer)
    }

    /// A pending `.deadline(token)`; cancel it once it no longer matters.
    struct Deadline {
        var token: UInt64
        var timer: Task<Void, Never>
        func cancel() { timer.cancel() }
    }

    private func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }

    func fail(_ kind: TranscriberError.Kind, _ message: String) -> TranscriberError {
        TranscriberError(backend: name, kind: kind, message: redact(message, options.apiKey))
    }

    nonisolated func redact(_ text: String, _ key: String?) -> String {
        guard let key, !key.isEmpty else { return text }
        return text.replacingOccurrences(of: key, with: "<redacted>")
    }

    static func describe(_ code: UInt16?, _ reason: String?) -> String {
        guard let code else { return "no close frame" }
        return "close code \(code)" + (reason.map { $0.isEmpty ? "" : ": \($0)" } ?? "")
    }
}
