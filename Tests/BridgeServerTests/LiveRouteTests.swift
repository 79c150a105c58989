import BridgeServer
import BridgeTesting
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("The dashboard and its live data")
struct LiveRouteTests {
    @Test("LiveHub keeps the newest events per kind, merges device state, and hands events to subscribers in order")
    func hub() async throws {
        let hub = LiveHub(keep: 3)
        let stream = hub.subscribe()
        #expect(hub.subscriberCount == 1)
        for i in 1...5 { hub.publish("transcript", ["text": .string("segment \(i)")]) }
        hub.publish("device", ["state": .string("streaming"), "battery": .integer(80)])
        hub.publish("device", ["battery": .integer(79)])
        let kept = hub.recent()
        #expect(kept.filter { $0.kind == "transcript" }.map(\.data) == (3...5).map { .object(["text": .string("segment \($0)")]) })
        #expect(kept.map(\.id) == kept.map(\.id).sorted())
        #expect(hub.device == .object(["state": .string("streaming"), "battery": .integer(79)]))
        var received: [Int] = []
        for await event in stream {
            received.append(event.id)
            if received.count == 3 { break }
        }
        #expect(received == [5, 6, 7], "the oldest unread events of a slow subscriber are dropped, never the pipeline blocked")
    }

    @Test("GET /v1/live: device state and recent events behind a key; 404 without a live pipeline")
    func liveState() async throws {
        let harness = try ServerHarness()
        let hub = LiveHub()
        hub.publish("device", ["state": .string("streaming")])
        hub.publish("transcript", ["text": .string("hello")])
        try await harness.run(live: hub) { client in
            #expect(try await client.send(.get, "/v1/live").status == 401)
            let reply = try await client.send(.get, "/v1/live", key: harness.memberKey)
            #expect(reply.status == 200)
            #expect(
                reply.text == #"{"device":{"state":"streaming"},"events":[{"data":{"state":"streaming"},"id":1,"kind":"device"},"#
                    + #"{"data":{"text":"hello"},"id":2,"kind":"transcript"}]}"#)
            #expect(try await client.send(.get, "/v1/live/events").status == 401)
        }
        try await harness.run { client in
            let reply = try await client.send(.get, "/v1/live", key: harness.memberKey)
            #expect(reply.status == 404)
            #expect(reply.text.contains("No live pipeline runs in this process"))
            #expect(try await client.send(.get, "/v1/live/events", key: harness.memberKey).status == 404)
        }
    }

    @Test("The dashboard page is served without a key, self-contained, with a content security policy")
    func page() async throws {
        let harness = try ServerHarness()
        try await harness.run { client in
            for path in ["/", "/dashboard"] {
                let reply = try await client.send(.get, path)
                #expect(reply.status == 200)
                #expect(reply.contentType == "text/html; charset=utf-8")
                #expect(reply.text.hasPrefix("<!doctype html>"))
                #expect(!reply.text.contains("http://") && !reply.text.contains("https://"), "no external assets")
            }
        }
    }

    @Test("GET /v1/conversations: newest first, limit checked")
    func conversations() async throws {
        let harness = try ServerHarness()
        try await harness.run { client in
            let empty = try await client.send(.get, "/v1/conversations", key: harness.memberKey)
            #expect(empty.status == 200 && empty.text == #"{"data":[]}"#)
            #expect(try await client.send(.get, "/v1/conversations?limit=0", key: harness.memberKey).status == 400)
        }
    }
}

@Suite("Live events and shutdown")
struct LiveEventsShutdownTests {
    /// A blocking loopback client: the request, then what the server sends until it closes (or 20 s pass).
    final class RawClient: Sendable {
        let fd: Int32

        init(port: Int) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var timeout = timeval(tv_sec: 20, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        }

        func send(_ text: String) { _ = text.withCString { Glibc.send(fd, $0, strlen($0), 0) } }

        /// Reads until `marker` has arrived (true) or the connection ends or times out (false).
        func read(until marker: String, into received: inout String) -> Bool {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !received.contains(marker) {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { return false }
                received += String(decoding: buffer[0..<n], as: UTF8.self)
            }
            return true
        }

        /// Whether the server closed the connection (recv returns 0) before the timeout.
        func closedByServer() -> Bool {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n == 0 { return true }
                if n < 0 { return false }
            }
        }

        deinit { close(fd) }
    }

    @Test("An open live-events stream ends at graceful shutdown instead of holding the server up")
    func streamEndsAtShutdown() async throws {
        let harness = try ServerHarness()
        let hub = LiveHub()
        let port = Mutex<Int?>(nil)
        let app = BridgeServer.makeApplication(
            database: harness.database, configuration: .init(host: "127.0.0.1", port: 0), live: hub,
            onServerRunning: { bound in port.withLock { $0 = bound } })
        let group = ServiceGroup(services: [app], logger: Logger(label: "test"))
        let finished = Atomic<Bool>(false)
        let running = Task {
            try await group.run()
            finished.store(true, ordering: .releasing)
        }
        defer { running.cancel() }
        #expect(await eventually { port.withLock { $0 } != nil })
        let client = try RawClient(port: try #require(port.withLock { $0 }))
        client.send("GET /v1/live/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(harness.memberKey)\r\n\r\n")
        var received = ""
        #expect(client.read(until: ": omi-bridge live events", into: &received), "\(received)")
        hub.publish("transcript", ["text": .string("hello")])
        #expect(client.read(until: "event: transcript", into: &received), "\(received)")

        await group.triggerGracefulShutdown()
        #expect(await eventually { finished.load(ordering: .acquiring) }, "the server still waits for the open stream")
        #expect(client.closedByServer())
        #expect(hub.subscriberCount == 0)
    }
}
