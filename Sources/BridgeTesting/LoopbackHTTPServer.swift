import Foundation
public import Dispatch
import OmiAudio
import Synchronization

/// A tiny HTTP/1.1 server on 127.0.0.1 for tests: records every request and answers with what `respond` says,
/// including hostile answers (slow, huge, connection reset). One thread per connection; `Connection: close`.
public final class LoopbackHTTPServer: Sendable {
    public struct Request: Sendable {
        public var method: String
        public var target: String
        /// Header names lower-cased.
        public var headers: [String: String]
        public var body: [UInt8]

        public var path: String { String(target.prefix { $0 != "?" }) }
        public var query: [String: String] {
            guard let q = target.split(separator: "?", maxSplits: 1).dropFirst().first else { return [:] }
            var out: [String: String] = [:]
            for pair in q.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                out[parts[0]] = parts.count > 1 ? parts[1] : ""
            }
            return out
        }
    }

    public enum Response: Sendable {
        case reply(status: Int, headers: [String: String] = [:], body: [UInt8] = [])
        /// Waits before answering (a slow server).
        case delayed(Duration, status: Int, body: [UInt8])
        /// Holds the request until `gate` is signalled, then answers (an app that is busy until the test says).
        case held(DispatchSemaphore, status: Int, body: [UInt8])
        /// Closes the connection without answering.
        case reset
    }

    private final class Log: Sendable {
        let requests = Mutex<[Request]>([])
    }

    private let server: LoopbackTCPServer
    private let log: Log

    public init(respond: @escaping @Sendable (Request) -> Response) throws {
        let log = Log()
        self.log = log
        server = try LoopbackTCPServer { connection in
            guard let request = Self.readRequest(from: connection) else { return }
            log.requests.withLock { $0.append(request) }
            switch respond(request) {
            case .reset:
                connection.reset()
            case .reply(let status, let headers, let body):
                connection.write(Self.response(status: status, headers: headers, body: body))
            case .delayed(let delay, let status, let body):
                Thread.sleep(forTimeInterval: delay.seconds)
                connection.write(Self.response(status: status, headers: [:], body: body))
            case .held(let gate, let status, let body):
                gate.wait()
                connection.write(Self.response(status: status, headers: [:], body: body))
            }
        }
    }

    public var port: Int { server.port }
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var requests: [Request] { log.requests.withLock { $0 } }

    public func stop() { server.stop() }

    /// One request from `connection` (head, then `Content-Length` bytes of body); nil when the peer closed first.
    public static func readRequest(from connection: LoopbackConnection) -> Request? {
        guard let headBytes = connection.read(upTo: Array("\r\n\r\n".utf8)) else { return nil }
        let head = String(decoding: headBytes, as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = head[0].split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let body = connection.read(exactly: length) ?? []
        return Request(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
    }

    private static func response(status: Int, headers: [String: String], body: [UInt8]) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(status == 200 ? "OK" : "Status")\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        return Array((head + "\r\n").utf8) + body
    }
}

/// A setup failure of a test server.
public struct TestServerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
