public import DBusKit
import Foundation
public import OmiAudio
import Synchronization

/// A fake bluetoothd with one simulated Omi, on a D-Bus bus of our choosing.
///
/// Owns `org.bluez` and exports what BlueZ 5.66 would: `ObjectManager` at `/`, `Adapter1` at `/org/bluez/hci0`,
/// `Device1` (+ `Battery1` while connected) for the Omi, and the Omi GATT tree (`GattService1`,
/// `GattCharacteristic1` with `Flags`, `MTU`, `Value`, `Notifying`, `NotifyAcquired`) once services resolve.
/// Audio streams as device-identical packets (the same `OmiEncoder`/`OmiPacketizer` the tests use) through
/// `StartNotify` (PropertiesChanged "Value") or `AcquireNotify` (a SEQPACKET socket). Faults are injected by
/// method (`SimulatorControl`), in-process or over D-Bus on `io.omibridge.Simulator1`.
public final class BlueZSimulator: Sendable {
    public static let busName = "org.bluez"
    public let configuration: SimulatorConfiguration
    let connection: DBusConnection
    let state: Mutex<SimulatorState>
    let streamer: AudioStreamer

    /// Starts the simulator on `bus` with `frames` of audio (codec frames, as `OmiEncoder` makes them).
    public init(bus: DBusBus, configuration: SimulatorConfiguration, frames: [[UInt8]]) async throws(DBusError) {
        self.configuration = configuration
        connection = try DBusConnection(bus: bus)
        state = Mutex(SimulatorState(configuration: configuration))
        streamer = AudioStreamer(frames: frames, configuration: configuration)
        streamer.simulator = WeakSimulator(self)
        connection.exportObjectManager(at: "/")
        if configuration.adapterPresent { exportAdapter() }
        exportControl()
        if configuration.knownDevice { exportDevice() }
        try await connection.requestName(Self.busName)
        streamer.start()
    }

    /// Encodes `audio` with the firmware encoder for the configured codec and starts the simulator.
    public convenience init(bus: DBusBus, configuration: SimulatorConfiguration, audio: PCMAudio) async throws {
        let frames = try OmiEncoder(codec: configuration.codec).encode(audio.samples)
        try await self.init(bus: bus, configuration: configuration, frames: frames)
    }

    /// Stops streaming and leaves the bus (as bluetoothd exiting would).
    public func stop() {
        streamer.stop()
        state.withLock { $0.closeAcquired() }
        connection.close()
    }

    public var stats: SimulatorStats { state.withLock { $0.stats } }
    public var uniqueName: String { connection.uniqueName }

    // MARK: Adapter

    func exportAdapter() {
        let c = configuration
        connection.export(
            c.adapterPath,
            interfaces: [
                DBusInterface(
                    name: "org.bluez.Adapter1",
                    methods: [
                        "StartDiscovery": { [weak self] _ throws(DBusError) in try self?.startDiscovery() ?? [] },
                        "StopDiscovery": { [weak self] _ throws(DBusError) in try self?.stopDiscovery() ?? [] },
                        "SetDiscoveryFilter": { [weak self] call in
                            self?.state.withLock { $0.discoveryFilter = call.arguments.first?.dictionary ?? [:] }
                            return []
                        },
                        "GetDiscoveryFilters": { _ in
                            [.strings(["UUIDs", "RSSI", "Pathloss", "Transport", "DuplicateData", "Discoverable", "Pattern"])]
                        },
                        "RemoveDevice": { [weak self] call throws(DBusError) in
                            try self?.removeDevice(call.arguments.first?.string ?? "") ?? []
                        },
                    ],
                    properties: { [weak self] in self?.adapterProperties() ?? [:] },
                    setProperty: { [weak self] name, value throws(DBusError) in
                        guard name == "Powered", let on = value.bool else {
                            throw DBusError(name: "org.bluez.Error.InvalidArguments", message: "cannot set \(name)")
                        }
                        self?.state.withLock { $0.powered = on }
                        self?.connection.emitPropertiesChanged(
                            path: c.adapterPath, interface: "org.bluez.Adapter1", changed: ["Powered": .bool(on)])
                    })
            ])
    }

    func adapterProperties() -> [String: DBusValue] {
        let (powered, discovering) = state.withLock { ($0.powered, $0.discovering) }
        return [
            "Address": .string(configuration.adapterAddress), "AddressType": .string("public"),
            "Name": .string("omi-sim"), "Alias": .string("omi-sim"), "Class": .uint32(0),
            "Powered": .bool(powered), "PowerState": .string(powered ? "on" : "off"),
            "Discoverable": .bool(false), "Pairable": .bool(false), "Discovering": .bool(discovering),
            "UUIDs": .strings([]), "Modalias": .string("usb:v1D6Bp0246d0542"),
            "Roles": .strings(["central", "peripheral"]),
        ]
    }

    private func startDiscovery() throws(DBusError) -> [DBusValue] {
        let powered = state.withLock { s in
            if s.powered { s.discovering = true }
            return s.powered
        }
        guard powered else { throw DBusError(name: "org.bluez.Error.NotReady", message: "Resource Not Ready") }
        connection.emitPropertiesChanged(
            path: configuration.adapterPath, interface: "org.bluez.Adapter1", changed: ["Discovering": .bool(true)])
        // The Omi advertises its audio service: it shows up shortly after scanning starts, unless filtered out.
        after(.milliseconds(30)) { simulator in
            let (visible, exported, scanning) = simulator.state.withLock { s in
                (s.filterAdmitsOmi, s.deviceExported, s.discovering)
            }
            guard scanning, visible else { return }
            if exported {
                simulator.connection.emitPropertiesChanged(
                    path: simulator.configuration.devicePath, interface: "org.bluez.Device1",
                    changed: ["RSSI": .int16(-58)])
            } else {
                simulator.exportDevice()
            }
        }
        return []
    }

    private func stopDiscovery() throws(DBusError) -> [DBusValue] {
        let was = state.withLock { s in
            defer { s.discovering = false }
            return s.discovering
        }
        guard was else { throw DBusError(name: "org.bluez.Error.Failed", message: "No discovery started") }
        connection.emitPropertiesChanged(
            path: configuration.adapterPath, interface: "org.bluez.Adapter1", changed: ["Discovering": .bool(false)])
        return []
    }

    private func removeDevice(_ path: String) throws(DBusError) -> [DBusValue] {
        guard path == configuration.devicePath, state.withLock({ $0.deviceExported }) else {
            throw DBusError(name: "org.bluez.Error.DoesNotExist", message: "Does Not Exist")
        }
        dropLink(reason: "removed")
        state.withLock { s in
            s.deviceExported = false
            s.staleGatt = false  // a fresh discovery resolves a fresh GATT cache
        }
        connection.unexport(configuration.devicePath)
        return []
    }

    /// Runs `body` after `delay` on a Dispatch queue, if the simulator still exists. Dispatch, not a Task: the
    /// simulator must keep working when the process's Swift concurrency threads are all busy or blocked (a test
    /// waiting synchronously for a subprocess).
    func after(_ delay: Duration, _ body: @escaping @Sendable (BlueZSimulator) -> Void) {
        DispatchQueue.global().asyncAfter(deadline: .now() + delay.seconds) {
            [weak self] in
            if let self { body(self) }
        }
    }
}

/// A weak reference the streamer thread can hold without keeping the simulator alive.
struct WeakSimulator: Sendable {
    weak var value: BlueZSimulator?
    init(_ value: BlueZSimulator) { self.value = value }
}
