import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOWebSocket
import Synchronization
import WSClient

/// A single-consumer queue of events with an async `receive`: the WebSocket task and deadline timers post, the
/// transcriber receives. Deadlines are events too, so waiting never needs cancelling.
final class Mailbox<Element: Sendable>: Sendable {
    private let state = Mutex<(items: [Element], waiter: CheckedContinuation<Element, Never>?)>(([], nil))

    func post(_ element: Element) {
        let waiter = state.withLock { s -> CheckedContinuation<Element, Never>? in
            if let waiter = s.waiter {
                s.waiter = nil
                return waiter
            }
            s.items.append(element)
            return nil
        }
        waiter?.resume(returning: element)
    }

    func receive() async -> Element {
        await withCheckedContinuation { (continuation: CheckedContinuation<Element, Never>) in
            let ready = state.withLock { s -> Element? in
                if !s.items.isEmpty { return s.items.removeFirst() }
                precondition(s.waiter == nil, "one receiver at a time")
                s.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Everything queued, without waiting.
    func drain() -> [Element] {
        state.withLock { s in
            defer { s.items = [] }
            return s.items
        }
    }
}

/// What happens on one Deepgram WebSocket, in order.
enum DeepgramEvent: Sendable {
    case opened(WebSocketOutboundWriter)
    case message(WebSocketMessage)
    /// The socket closed; the server's close code and reason when it sent a close frame.
    case closed(code: UInt16?, reason: String?)
    case failed(any Error)
    /// A timer set by the transcriber ran out (ids tell a stale timer from the current one).
    case deadline(UInt64)
}

/// One open WebSocket to `/v1/listen`, used by the transcriber actor (Sendable so its deinit can stop it).
final class DeepgramConnection: Sendable {
    let id: Int
    let mailbox: Mailbox<DeepgramEvent>
    let writer: WebSocketOutboundWriter
    /// Runs `WebSocketClient` until the socket closes; cancelling it closes the socket.
    let runner: Task<Void, Never>
    private let state = Mutex<(samplesSent: Int, keepAlive: Task<Void, Never>?)>((0, nil))

    /// Samples sent on this connection so far: Deepgram's times count from the first.
    var samplesSent: Int {
        get { state.withLock { $0.samplesSent } }
        set { state.withLock { $0.samplesSent = newValue } }
    }
    var keepAlive: Task<Void, Never>? {
        get { state.withLock { $0.keepAlive } }
        set { state.withLock { $0.keepAlive = newValue } }
    }

    init(id: Int, mailbox: Mailbox<DeepgramEvent>, writer: WebSocketOutboundWriter, runner: Task<Void, Never>) {
        self.id = id
        self.mailbox = mailbox
        self.writer = writer
        self.runner = runner
    }

    /// Stops the keep-alive and the socket without waiting.
    func abandon() {
        keepAlive?.cancel()
        runner.cancel()
    }

    /// Starts `WebSocketClient` on `url`, posting every event to `mailbox`: `.opened` once upgraded, then each
    /// message, then `.closed` or `.failed`.
    static func start(
        url: String, apiKey: String, mailbox: Mailbox<DeepgramEvent>, logger: Logger
    ) -> Task<Void, Never> {
        var configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20, closeTimeout: .seconds(2))
        configuration.additionalHeaders[.authorization] = "Token \(apiKey)"
        return Task {
            do {
                let close = try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) {
                    inbound, outbound, _ in
                    mailbox.post(.opened(outbound))
                    for try await message in inbound.messages(maxSize: 1 << 22) { mailbox.post(.message(message)) }
                }
                mailbox.post(
                    .closed(code: close.map { UInt16(webSocketErrorCode: $0.closeCode) }, reason: close?.reason))
            } catch {
                mailbox.post(.failed(error))
            }
        }
    }

    /// `WebSocketClient` reports a refused upgrade only as `webSocketUpgradeFailed`, without the status. To say
    /// why (a bad key, an outage), the same upgrade request goes once more over plain HTTP and its status and body
    /// come back; nil if that fails too.
    static func probeUpgrade(url: String, apiKey: String, timeout: Duration) async -> (status: Int, body: String)? {
        var httpURL = url
        if httpURL.hasPrefix("wss://") { httpURL = "https://" + httpURL.dropFirst(6) }
        if httpURL.hasPrefix("ws://") { httpURL = "http://" + httpURL.dropFirst(5) }
        var request = HTTPClientRequest(url: httpURL)
        request.headers.add(name: "Authorization", value: "Token \(apiKey)")
        request.headers.add(name: "Connection", value: "Upgrade")
        request.headers.add(name: "Upgrade", value: "websocket")
        request.headers.add(name: "Sec-WebSocket-Version", value: "13")
        let nonce = (0..<16).map { _ in UInt8.random(in: 0...255) }
        request.headers.add(name: "Sec-WebSocket-Key", value: Data(nonce).base64EncodedString())
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        do {
            let response = try await HTTPClient.shared.execute(request, deadline: deadline)
            guard response.status.code != 101 else { return nil }
            let body = try await response.body.collect(upTo: 64 << 10)
            return (Int(response.status.code), String(buffer: body))
        } catch {
            return nil
        }
    }
}
