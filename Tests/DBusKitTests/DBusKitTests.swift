import BridgeTesting
import CDBus
import DBusKit
import Foundation
import Glibc
import Testing

private typealias DBusError = DBusKit.DBusError

/// A service on the bus that echoes its arguments back, so every type can be round-tripped through a real
/// dbus-daemon: marshalled by the client, unmarshalled and re-marshalled by the service, unmarshalled again.
private func startEchoService(on bus: PrivateBus) async throws -> DBusConnection {
    let service = try DBusConnection(bus: .address(bus.address))
    service.export(
        "/test/echo",
        interfaces: [
            DBusInterface(
                name: "test.Echo",
                methods: [
                    "Echo": { call in call.arguments },
                    "Fail": { _ throws(DBusError) in throw DBusError(name: "test.Error.Deliberate", message: "as asked") },
                ],
                properties: { ["Answer": .int32(42), "Name": .string("echo")] })
        ])
    try await service.requestName("test.echo")
    return service
}

@Suite("DBusKit against a real dbus-daemon")
struct DBusKitTests {
    @Test("Every D-Bus type round-trips, including ay without element copies, dicts, structs, variants")
    func roundTripsEveryType() async throws {
        let bus = try PrivateBus()
        let service = try await startEchoService(on: bus)
        let client = try DBusConnection(bus: .address(bus.address))
        let values: [DBusValue] = [
            .byte(255), .bool(true), .bool(false), .int16(-32768), .uint16(65535), .int32(-7), .uint32(4_000_000_000),
            .int64(.min), .uint64(.max), .double(-0.5), .string("héllo ☃"), .string(""), .objectPath("/a/b_c/D9"),
            .signature("a{sv}"), .bytes([0, 1, 2, 255]), .bytes([]),
            .array(element: "s", [.string("x"), .string("y")]), .array(element: "i", []),
            .dictionary(key: "s", value: "v", [DBusDictEntry(.string("k"), .variant(.uint16(7)))]),
            .dictionary(key: "o", value: "a{sv}", []),
            .structure([.int32(1), .string("two"), .bytes([3])]),
            .variant(.variant(.structure([.bool(true), .double(2)]))),
            .array(element: "ay", [.bytes([1]), .bytes([])]),
        ]
        let echoed = try await client.call(
            destination: "test.echo", path: "/test/echo", interface: "test.Echo", member: "Echo", arguments: values)
        #expect(echoed == values)
        client.close()
        service.close()
    }

    @Test("Unix fds cross the bus as new descriptors for the same open file, owned by the receiver")
    func unixFDs() async throws {
        let bus = try PrivateBus()
        let service = try await startEchoService(on: bus)
        let client = try DBusConnection(bus: .address(bus.address))
        var pair: [Int32] = [-1, -1]
        #expect(pipe(&pair) == 0)
        let sent = OwnedFD(pair[1])
        defer { Glibc.close(pair[0]) }
        let reply = try await client.call(
            destination: "test.echo", path: "/test/echo", interface: "test.Echo", member: "Echo",
            arguments: [.unixFD(sent)])
        guard case .unixFD(let received) = reply.first else {
            Issue.record("expected an fd, got \(reply)")
            return
        }
        #expect(received.fd >= 0 && received.fd != sent.fd)
        var a = stat()
        var b = stat()
        fstat(sent.fd, &a)
        fstat(received.fd, &b)
        #expect(a.st_ino == b.st_ino)
        // Writing through the received descriptor reaches the pipe's read end.
        #expect(write(received.fd, "ok", 2) == 2)
        var buffer = [UInt8](repeating: 0, count: 2)
        #expect(read(pair[0], &buffer, 2) == 2 && buffer == Array("ok".utf8))
        received.close()
        #expect(received.fd == -1)
        client.close()
        service.close()
    }

    @Test("Errors carry the D-Bus error name and message")
    func errors() async throws {
        let bus = try PrivateBus()
        let service = try await startEchoService(on: bus)
        let client = try DBusConnection(bus: .address(bus.address))
        let remote = await #expect(throws: DBusError.self) {
            try await client.call(destination: "test.echo", path: "/test/echo", interface: "test.Echo", member: "Fail")
        }
        #expect(remote == DBusError(name: "test.Error.Deliberate", message: "as asked"))
        let unknown = await #expect(throws: DBusError.self) {
            try await client.call(destination: "test.echo", path: "/nope", interface: "test.Echo", member: "Echo")
        }
        #expect(unknown?.name == DBusError.unknownObjectName)
        let noService = await #expect(throws: DBusError.self) {
            try await client.call(destination: "test.absent", path: "/", interface: "a.b", member: "C")
        }
        #expect(noService?.name == DBusError.serviceUnknownName)
        let badPath = await #expect(throws: DBusError.self) {
            try await client.call(destination: "test.echo", path: "not a path", interface: "a.b", member: "C")
        }
        #expect(badPath?.name == DBusError.invalidArgsName)
        let badString = await #expect(throws: DBusError.self) {
            try await client.call(
                destination: "test.echo", path: "/test/echo", interface: "test.Echo", member: "Echo",
                arguments: [.string("nul\u{0}inside")])
        }
        #expect(badString?.name == DBusError.invalidArgsName)
        client.close()
        service.close()
    }

    @Test("A call nobody answers fails with NoReply at its deadline")
    func timeout() async throws {
        let bus = try PrivateBus()
        // A raw libdbus connection that owns a name and never reads: calls to it cannot be answered.
        var error = CDBus.DBusError()
        dbus_error_init(&error)
        let silent = try #require(dbus_connection_open_private(bus.address, &error))
        dbus_bus_register(silent, &error)
        dbus_bus_request_name(silent, "test.silent", 0, &error)
        defer {
            dbus_connection_close(silent)
            dbus_connection_unref(silent)
        }
        let client = try DBusConnection(bus: .address(bus.address))
        let failure = await #expect(throws: DBusError.self) {
            try await client.call(
                destination: "test.silent", path: "/", interface: "a.b", member: "C", timeout: .milliseconds(200))
        }
        #expect(failure?.name == DBusError.noReplyName)
        client.close()
    }

    @Test("Signals arrive through match rules; a rule for another member filters them out")
    func signals() async throws {
        let bus = try PrivateBus()
        let emitter = try DBusConnection(bus: .address(bus.address))
        let client = try DBusConnection(bus: .address(bus.address))
        let stream = try await client.signals(DBusMatchRule(interface: "test.Signals", member: "Tick"))
        emitter.emit(path: "/x", interface: "test.Signals", member: "Tock", arguments: [.int32(0)])
        for i in 1...3 { emitter.emit(path: "/x", interface: "test.Signals", member: "Tick", arguments: [.int32(Int32(i))]) }
        var seen: [DBusValue] = []
        for await signal in stream {
            #expect(signal.member == "Tick" && signal.path == "/x" && signal.sender == emitter.uniqueName)
            seen += signal.arguments
            if seen.count == 3 { break }
        }
        #expect(seen == [.int32(1), .int32(2), .int32(3)])
        emitter.close()
        client.close()
    }

    @Test("Properties, ObjectManager and PropertiesChanged behave as bluetoothd's do")
    func objectManager() async throws {
        let bus = try PrivateBus()
        let service = try DBusConnection(bus: .address(bus.address))
        service.exportObjectManager(at: "/")
        try await service.requestName("test.om")
        let client = try DBusConnection(bus: .address(bus.address))
        let added = try await client.signals(DBusMatchRule(sender: "test.om", member: "InterfacesAdded"))
        let changed = try await client.signals(DBusMatchRule(sender: "test.om", member: "PropertiesChanged"))
        service.export("/org/x/dev", interfaces: [DBusInterface(name: "org.x.Device1", properties: { ["On": .bool(true)] })])

        var addedIterator = added.makeAsyncIterator()
        let first = await addedIterator.next()
        #expect(first?.arguments.first == .objectPath("/org/x/dev"))
        #expect(first?.arguments.last?.dictionary?["org.x.Device1"]?.dictionary?["On"]?.bool == true)

        let managed = try await client.call(
            destination: "test.om", path: "/", interface: "org.freedesktop.DBus.ObjectManager",
            member: "GetManagedObjects")
        #expect(managed.first?.dictionary?.keys.sorted() == ["/org/x/dev"])
        let on = try await client.call(
            destination: "test.om", path: "/org/x/dev", interface: "org.freedesktop.DBus.Properties", member: "Get",
            arguments: [.string("org.x.Device1"), .string("On")])
        #expect(on == [.variant(.bool(true))])

        service.emitPropertiesChanged(path: "/org/x/dev", interface: "org.x.Device1", changed: ["Value": .bytes([9, 8])])
        var changedIterator = changed.makeAsyncIterator()
        let change = await changedIterator.next()
        #expect(change?.arguments[1].dictionary?["Value"]?.bytes == [9, 8])
        client.close()
        service.close()
    }

    @Test("The zero-copy handler sees PropertiesChanged bytes in place")
    func rawHandler() async throws {
        let bus = try PrivateBus()
        let service = try DBusConnection(bus: .address(bus.address))
        let client = try DBusConnection(bus: .address(bus.address))
        let (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self)
        try await client.addSignalHandler(DBusMatchRule(path: "/c", member: "PropertiesChanged")) { view in
            _ = view.withChangedBytes(forKey: "Value") { continuation.yield(Array($0)) }
        }
        service.emitPropertiesChanged(path: "/c", interface: "org.bluez.GattCharacteristic1", changed: ["Notifying": .bool(true)])
        service.emitPropertiesChanged(path: "/c", interface: "org.bluez.GattCharacteristic1", changed: ["Value": .bytes([1, 2, 3])])
        var iterator = stream.makeAsyncIterator()
        #expect(await iterator.next() == [1, 2, 3])
        client.close()
        service.close()
    }

    @Test("Losing the bus fails pending calls with Disconnected and ends waits; nothing crashes")
    func busGoesAway() async throws {
        let bus = try PrivateBus()
        let client = try DBusConnection(bus: .address(bus.address))
        var error = CDBus.DBusError()
        dbus_error_init(&error)
        let silent = try #require(dbus_connection_open_private(bus.address, &error))
        dbus_bus_register(silent, &error)
        dbus_bus_request_name(silent, "test.silent2", 0, &error)
        let pending = Task { try await client.call(destination: "test.silent2", path: "/", interface: "a.b", member: "C") }
        // Whether the call is still queued or already sent when the bus goes, it must fail with Disconnected.
        bus.stop()
        await client.waitUntilDisconnected()
        #expect(client.isClosed)
        let failure = await #expect(throws: DBusError.self) { try await pending.value }
        #expect(failure?.name == DBusError.disconnectedName)
        dbus_connection_close(silent)
        dbus_connection_unref(silent)
        let late = await #expect(throws: DBusError.self) {
            try await client.call(destination: "x.y", path: "/", interface: "a.b", member: "C")
        }
        #expect(late?.name == DBusError.disconnectedName)
    }

    @Test("A bus that refuses us by policy gives AccessDenied naming the destination")
    func accessDenied() async throws {
        let bus = try PrivateBus(extraPolicy: #"<policy context="default"><deny send_destination="test.echo"/></policy>"#)
        let service = try await startEchoService(on: bus)
        let client = try DBusConnection(bus: .address(bus.address))
        let failure = await #expect(throws: DBusError.self) {
            try await client.call(destination: "test.echo", path: "/test/echo", interface: "test.Echo", member: "Echo")
        }
        #expect(failure?.name == DBusError.accessDeniedName)
        client.close()
        service.close()
    }

    @Test("Connecting to a bus that is not there names the address")
    func noBus() {
        let failure = #expect(throws: DBusError.self) {
            try DBusConnection(bus: .address("unix:path=/nonexistent/bus"))
        }
        #expect(failure?.message.contains("/nonexistent/bus") == true)
    }
}
