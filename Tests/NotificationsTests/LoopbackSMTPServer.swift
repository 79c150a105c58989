import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// A scripted SMTP receiver on 127.0.0.1 for the email channel's tests, on NIO so it can upgrade to TLS for
/// STARTTLS (or speak TLS from the start). Records every session: each command line, whether it came over TLS,
/// the message as it came on the wire (still dot-stuffed), and when the client went away.
final class LoopbackSMTPServer: Sendable {
    struct Script: Sendable {
        /// Sent on connect, as is: a normal greeting, or garbage for the hostile-server tests (empty: say nothing).
        var greeting: [UInt8] = Array("220 loopback.test ESMTP ready\r\n".utf8)
        /// Extension lines of the EHLO reply after the first (`STARTTLS` is added by `startTLS`, before TLS only).
        var extensions: [String] = ["PIPELINING", "8BITMIME", "SIZE 10240000"]
        /// The certificate and key for STARTTLS (offered when set) or implicit TLS.
        var tls: TestCertificate?
        /// TLS from the first byte instead of STARTTLS.
        var implicitTLS = false
        /// Replaces the reply to a verb (`EHLO`, `MAIL`, `RCPT`, `DATA`, `AUTH`, and `.` for the end of data) with
        /// this line, e.g. `451 4.3.0 try again later`.
        var replies: [String: String] = [:]
    }

    struct Session: Sendable {
        var commands: [String] = []
        /// Parallel to `commands`: whether each arrived over TLS.
        var overTLS: [Bool] = []
        /// The bytes between `354` and the final `.` line, as sent (dot-stuffed, CRLF).
        var data: [UInt8]?
        var dataOverTLS = false
        var closed = false

        /// The message with dot-stuffing undone, as a receiving MTA stores it.
        var message: String? {
            data.map { bytes in
                String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
                    .map { $0.hasPrefix(".") ? String($0.dropFirst()) : $0 }.joined(separator: "\r\n")
            }
        }

        /// The commands' verbs: `EHLO`, `MAIL`, `RCPT`, …
        var verbs: [String] { commands.map { String($0.prefix { $0 != " " }).uppercased() } }
    }

    final class Recorder: Sendable {
        let sessions = Mutex<[Session]>([])

        func open() -> Int {
            sessions.withLock {
                $0.append(Session()); return $0.count - 1
            }
        }
        func update(_ index: Int, _ change: (inout Session) -> Void) { sessions.withLock { change(&$0[index]) } }
    }

    let port: Int
    private let channel: any Channel
    private let recorder: Recorder

    private init(port: Int, channel: any Channel, recorder: Recorder) {
        self.port = port
        self.channel = channel
        self.recorder = recorder
    }

    static func start(_ script: Script = Script()) async throws -> LoopbackSMTPServer {
        let recorder = Recorder()
        let tlsContext = try script.tls.map { try NIOSSLContext(configuration: $0.serverConfiguration) }
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if script.implicitTLS, let tlsContext {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tlsContext))
                    }
                    let handler = SMTPReceiverHandler(script: script, tls: tlsContext, recorder: recorder)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return LoopbackSMTPServer(port: channel.localAddress!.port!, channel: channel, recorder: recorder)
    }

    var sessions: [Session] { recorder.sessions.withLock { $0 } }
    /// The only session; fails the test's expectations (by being empty) when there was none.
    var session: Session { sessions.first ?? Session() }

    func stop() { channel.close(promise: nil) }
}

/// One SMTP session of the receiver, on its channel's event loop.
private final class SMTPReceiverHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let script: LoopbackSMTPServer.Script
    private let tls: NIOSSLContext?
    private let recorder: LoopbackSMTPServer.Recorder
    private var index = 0
    private var buffer: [UInt8] = []
    private var inTLS: Bool
    private var inData = false
    private var data: [UInt8] = []
    /// AUTH LOGIN's pending prompts: username, then password.
    private var loginPrompts = 0

    init(script: LoopbackSMTPServer.Script, tls: NIOSSLContext?, recorder: LoopbackSMTPServer.Recorder) {
        self.script = script
        self.tls = tls
        self.recorder = recorder
        self.inTLS = script.implicitTLS
    }

    func channelActive(context: ChannelHandlerContext) {
        index = recorder.open()
        if !script.greeting.isEmpty {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: script.greeting)), promise: nil)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        recorder.update(index) { $0.closed = true }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        buffer += unwrapInboundIn(data).readableBytesView
        while let newline = buffer.firstIndex(of: 0x0A) {
            let end = newline > 0 && buffer[newline - 1] == 0x0D ? newline - 1 : newline
            let line = Array(buffer[..<end])
            buffer.removeSubrange(...newline)
            handle(line, context: context)
        }
    }

    private func handle(_ bytes: [UInt8], context: ChannelHandlerContext) {
        if inData {
            if bytes == [UInt8(ascii: ".")] {
                inData = false
                let message = self.data
                let overTLS = inTLS
                recorder.update(index) {
                    $0.data = message
                    $0.dataOverTLS = overTLS
                }
                reply(script.replies["."] ?? "250 2.0.0 queued as 1", context)
            } else {
                self.data += bytes + [0x0D, 0x0A]
            }
            return
        }
        let line = String(decoding: bytes, as: UTF8.self)
        let overTLS = inTLS
        recorder.update(index) {
            $0.commands.append(line)
            $0.overTLS.append(overTLS)
        }
        if loginPrompts > 0 {
            loginPrompts -= 1
            reply(loginPrompts == 1 ? "334 UGFzc3dvcmQ6" : (script.replies["AUTH"] ?? "235 2.7.0 accepted"), context)
            return
        }
        let verb = String(line.prefix { $0 != " " }).uppercased()
        if let scripted = script.replies[verb] {
            reply(scripted, context)
            return
        }
        switch verb {
        case "EHLO":
            var lines = ["loopback.test greets you"] + script.extensions
            if tls != nil, !script.implicitTLS, !inTLS { lines.append("STARTTLS") }
            let text = lines.enumerated().map { "250\($0.offset == lines.count - 1 ? " " : "-")\($0.element)\r\n" }
                .joined()
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
        case "HELO", "MAIL", "RCPT", "RSET", "NOOP": reply("250 2.0.0 ok", context)
        case "DATA":
            inData = true
            data = []
            reply("354 end data with <CR><LF>.<CR><LF>", context)
        case "AUTH":
            if line.uppercased().hasPrefix("AUTH LOGIN") {
                loginPrompts = 2
                reply("334 VXNlcm5hbWU6", context)
            } else {
                reply("235 2.7.0 accepted", context)
            }
        case "STARTTLS":
            guard let tls, !inTLS else { return reply("502 5.5.1 no TLS here", context) }
            // The 220 leaves in clear (the flush is synchronous); everything after goes through TLS.
            reply("220 2.0.0 ready to start TLS", context)
            buffer = []
            inTLS = true
            try? context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls), position: .first)
        case "QUIT":
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "221 2.0.0 bye\r\n"))).assumeIsolated()
                .whenComplete { _ in
                    context.close(promise: nil)
                }
        default: reply("500 5.5.2 unrecognised command", context)
        }
    }

    private func reply(_ line: String, _ context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: line + "\r\n")), promise: nil)
    }
}
