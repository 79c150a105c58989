import Foundation
import Glibc
import Synchronization

/// A TCP listener on 127.0.0.1 for tests and benchmarks: each accepted connection is served on a thread of its own
/// by `serve`, and closed when it returns. The base of the loopback protocol servers (HTTP, Wyoming, the webhook
/// benchmark's receiver).
public final class LoopbackTCPServer: Sendable {
    public let port: Int
    private let listener: Int32
    private let stopped = Atomic<Bool>(false)
    private let accepted = Atomic<Int>(0)
    private let serve: @Sendable (LoopbackConnection) -> Void

    /// - Parameter backlog: pending connections the kernel queues (a load generator opens many at once).
    public init(backlog: Int32 = 64, serve: @escaping @Sendable (LoopbackConnection) -> Void) throws {
        self.serve = serve
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, backlog) == 0 else {
            close(fd)
            throw TestServerError("cannot listen on 127.0.0.1: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = fd
        Thread { [self] in acceptLoop() }.start()
    }

    deinit { stop() }

    /// Connections accepted so far.
    public var connectionCount: Int { accepted.load(ordering: .relaxed) }

    public func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while !stopped.load(ordering: .relaxed) {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            accepted.add(1, ordering: .relaxed)
            Thread { [self] in
                let connection = LoopbackConnection(fd: client)
                serve(connection)
                connection.close()
            }.start()
        }
    }

    /// A port nothing listens on, for "unreachable" tests: 1 (tcpmux) is never served here, and unlike a port
    /// freed by a stopped test server it cannot be handed to another test's server running in parallel (they all
    /// bind ephemeral ports), so a connection to it is always refused.
    public static let refusedPort = 1
}

/// One connection (accepted, or made by ``connect(port:timeout:)``), used by one thread: buffered reads (exact
/// counts, lines) and whole writes.
public final class LoopbackConnection {
    public let fd: Int32
    private var buffer: [UInt8] = []
    private var chunk = [UInt8](repeating: 0, count: 65_536)
    private var closed = false

    init(fd: Int32) { self.fd = fd }

    deinit { close() }

    /// A client connection to 127.0.0.1:`port`, whose reads give up (answer nil) after `timeout` seconds.
    public static func connect(port: Int, timeout: Int = 20) throws -> LoopbackConnection {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw TestServerError("cannot connect to 127.0.0.1:\(port): \(reason)")
        }
        return LoopbackConnection(fd: fd)
    }

    /// Exactly `count` bytes, or nil if the peer closed first.
    public func read(exactly count: Int) -> [UInt8]? {
        while buffer.count < count { if !fill() { return nil } }
        let out = Array(buffer[..<count])
        buffer.removeFirst(count)
        return out
    }

    /// Bytes up to (without) `delimiter`, or nil if the peer closed first.
    public func read(upTo delimiter: [UInt8]) -> [UInt8]? {
        var searched = 0
        while true {
            if let at = Self.find(delimiter, in: buffer, from: searched) {
                let out = Array(buffer[..<at])
                buffer.removeFirst(at + delimiter.count)
                return out
            }
            searched = max(0, buffer.count - delimiter.count + 1)
            if !fill() { return nil }
        }
    }

    /// Reads until the peer closes: true for an orderly close, false on a read error or a receive timeout.
    public func readToEnd() -> Bool {
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n == 0 { return true }
            if n < 0 { return false }
            buffer += chunk[..<n]
        }
    }

    /// Writes everything; false if the peer went away.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    /// Closes with RST instead of FIN: the peer sees "connection reset".
    public func reset() {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        close()
    }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }

    private func fill() -> Bool {
        let n = recv(fd, &chunk, chunk.count, 0)
        if n <= 0 { return false }
        buffer += chunk[..<n]
        return true
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        for i in start...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
        }
        return nil
    }
}
