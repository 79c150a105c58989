import BlueZ
import Notifications
import OmiDevice
import Synchronization

/// The connected Omi as the `device_haptic` channel's actuator: connected while the session has a device, a buzz
/// is a write to the haptic characteristic (levels 1–3, omi-contract §1). The session is attached after the channels
/// are built (the session's consumer feeds the stages that deliver through those channels).
final class OmiHaptic: HapticActuator {
    private let session = Mutex<OmiDeviceSession?>(nil)

    func attach(_ session: OmiDeviceSession) { self.session.withLock { $0 = session } }

    var isConnected: Bool {
        get async { session.withLock { $0 }?.device != nil }
    }

    func buzz(level: Int) async throws {
        guard let session = session.withLock({ $0 }) else {
            throw BlueZError(.disconnected, "no Omi with a haptic motor is connected")
        }
        try await session.haptic(level: level)
    }
}
