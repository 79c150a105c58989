import DBusKit
import Glibc
import OmiAudio

/// Everything the simulator knows, behind one mutex (D-Bus handlers, the streamer thread and control calls all
/// touch it).
struct SimulatorState {
    var powered: Bool
    var discovering = false
    var discoveryFilter: [String: DBusValue] = [:]
    var deviceExported = false
    var connected = false
    var servicesResolved = false
    var gattExported = false
    /// StartNotify subscribers per characteristic UUID.
    var notifying: Set<String> = []
    /// Our end of the AcquireNotify socket pair, if the audio characteristic is acquired.
    var acquiredFD: Int32 = -1
    var battery: UInt8
    var batteryFraction = 0.0
    var charging = false
    var refuseConnects = 0
    var staleGatt = false
    var loss: SimulatedLoss = .none
    var inBurst = false
    var random = SplitMix64(seed: 0x0311)
    var stats = SimulatorStats()

    init(configuration: SimulatorConfiguration) {
        powered = configuration.powered
        battery = configuration.battery
    }

    /// Whether the current discovery filter lets the Omi be reported (UUIDs filter, transport).
    var filterAdmitsOmi: Bool {
        if let transport = discoveryFilter["Transport"]?.string, transport == "bredr" { return false }
        if let uuids = discoveryFilter["UUIDs"]?.strings, !uuids.isEmpty {
            return uuids.map { $0.lowercased() }.contains(OmiGATT.audioService)
        }
        return true
    }

    /// Someone receives audio notifications right now.
    var audioSubscribed: Bool { connected && (acquiredFD >= 0 || notifying.contains(OmiGATT.audioData)) }

    mutating func closeAcquired() {
        if acquiredFD >= 0 { close(acquiredFD) }
        acquiredFD = -1
    }

    /// Applies the loss model to the next audio notification.
    mutating func lose() -> Bool {
        switch loss {
        case .none:
            return false
        case .uniform(let p):
            return random.nextUnitInterval() < p
        case .burst(let p, let meanLength):
            if inBurst {
                if random.nextUnitInterval() < 1 / max(meanLength, 1) { inBurst = false }
            } else if random.nextUnitInterval() < p {
                inBurst = true
            }
            return inBurst
        }
    }
}
