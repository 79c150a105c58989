public import AsyncHTTPClient
import Foundation
import NIOCore

/// One POST to an app, as built by the triggers: URL, exact body bytes, content type and extra headers.
public struct WebhookRequest: Sendable, Equatable {
    public var url: String
    public var body: [UInt8]
    public var contentType: String
    public var headers: [String: String]

    public init(url: String, body: [UInt8], contentType: String = "application/json", headers: [String: String] = [:]) {
        self.url = url
        self.body = body
        self.contentType = contentType
        self.headers = headers
    }
}

/// What the app answered.
public struct WebhookResponse: Sendable, Equatable {
    public var status: Int
    public var body: [UInt8]
    /// `Retry-After`, when present.
    public var retryAfter: String?
    public var latency: Duration
}

/// Why there is no answer: specific enough for the logs and the breaker.
public struct WebhookFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case timeout, unreachable, tooLarge = "too_large", connectionClosed = "closed", failed
        /// Not sent: the URL's circuit breaker is open (omi-contract §3.1).
        case circuitOpen = "circuit_open"
    }

    public var kind: Kind
    public var message: String

    public var description: String { "\(kind.rawValue): \(message)" }

    /// The call was not made: `url`'s circuit is open.
    static func circuitOpen(_ url: String) -> WebhookFailure {
        WebhookFailure(kind: .circuitOpen, message: "\(CircuitBreaker.key(for: url)): circuit open, not sent")
    }
}

/// POSTs to app webhooks with the Omi backend's limits (omi-contract §3.1): 2 s to connect, 15 s to read, at most
/// `maxInFlight` (64) requests at once across all apps, no auth headers unless the caller adds signing. Answers
/// larger than `maxResponseBytes` are failures, never buffered whole. Call `shutdown()` before dropping it.
public final class WebhookClient: Sendable {
    public static let maxResponseBytes = 2 << 20
    private let client: HTTPClient
    private let limiter: AsyncLimiter
    private let readTimeout: Duration

    public init(maxInFlight: Int = 64, connectTimeout: Duration = .seconds(2), readTimeout: Duration = .seconds(15)) {
        var configuration = HTTPClient.Configuration(
            timeout: .init(connect: .init(connectTimeout), read: .init(readTimeout)))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        configuration.decompression = .disabled
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        limiter = AsyncLimiter(permits: maxInFlight)
        self.readTimeout = readTimeout
    }

    public func shutdown() async { try? await client.shutdown() }

    public func post(_ request: WebhookRequest) async -> Result<WebhookResponse, WebhookFailure> {
        await limiter.acquire()
        let result = await send(request)
        await limiter.release()
        return result
    }

    private func send(_ request: WebhookRequest) async -> Result<WebhookResponse, WebhookFailure> {
        var http = HTTPClientRequest(url: request.url)
        http.method = .POST
        http.headers.add(name: "Content-Type", value: request.contentType)
        for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) { http.headers.add(name: name, value: value) }
        http.body = .bytes(ByteBuffer(bytes: request.body))
        let began = ContinuousClock.now
        do {
            let response = try await client.execute(http, timeout: .init(readTimeout) + .seconds(2))
            let body = try await response.body.collect(upTo: Self.maxResponseBytes)
            return .success(
                WebhookResponse(
                    status: Int(response.status.code), body: Array(buffer: body),
                    retryAfter: response.headers.first(name: "Retry-After"), latency: ContinuousClock.now - began))
        } catch {
            return .failure(Self.classify(error, url: request.url))
        }
    }

    /// What a transport error from AsyncHTTPClient means, named after `url` (pass it redacted: it goes into the
    /// message as given). Public for the notification centre's HTTP channels, which classify the same way.
    public static func classify(_ error: any Error, url: String) -> WebhookFailure {
        let target = url.prefix { $0 != "?" }
        if error is NIOTooManyBytesError {
            return WebhookFailure(kind: .tooLarge, message: "\(target): answer larger than \(maxResponseBytes >> 20) MiB")
        }
        if let http = error as? HTTPClientError {
            switch http {
            case .deadlineExceeded, .readTimeout, .connectTimeout:
                return WebhookFailure(kind: .timeout, message: "\(target): no answer in time (\(http))")
            case .remoteConnectionClosed:
                return WebhookFailure(kind: .connectionClosed, message: "\(target): the app closed the connection")
            default: break
            }
        }
        let text = String(describing: error)
        if text.localizedCaseInsensitiveContains("refused") || text.contains("NIOConnectionError") {
            return WebhookFailure(kind: .unreachable, message: "\(target): \(text)")
        }
        if text.contains("reset") || text.contains("closed") || text.contains("EOF") {
            return WebhookFailure(kind: .connectionClosed, message: "\(target): \(text)")
        }
        return WebhookFailure(kind: .failed, message: "\(target): \(text)")
    }
}

/// A counting semaphore for async code: at most `permits` holders, the rest wait in order.
actor AsyncLimiter {
    private let permits: Int
    private var inUse = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(permits: Int) { self.permits = max(1, permits) }

    func acquire() async {
        if inUse < permits {
            inUse += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty { inUse -= 1 } else { waiters.removeFirst().resume() }
    }
}
