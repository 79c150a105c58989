import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// One SMTP connection's transport: lines out, replies in, each exchange under the command timeout, and the
/// in-place upgrade to TLS for STARTTLS. Knows nothing of the dialogue (`SMTPClient` drives it).
///
/// Every failure leaves as an `SMTPError` naming the stage it happened at. A timeout closes the channel from the
/// event loop, which ends the pending read or write; the expiry flag tells that apart from the server closing.
struct SMTPConnection: ~Copyable {
    private let channel: any Channel
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var parser = SMTPReplyParser()
    private let commandTimeout: Duration
    private let expiry = Expiry()
    private let logger: Logger

    private final class Expiry: Sendable {
        let expired = Atomic<Bool>(false)
    }

    /// Connects (with TLS from the first byte when `implicitTLS` is set), runs `body`, and closes.
    static func withConnection(
        to configuration: EmailConfiguration, implicitTLS: NIOSSLContext?, logger: Logger,
        _ body: (inout SMTPConnection) async throws(SMTPError) -> Void
    ) async throws(SMTPError) {
        let endpoint = "\(configuration.host):\(configuration.port)"
        let serverHostname = Self.serverHostname(configuration.host)
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(TimeAmount(configuration.connectTimeout))
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let implicitTLS {
                            let tls = try NIOSSLClientHandler(context: implicitTLS, serverHostname: serverHostname)
                            try channel.pipeline.syncOperations.addHandler(tls)
                        }
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch ChannelError.connectTimeout {
            throw SMTPError(
                .connectTimeout, at: .connect, "no connection to \(endpoint) within \(configuration.connectTimeout)")
        } catch let error as NIOConnectionError {
            let cause =
                error.connectionErrors.first.map { "\($0.error)" } ?? error.dnsAError.map { "\($0)" } ?? "\(error)"
            throw SMTPError(.unreachable, at: .connect, "\(endpoint): \(cause)")
        } catch {
            throw SMTPError(.unreachable, at: .connect, "\(endpoint): \(error)")
        }
        var failure: SMTPError?
        do {
            try await channel.executeThenClose { inbound, outbound in
                var connection = SMTPConnection(
                    channel: channel.channel, inbound: inbound.makeAsyncIterator(), outbound: outbound,
                    commandTimeout: configuration.commandTimeout, logger: logger)
                do throws(SMTPError) {
                    try await body(&connection)
                } catch {
                    failure = error
                }
            }
        } catch {
            // Only closing can fail here, after the body ran; the session's outcome stands.
            logger.debug("SMTP close failed", metadata: ["error": "\(error)"])
        }
        if let failure { throw failure }
    }

    private init(
        channel: any Channel, inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, commandTimeout: Duration, logger: Logger
    ) {
        self.channel = channel
        self.inbound = inbound
        self.outbound = outbound
        self.commandTimeout = commandTimeout
        self.logger = logger
    }

    /// The SNI / verification name: the host, unless it is an IP address (NIOSSL then checks the certificate
    /// against the peer's address, and an IP is not allowed in SNI).
    static func serverHostname(_ host: String) -> String? {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return (try? SocketAddress(ipAddress: bare, port: 0)) == nil ? host : nil
    }

    /// Reads one reply without sending anything (the greeting).
    mutating func reply(at stage: SMTPStage) async throws(SMTPError) -> SMTPReply {
        try await exchange(nil, at: stage, logAs: nil)
    }

    /// Sends `line` (CRLF added) and reads the reply. `logAs` replaces the line in the debug log (credentials).
    mutating func command(_ line: String, at stage: SMTPStage, logAs: String? = nil) async throws(SMTPError)
        -> SMTPReply
    {
        try await exchange(Array((line + "\r\n").utf8), at: stage, logAs: logAs ?? line)
    }

    /// Sends raw bytes (the dot-stuffed message and its terminator) and reads the reply.
    mutating func data(_ bytes: [UInt8], at stage: SMTPStage) async throws(SMTPError) -> SMTPReply {
        try await exchange(bytes, at: stage, logAs: "<message, \(bytes.count) bytes>")
    }

    /// Sends `line` without waiting for a reply, ignoring failures: `QUIT` on the way out of a failed session.
    mutating func sendQuietly(_ line: String) async {
        guard !expiry.expired.load(ordering: .acquiring) else { return }
        try? await outbound.write(ByteBuffer(string: line + "\r\n"))
    }

    /// Puts NIOSSL under the connection after the server's `220` to STARTTLS (RFC 3207); the handshake runs
    /// with the next command, so its failures surface there.
    mutating func startTLS(context: NIOSSLContext, serverHostname: String?) async throws(SMTPError) {
        // Bytes after the 220 arrived in clear before the handshake: an injection attempt (CVE-2011-0411's
        // client-side twin), never to be read as if they came over TLS.
        guard parser.pendingByteCount == 0 else {
            throw SMTPError(.protocolViolation, at: .startTLS, "the server sent data after its STARTTLS reply")
        }
        let channel = self.channel
        do {
            try await channel.eventLoop.submit {
                let handler = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
                try channel.pipeline.syncOperations.addHandler(handler, position: .first)
            }.get()
        } catch {
            throw SMTPError(.tls, at: .startTLS, "cannot start TLS: \(error)")
        }
    }

    private mutating func exchange(_ bytes: [UInt8]?, at stage: SMTPStage, logAs: String?) async throws(SMTPError)
        -> SMTPReply
    {
        if let logAs { logger.debug("SMTP >", metadata: ["command": "\(logAs)"]) }
        let channel = self.channel
        let expiry = self.expiry
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(commandTimeout)) {
            expiry.expired.store(true, ordering: .releasing)
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            // A write fails when the channel closed under it; why it closed (a TLS alert, a last `421`, a reset)
            // is still in the inbound stream, so it is read before the write's own error is reported.
            var writeFailure: (any Error)?
            if let bytes {
                do { try await outbound.write(ByteBuffer(bytes: bytes)) } catch { writeFailure = error }
            }
            while true {
                if let reply = try parser.next() {
                    logger.debug("SMTP <", metadata: ["code": "\(reply.code)", "text": "\(reply.summary)"])
                    return reply
                }
                guard let buffer = try await inbound.next() else {
                    if let writeFailure { throw writeFailure }
                    throw SMTPError(.closed, at: stage, "the server closed the connection")
                }
                parser.append(buffer.readableBytesView)
            }
        } catch let error as SMTPReplyParser.ProtocolError {
            throw SMTPError(.protocolViolation, at: stage, error.description)
        } catch {
            throw classify(error, at: stage)
        }
    }

    /// A failed read or write: our own timeout, a TLS failure, or the connection going away.
    private func classify(_ error: any Error, at stage: SMTPStage) -> SMTPError {
        if expiry.expired.load(ordering: .acquiring) {
            return SMTPError(.commandTimeout, at: stage, "no reply within \(commandTimeout)")
        }
        switch error {
        case let error as SMTPError: return error
        // TCP closed under TLS without close_notify: the connection dropped, as it can without TLS.
        case NIOSSLError.uncleanShutdown: return SMTPError(.closed, at: stage, "the connection dropped (\(error))")
        case is NIOSSLError, is BoringSSLError, is NIOSSLExtraError:
            return SMTPError(.tls, at: stage, "\(error)")
        default:
            return SMTPError(.closed, at: stage, "\(error)")
        }
    }
}
