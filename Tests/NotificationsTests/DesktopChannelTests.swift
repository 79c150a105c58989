import BridgeTesting
import DBusKit
import Foundation
import Notifications
import Synchronization
import Testing

/// A notification server on a private bus, as dunst or GNOME Shell would be: `Notify` answers with increasing
/// ids (or with the replaced id) and records its arguments; `GetCapabilities` and `GetServerInformation` answer
/// as the specification says. A summary of "reject" is refused with InvalidArgs.
private final class FakeNotificationServer: Sendable {
    /// The handlers' state, in a class of its own so they can capture it (a `Mutex` cannot be copied).
    private final class Log: Sendable {
        let state = Mutex<(nextID: UInt32, calls: [[DBusValue]])>((1, []))
    }

    let connection: DBusConnection
    private let log = Log()

    init(bus: PrivateBus, capabilities: [String] = ["body", "body-markup"]) throws {
        connection = try DBusConnection(bus: .address(bus.address))
        connection.export(
            DesktopChannel.objectPath,
            interfaces: [
                DBusInterface(
                    name: DesktopChannel.serverName,
                    methods: [
                        "Notify": { [log] call throws(DBusError) in
                            guard call.arguments.map(\.signature).joined() == "susssasa{sv}i" else {
                                throw .invalidArgs("Notify takes susssasa{sv}i")
                            }
                            if call.arguments[3].string == "reject" {
                                throw DBusError(name: DBusError.invalidArgsName, message: "summary rejected")
                            }
                            let id = log.state.withLock { state -> UInt32 in
                                state.calls.append(call.arguments)
                                let replaces = UInt32(call.arguments[1].integer ?? 0)
                                if replaces != 0 { return replaces }
                                defer { state.nextID += 1 }
                                return state.nextID
                            }
                            return [.uint32(id)]
                        },
                        "GetCapabilities": { _ in [.strings(capabilities)] },
                        "GetServerInformation": { _ in
                            [.string("fake"), .string("omi-bridge tests"), .string("1.0"), .string("1.2")]
                        },
                    ])
            ])
    }

    func own() async throws { try await connection.requestName(DesktopChannel.serverName) }

    /// Every `Notify` call's arguments, in order.
    var calls: [[DBusValue]] { log.state.withLock { $0.calls } }

    /// The hints (`a{sv}`) of call `index`, variants unwrapped.
    func hints(_ index: Int) -> [String: DBusValue] {
        (calls[index][6].dictionary ?? [:]).mapValues(\.unwrapped)
    }

    func close() { connection.close() }
}

private func message(
    _ category: String, title: String = "Title", subtitle: String? = nil, body: String = "Body",
    metadata: [String: String] = [:]
) -> ChannelMessage {
    ChannelMessage(
        notificationID: UUID().uuidString, userID: "u1", appID: "app", category: category, title: title,
        subtitle: subtitle, body: body, metadata: metadata, createdAt: Date(timeIntervalSince1970: 1_700_000_000))
}

@Suite("Desktop channel against a fake notification server on a private dbus-daemon")
struct DesktopChannelTests {
    @Test("Notify gets exactly the freedesktop arguments: app name, headline, escaped body, urgency byte, hints")
    func exactArguments() async throws {
        let bus = try PrivateBus()
        let server = try FakeNotificationServer(bus: bus)
        try await server.own()
        let channel = DesktopChannel(configuration: .init(bus: .address(bus.address)))
        try await channel.send(message("app.message", title: "Hello", subtitle: "from Ada", body: "a < b & c > d"))

        let call = try #require(server.calls.first)
        #expect(call.map(\.signature).joined() == "susssasa{sv}i")
        #expect(call[0] == .string("omi-bridge"))
        #expect(call[1] == .uint32(0))
        #expect(call[2] == .string(""))
        #expect(call[3] == .string("Hello — from Ada"))
        // The server advertises body-markup, so markup characters are escaped.
        #expect(call[4] == .string("a &lt; b &amp; c &gt; d"))
        #expect(call[5] == .array(element: "s", []))
        #expect(
            server.hints(0)
                == ["urgency": .byte(1), "category": .string("app.message"), "desktop-entry": .string("omi-bridge")])
        #expect(call[7] == .int32(-1))
        await channel.disconnect()
        server.close()
    }

    @Test("Urgency follows the category map: device alerts critical, conversations low, the rest normal")
    func urgencyByCategory() async throws {
        let bus = try PrivateBus()
        let server = try FakeNotificationServer(bus: bus, capabilities: ["body"])
        try await server.own()
        var configuration = DesktopChannelConfiguration(bus: .address(bus.address))
        configuration.urgencies = configuration.urgencies.merging(["app.proactive": .critical])
        let channel = DesktopChannel(configuration: configuration)
        let categories = [
            "device.disconnected", "device.battery_low", "conversation.created", "app.message", "app.proactive",
            "webhook.circuit_open", "something.else",
        ]
        for category in categories { try await channel.send(message(category, body: "<b>raw</b>")) }
        #expect(server.calls.count == categories.count)
        #expect(
            (0..<categories.count).map { server.hints($0)["urgency"] } == [2, 2, 0, 1, 2, 1, 1].map(DBusValue.byte))
        // Without body-markup the body goes as it is.
        #expect(server.calls.first?[4] == .string("<b>raw</b>"))
        await channel.disconnect()
        server.close()
    }

    @Test("An update replaces the previous bubble: device.* by category, others by metadata[replaces]")
    func replacesBubbles() async throws {
        let bus = try PrivateBus()
        let server = try FakeNotificationServer(bus: bus)
        try await server.own()
        let channel = DesktopChannel(configuration: .init(bus: .address(bus.address)))
        try await channel.send(message("device.battery_low", title: "Battery 15 %"))  // id 1
        try await channel.send(message("app.message"))  // id 2, no key
        try await channel.send(message("app.message"))  // id 3, no key: never replaces
        try await channel.send(message("app.progress", metadata: ["replaces": "import-42"]))  // id 4
        try await channel.send(message("device.battery_low", title: "Battery 5 %"))  // replaces 1
        try await channel.send(message("app.progress", metadata: ["replaces": "import-42"]))  // replaces 4
        try await channel.send(message("device.disconnected"))  // id 5: another key
        #expect(server.calls.map { $0[1] } == [0, 0, 0, 0, 1, 4, 0].map(DBusValue.uint32))
        #expect(server.calls[4][3] == .string("Battery 5 %"))
        #expect(DesktopChannel.replaceKey(for: message("app.message")) == nil)
        await channel.disconnect()
        server.close()
    }

    @Test("Readiness is NO_NOTIFICATION_SERVER until the name is owned, then ready; a send fails retryably before")
    func readinessFollowsTheServer() async throws {
        let bus = try PrivateBus()
        let server = try FakeNotificationServer(bus: bus)
        let channel = DesktopChannel(configuration: .init(bus: .address(bus.address)))
        #expect(await channel.readiness() == .notReady("NO_NOTIFICATION_SERVER"))
        let failure = await #expect(throws: ChannelFailure.self) { try await channel.send(message("app.message")) }
        #expect(failure?.retryable == true)
        #expect(failure?.reason.hasPrefix("NO_NOTIFICATION_SERVER: nothing owns org.freedesktop.Notifications") == true)
        #expect(failure?.reason.contains(DBusError.serviceUnknownName) == true)

        try await server.own()
        #expect(await channel.readiness() == .ready)
        try await channel.send(message("app.message"))
        #expect(server.calls.count == 1)
        await channel.disconnect()
        server.close()
    }

    @Test("No reachable bus: readiness NO_SESSION_BUS, a send fails retryably and names the bus")
    func noBus() async throws {
        let channel = DesktopChannel(configuration: .init(bus: .address("unix:path=/nonexistent/omi-bus")))
        #expect(await channel.readiness() == .notReady("NO_SESSION_BUS"))
        let failure = await #expect(throws: ChannelFailure.self) { try await channel.send(message("app.message")) }
        #expect(failure?.retryable == true)
        #expect(
            failure?.reason.hasPrefix("NO_SESSION_BUS: cannot connect to the bus at unix:path=/nonexistent") == true)
    }

    @Test("A D-Bus error from the server is final and carries the error name and message")
    func serverError() async throws {
        let bus = try PrivateBus()
        let server = try FakeNotificationServer(bus: bus)
        try await server.own()
        let channel = DesktopChannel(configuration: .init(bus: .address(bus.address)))
        let failure = await #expect(throws: ChannelFailure.self) {
            try await channel.send(message("app.message", title: "reject"))
        }
        #expect(failure == ChannelFailure("D-Bus \(DBusError.invalidArgsName): summary rejected", retryable: false))
        await channel.disconnect()
        server.close()
    }

    @Test("After the bus goes away the channel reconnects, and forgets the old server's bubble ids")
    func reconnects() async throws {
        // libdbus tries a list of addresses in order: the first bus until it is stopped, then the second.
        let first = try PrivateBus()
        let second = try PrivateBus()
        let oldServer = try FakeNotificationServer(bus: first)
        let newServer = try FakeNotificationServer(bus: second)
        try await oldServer.own()
        try await newServer.own()
        let channel = DesktopChannel(configuration: .init(bus: .address("\(first.address);\(second.address)")))
        try await channel.send(message("device.battery_low"))
        try await channel.send(message("device.battery_low"))
        #expect(oldServer.calls.map { $0[1] } == [.uint32(0), .uint32(1)])

        first.stop()
        // Attempts fail (retryably) until the channel has noticed and reconnected; none reaches a server.
        #expect(await eventually { (try? await channel.send(message("device.battery_low"))) != nil })
        #expect(newServer.calls.count == 1)
        #expect(newServer.calls.first?[1] == .uint32(0))
        #expect(await channel.readiness() == .ready)
        await channel.disconnect()
        oldServer.close()
        newServer.close()
    }
}
