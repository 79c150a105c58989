import BridgeServer
import BridgeTesting
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

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
        let client = try LoopbackConnection.connect(port: try #require(port.withLock { $0 }))
        client.write(Array("GET /v1/live/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(harness.memberKey)\r\n\r\n".utf8))
        #expect(client.read(upTo: Array(": omi-bridge live events".utf8)) != nil)
        hub.publish("transcript", ["text": .string("hello")])
        #expect(client.read(upTo: Array("event: transcript".utf8)) != nil)

        await group.triggerGracefulShutdown()
        #expect(await eventually { finished.load(ordering: .acquiring) }, "the server still waits for the open stream")
        #expect(client.readToEnd(), "the server closed the stream")
        #expect(hub.subscriberCount == 0)
    }
}
