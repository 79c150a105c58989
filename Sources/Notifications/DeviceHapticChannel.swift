/// The Omi device's vibration motor, as the haptic channel needs it. The composition root adapts the device
/// session (its GATT haptic characteristic) to this; tests use an in-memory actor.
public protocol HapticActuator: Sendable {
    /// Whether the device is connected now: a cheap check, called for every readiness report.
    var isConnected: Bool { get async }
    /// Buzzes once at `level` (1 … 3, weakest to strongest). Throws when the write fails.
    func buzz(level: Int) async throws -> Void
}

/// Which categories buzz, and how hard.
public struct DeviceHapticChannelConfiguration: Sendable, Equatable {
    /// The level (1 … 3) by category; nil means the category never buzzes.
    public var levels: CategoryMap<Int?>

    /// app.* 1 (a short tap for an app's message), app.proactive 2 (an app decided it matters now),
    /// device.battery_low 3 (the wearer has to act on the device itself), webhook.circuit_open 1, conversation.* 1,
    /// anything else 1. device.disconnected never buzzes: a disconnected device cannot, and buzzing about it
    /// after it reconnected would say nothing.
    public static let defaultLevels = CategoryMap<Int?>(
        [
            "app.*": 1, "app.proactive": 2, "conversation.*": 1, "device.battery_low": 3,
            "device.disconnected": Int?.none, "webhook.circuit_open": 1,
        ], fallback: 1)

    public init(levels: CategoryMap<Int?> = defaultLevels) {
        self.levels = levels
    }
}

/// Delivers a notification as a buzz of the wearer's Omi device (omi-contract §7: haptic levels 1–3).
///
/// Only the category decides the level; the text is not shown anywhere. A category configured with no level
/// fails for good (the preferences should not route it here); a disconnected (or absent) device fails with
/// `DEVICE_DISCONNECTED`, retryable, so the worker tries again after the device is back.
public struct DeviceHapticChannel: NotificationChannel {
    public let name = ChannelName.deviceHaptic
    public let configuration: DeviceHapticChannelConfiguration
    private let actuator: (any HapticActuator)?

    /// - Parameter actuator: nil when the bridge runs without a device: the channel is then never ready.
    public init(configuration: DeviceHapticChannelConfiguration = .init(), actuator: (any HapticActuator)?) {
        self.configuration = configuration
        self.actuator = actuator
    }

    /// `DEVICE_DISCONNECTED` without an actuator or while the device is not connected.
    public func readiness() async -> ChannelReadiness {
        guard let actuator, await actuator.isConnected else { return .notReady("DEVICE_DISCONNECTED") }
        return .ready
    }

    /// The level `category` buzzes at, nil when it does not buzz.
    public func level(for category: String) -> Int? {
        configuration.levels[category]
    }

    public func send(_ message: ChannelMessage) async throws(ChannelFailure) {
        guard let level = level(for: message.category) else {
            throw ChannelFailure("no haptic level for \(message.category): it does not buzz", retryable: false)
        }
        guard (1...3).contains(level) else {
            throw ChannelFailure(
                "haptic level \(level) for \(message.category) is outside 1…3 (fix the channel's levels)",
                retryable: false)
        }
        guard let actuator else {
            throw ChannelFailure("DEVICE_DISCONNECTED: the bridge runs without an Omi device", retryable: true)
        }
        guard await actuator.isConnected else {
            throw ChannelFailure("DEVICE_DISCONNECTED: the Omi device is not connected", retryable: true)
        }
        do {
            try await actuator.buzz(level: level)
        } catch {
            // A write that failed because the link just dropped is the same retryable disconnect.
            if await !actuator.isConnected {
                throw ChannelFailure(
                    "DEVICE_DISCONNECTED: the Omi device disconnected during the buzz", retryable: true)
            }
            throw ChannelFailure("haptic write failed: \(error)", retryable: true)
        }
    }
}
