public import BlueZ
public import OmiAudio

/// What an Omi session reports: connection changes, the device profile, battery, buttons, problems.
public enum OmiDeviceEvent: Sendable, Equatable, CustomStringConvertible {
    case state(ConnectionStateMachine.State)
    case connected(address: String, name: String?, notifyMode: NotifyMode)
    case profile(OmiProfile)
    case battery(Int)
    case charging(Bool)
    case button(OmiGATT.ButtonEvent)
    case disconnected(reason: String)
    /// Something went wrong and is being handled (a retry follows); the text says what.
    case problem(String)

    public var description: String {
        switch self {
        case .state(let s): "state: \(s)"
        case .connected(let address, let name, let mode):
            "connected to \(name ?? "Omi") \(address) (notifications via \(mode == .acquire ? "AcquireNotify" : "StartNotify"))"
        case .profile(let p): p.description
        case .battery(let level): "battery \(level)%"
        case .charging(let on): on ? "charging" : "not charging"
        case .button(let event): "button: \(event)"
        case .disconnected(let reason): "disconnected: \(reason)"
        case .problem(let text): text
        }
    }
}

/// What the bridge learned about the device on connecting.
public struct OmiProfile: Sendable, Equatable, CustomStringConvertible {
    public var codec: OmiCodec
    public var features: OmiGATT.Features
    /// The ATT MTU BlueZ reports (0 when it does not say).
    public var mtu: Int
    public var model: String?
    public var firmware: String?
    public var hardware: String?
    public var manufacturer: String?

    public var description: String {
        "codec \(codec), MTU \(mtu == 0 ? "unknown" : String(mtu)), features 0x\(String(features.rawValue, radix: 16))"
            + (firmware.map { ", firmware \($0)" } ?? "") + (model.map { ", \($0)" } ?? "")
    }
}
