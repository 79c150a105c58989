import Foundation
import Notifications
import Testing

/// An in-memory Omi motor: records every buzz; can be disconnected, or fail its next write (optionally dropping
/// the link as it does, as a BLE write does when the device walks out of range).
private actor FakeActuator: HapticActuator {
    struct WriteFailed: Error, CustomStringConvertible {
        var description: String { "GATT write failed" }
    }

    private(set) var connected: Bool
    private(set) var buzzes: [Int] = []
    private var failNext = false
    private var disconnectOnFailure = false

    init(connected: Bool) { self.connected = connected }

    var isConnected: Bool { connected }

    func buzz(level: Int) async throws {
        if failNext {
            failNext = false
            if disconnectOnFailure { connected = false }
            throw WriteFailed()
        }
        buzzes.append(level)
    }

    func setConnected(_ value: Bool) { connected = value }

    func failNextWrite(disconnecting: Bool) {
        failNext = true
        disconnectOnFailure = disconnecting
    }
}

private func message(_ category: String) -> ChannelMessage {
    ChannelMessage(
        notificationID: UUID().uuidString, userID: "u1", appID: nil, category: category, title: "T", body: "B",
        createdAt: Date(timeIntervalSince1970: 0))
}

@Suite("Device haptic channel")
struct DeviceHapticChannelTests {
    @Test("Default levels: app taps 1, proactive 2, battery low 3, disconnected never buzzes")
    func defaultLevels() {
        let channel = DeviceHapticChannel(actuator: nil)
        let categories = [
            "app.message", "app.direct", "app.proactive", "device.battery_low", "device.disconnected",
            "webhook.circuit_open", "conversation.created", "something.new",
        ]
        #expect(categories.map(channel.level(for:)) == [1, 1, 2, 3, nil, 1, 1, 1])
        #expect(channel.name == .deviceHaptic)
    }

    @Test("Readiness is DEVICE_DISCONNECTED without an actuator or while disconnected, ready while connected")
    func readiness() async {
        #expect(await DeviceHapticChannel(actuator: nil).readiness() == .notReady("DEVICE_DISCONNECTED"))
        let actuator = FakeActuator(connected: false)
        let channel = DeviceHapticChannel(actuator: actuator)
        #expect(await channel.readiness() == .notReady("DEVICE_DISCONNECTED"))
        await actuator.setConnected(true)
        #expect(await channel.readiness() == .ready)
    }

    @Test("A send buzzes once at the category's level")
    func buzzesAtTheLevel() async throws {
        let actuator = FakeActuator(connected: true)
        let channel = DeviceHapticChannel(actuator: actuator)
        for category in ["app.message", "device.battery_low", "app.proactive"] {
            try await channel.send(message(category))
        }
        #expect(await actuator.buzzes == [1, 3, 2])
    }

    @Test("Disconnected or absent device: retryable DEVICE_DISCONNECTED, nothing written")
    func disconnectedIsRetryable() async {
        let actuator = FakeActuator(connected: false)
        let failure = await #expect(throws: ChannelFailure.self) {
            try await DeviceHapticChannel(actuator: actuator).send(message("app.message"))
        }
        #expect(failure?.retryable == true)
        #expect(failure?.reason.hasPrefix("DEVICE_DISCONNECTED") == true)
        #expect(await actuator.buzzes.isEmpty)

        let absent = await #expect(throws: ChannelFailure.self) {
            try await DeviceHapticChannel(actuator: nil).send(message("app.message"))
        }
        #expect(absent?.retryable == true)
        #expect(absent?.reason.hasPrefix("DEVICE_DISCONNECTED") == true)
    }

    @Test("A category without a level, or with one outside 1…3, fails for good without buzzing")
    func undeliverableCategories() async {
        let actuator = FakeActuator(connected: true)
        let levels = DeviceHapticChannelConfiguration.defaultLevels.merging(["app.loud": 4])
        let channel = DeviceHapticChannel(configuration: .init(levels: levels), actuator: actuator)
        let none = await #expect(throws: ChannelFailure.self) { try await channel.send(message("device.disconnected")) }
        #expect(none?.retryable == false)
        #expect(none?.reason.contains("device.disconnected") == true)
        let loud = await #expect(throws: ChannelFailure.self) { try await channel.send(message("app.loud")) }
        #expect(
            loud
                == ChannelFailure(
                    "haptic level 4 for app.loud is outside 1…3 (fix the channel's levels)", retryable: false))
        #expect(await actuator.buzzes.isEmpty)
    }

    @Test("A failed write is retryable: DEVICE_DISCONNECTED when the link dropped with it, the error otherwise")
    func failedWrites() async throws {
        let actuator = FakeActuator(connected: true)
        let channel = DeviceHapticChannel(actuator: actuator)
        await actuator.failNextWrite(disconnecting: false)
        let failed = await #expect(throws: ChannelFailure.self) { try await channel.send(message("app.message")) }
        #expect(failed == ChannelFailure("haptic write failed: GATT write failed", retryable: true))

        await actuator.failNextWrite(disconnecting: true)
        let dropped = await #expect(throws: ChannelFailure.self) { try await channel.send(message("app.message")) }
        #expect(dropped?.retryable == true)
        #expect(dropped?.reason.hasPrefix("DEVICE_DISCONNECTED") == true)
        #expect(await channel.readiness() == .notReady("DEVICE_DISCONNECTED"))

        await actuator.setConnected(true)
        try await channel.send(message("app.message"))
        #expect(await actuator.buzzes == [1])
    }
}
