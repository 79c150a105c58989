import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization

/// A WebSocket server on 127.0.0.1 (port 0) for tests, on NIO's own upgrader: records every handshake, refuses
/// upgrades with any status when told to, and hands each text message of an accepted socket to `onText` with a
/// `Peer` to answer or close through. Binary messages are collected per peer.
final class LoopbackWebSocketServer: Sendable {
    struct Handshake: Sendable {
        var uri: String
        /// Header names lower-cased.
        var headers: [String: String]
        var path: String { String(uri.prefix { $0 != "?" }) }
        var query: [String: String] {
            guard let q = uri.split(separator: "?", maxSplits: 1).dropFirst().first else { return [:] }
            var out: [String: String] = [:]
            for pair in q.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map {
                    String($0).removingPercentEncoding ?? String($0)
                }
                out[parts[0]] = parts.count > 1 ? parts[1] : ""
            }
            return out
        }
    }

    enum Upgrade: Sendable {
        case accept
        case reject(status: Int, body: String)
    }

    /// One accepted WebSocket.
    final class Peer: Sendable {
        let index: Int
        let handshake: Handshake
        private let channel: any Channel
        private let state = Mutex<(audio: [UInt8], texts: [String])>(([], []))

        init(index: Int, handshake: Handshake, channel: any Channel) {
            self.index = index
            self.handshake = handshake
            self.channel = channel
        }

        /// Every binary byte received, in order.
        var audio: [UInt8] { state.withLock { $0.audio } }
        var samplesReceived: Int { audio.count / 2 }
        /// Every text message received, in order.
        var texts: [String] { state.withLock { $0.texts } }

        func send(_ text: String) {
            channel.writeAndFlush(
                WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text)), promise: nil)
        }

        func send(binary: [UInt8]) {
            channel.writeAndFlush(
                WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(bytes: binary)), promise: nil)
        }

        /// With a code, a close frame first; without, the TCP connection just goes away.
        func close(code: UInt16? = nil, reason: String = "") {
            guard let code else {
                channel.close(promise: nil)
                return
            }
            var data = ByteBuffer()
            data.writeInteger(code)
            data.writeString(reason)
            let channel = self.channel
            channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)).whenComplete { _ in
                channel.close(promise: nil)
            }
        }

        fileprivate func received(binary: [UInt8]) { state.withLock { $0.audio += binary } }
        fileprivate func received(text: String) { state.withLock { $0.texts.append(text) } }
        fileprivate func shutdown() async { try? await channel.close() }
    }

    private final class State: Sendable {
        let upgrade: @Sendable (Handshake) -> Upgrade
        let onText: @Sendable (Peer, String) -> Void
        let recorded = Mutex<(handshakes: [Handshake], peers: [Peer])>(([], []))

        init(upgrade: @escaping @Sendable (Handshake) -> Upgrade, onText: @escaping @Sendable (Peer, String) -> Void) {
            self.upgrade = upgrade
            self.onText = onText
        }
    }

    let port: Int
    private let state: State
    private let listener: any Channel

    init(
        upgrade: @escaping @Sendable (Handshake) -> Upgrade = { _ in .accept },
        onText: @escaping @Sendable (Peer, String) -> Void = { _, _ in }
    ) async throws {
        let state = State(upgrade: upgrade, onText: onText)
        self.state = state
        listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let upgrader = NIOWebSocketServerUpgrader(
                    maxFrameSize: 1 << 22,
                    shouldUpgrade: { channel, head in
                        let handshake = Handshake(uri: head.uri, headers: Self.headers(head))
                        state.recorded.withLock { $0.handshakes.append(handshake) }
                        if case .accept = state.upgrade(handshake) {
                            return channel.eventLoop.makeSucceededFuture(HTTPHeaders())
                        }
                        return channel.eventLoop.makeSucceededFuture(nil)
                    },
                    upgradePipelineHandler: { channel, head in
                        let handshake = Handshake(uri: head.uri, headers: Self.headers(head))
                        let peer = state.recorded.withLock { r in
                            let peer = Peer(index: r.peers.count, handshake: handshake, channel: channel)
                            r.peers.append(peer)
                            return peer
                        }
                        return channel.pipeline.removeHandler(name: "reject").flatMapThrowing {
                            try channel.pipeline.syncOperations.addHandler(
                                FrameHandler(peer: peer, onText: state.onText))
                        }
                    })
                return channel.pipeline.configureHTTPServerPipeline(
                    withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in })
                )
                .flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(
                        RejectHandler(upgrade: state.upgrade), name: "reject")
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = listener.localAddress!.port!
    }

    var url: String { "ws://127.0.0.1:\(port)" }
    var handshakes: [Handshake] { state.recorded.withLock { $0.handshakes } }
    var peers: [Peer] { state.recorded.withLock { $0.peers } }

    /// Stops listening and closes every socket.
    func stop() async {
        try? await listener.close()
        for peer in peers { await peer.shutdown() }
    }

    private static func headers(_ head: HTTPRequestHead) -> [String: String] {
        var out: [String: String] = [:]
        for (name, value) in head.headers { out[name.lowercased()] = value }
        return out
    }

    /// Answers a refused upgrade with the status `upgrade` says.
    private final class RejectHandler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let upgrade: @Sendable (Handshake) -> Upgrade
        var status = 404
        var body = "not a WebSocket request"

        init(upgrade: @escaping @Sendable (Handshake) -> Upgrade) { self.upgrade = upgrade }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                if case .reject(let status, let body) = upgrade(
                    Handshake(uri: head.uri, headers: LoopbackWebSocketServer.headers(head)))
                {
                    (self.status, self.body) = (status, body)
                }
            case .body: break
            case .end:
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: "\(body.utf8.count)")
                headers.add(name: "Connection", value: "close")
                context.write(
                    wrapOutboundOut(
                        .head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: headers))),
                    promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }

    /// Reassembles messages of an accepted socket, answers pings and the close handshake.
    private final class FrameHandler: ChannelInboundHandler {
        typealias InboundIn = WebSocketFrame
        typealias OutboundOut = WebSocketFrame
        let peer: Peer
        let onText: @Sendable (Peer, String) -> Void
        var message: (opcode: WebSocketOpcode, bytes: [UInt8])?

        init(peer: Peer, onText: @escaping @Sendable (Peer, String) -> Void) {
            self.peer = peer
            self.onText = onText
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = unwrapInboundIn(data)
            var payload = frame.unmaskedData
            let bytes = payload.readBytes(length: payload.readableBytes) ?? []
            switch frame.opcode {
            case .text, .binary, .continuation:
                if frame.opcode == .continuation { message?.bytes += bytes } else { message = (frame.opcode, bytes) }
                guard frame.fin, let complete = message else { return }
                message = nil
                if complete.opcode == .binary {
                    peer.received(binary: complete.bytes)
                } else {
                    let text = String(decoding: complete.bytes, as: UTF8.self)
                    peer.received(text: text)
                    onText(peer, text)
                }
            case .ping:
                context.writeAndFlush(
                    wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
            case .connectionClose:
                let channel = context.channel
                context.writeAndFlush(
                    wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: frame.unmaskedData))
                )
                .whenComplete { _ in channel.close(promise: nil) }
            default:
                break
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }
}
