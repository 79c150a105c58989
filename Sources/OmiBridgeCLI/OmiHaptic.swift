import Notifications
import OmiDevice

/// The connected Omi as the `device_haptic` channel's actuator: connected while the session has a device, a buzz
/// is a write to the haptic characteristic (levels 1–3, omi-contract §1).
struct OmiHaptic: HapticActuator {
    let session: OmiDeviceSession

    var isConnected: Bool {
        get async { session.device != nil }
    }

    func buzz(level: Int) async throws {
        try await session.haptic(level: level)
    }
}
