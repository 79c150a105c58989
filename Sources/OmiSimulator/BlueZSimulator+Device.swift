import DBusKit
import Glibc
import OmiAudio

/// Device1 and Battery1: discovery results, connecting, and the ways a link goes down.
extension BlueZSimulator {
    func exportDevice() {
        state.withLock { $0.deviceExported = true }
        connection.export(
            configuration.devicePath,
            interfaces: [
                DBusInterface(
                    name: "org.bluez.Device1",
                    methods: [
                        "Connect": { [weak self] _ throws(DBusError) in try self?.connectDevice() ?? [] },
                        "Disconnect": { [weak self] _ in
                            self?.dropLink(reason: "local")
                            return []
                        },
                        "Pair": { _ throws(DBusError) in
                            throw DBusError(name: "org.bluez.Error.AuthenticationFailed", message: "Omi does not bond")
                        },
                        "CancelPairing": { _ in [] },
                    ],
                    properties: { [weak self] in self?.deviceProperties() ?? [:] })
            ])
    }

    func deviceProperties() -> [String: DBusValue] {
        let c = configuration
        let (connected, resolved, discovering) = state.withLock { ($0.connected, $0.servicesResolved, $0.discovering) }
        var properties: [String: DBusValue] = [
            "Address": .string(c.deviceAddress), "AddressType": .string("random"), "Name": .string(c.deviceName),
            "Alias": .string(c.deviceName), "Paired": .bool(false), "Bonded": .bool(false), "Trusted": .bool(false),
            "Blocked": .bool(false), "LegacyPairing": .bool(false), "Connected": .bool(connected),
            "ServicesResolved": .bool(resolved), "Adapter": .objectPath(c.adapterPath),
            "UUIDs": .strings([OmiGATT.audioService, OmiGATT.deviceInfoService]),
        ]
        if discovering { properties["RSSI"] = .int16(-58) }
        return properties
    }

    /// `Device1.Connect`: refuses with `le-connection-abort-by-local` when told to (the link flickers up and
    /// down first, as it does on real adapters), otherwise connects and resolves services shortly after.
    func connectDevice() throws(DBusError) -> [DBusValue] {
        enum Outcome { case refused, already, connected }
        let outcome: Outcome = state.withLock { s in
            if s.connected { return .already }
            if s.refuseConnects > 0 {
                s.refuseConnects -= 1
                s.stats.refusedConnects += 1
                return .refused
            }
            s.connected = true
            s.stats.connects += 1
            return .connected
        }
        let path = configuration.devicePath
        switch outcome {
        case .already:
            throw DBusError(name: "org.bluez.Error.AlreadyConnected", message: "Already Connected")
        case .refused:
            connection.emitPropertiesChanged(path: path, interface: "org.bluez.Device1", changed: ["Connected": .bool(true)])
            after(.milliseconds(20)) { simulator in
                simulator.connection.emitPropertiesChanged(
                    path: path, interface: "org.bluez.Device1", changed: ["Connected": .bool(false)])
            }
            throw DBusError(name: "org.bluez.Error.Failed", message: "le-connection-abort-by-local")
        case .connected:
            connection.emitPropertiesChanged(path: path, interface: "org.bluez.Device1", changed: ["Connected": .bool(true)])
            after(.milliseconds(15)) { $0.resolveServices() }
            return []
        }
    }

    /// Exports the GATT tree and Battery1, then flips ServicesResolved (BlueZ's order).
    func resolveServices() {
        let (connected, stale) = state.withLock { ($0.connected, $0.staleGatt) }
        guard connected else { return }
        exportGATT(stale: stale)
        if !stale {
            connection.export(
                configuration.devicePath,
                interfaces: [
                    DBusInterface(
                        name: "org.bluez.Battery1",
                        properties: { [weak self] in
                            ["Percentage": .byte(self?.state.withLock { $0.battery } ?? 0), "Source": .string("")]
                        })
                ])
        }
        state.withLock { $0.servicesResolved = true }
        connection.emitPropertiesChanged(
            path: configuration.devicePath, interface: "org.bluez.Device1", changed: ["ServicesResolved": .bool(true)])
    }

    /// The link goes down: notifications stop, the AcquireNotify socket hangs up, GATT objects and Battery1 go
    /// away (the device is not bonded, so BlueZ keeps no cache), ServicesResolved then Connected turn false.
    func dropLink(reason: String) {
        let wasConnected = state.withLock { s -> Bool in
            let was = s.connected
            s.closeAcquired()
            s.notifying.removeAll()
            s.connected = false
            s.servicesResolved = false
            if was { s.stats.disconnects += 1 }
            return was
        }
        guard wasConnected else { return }
        removeGATT()
        connection.unexport(configuration.devicePath, interfaces: ["org.bluez.Battery1"])
        connection.emitPropertiesChanged(
            path: configuration.devicePath, interface: "org.bluez.Device1", changed: ["ServicesResolved": .bool(false)])
        connection.emitPropertiesChanged(
            path: configuration.devicePath, interface: "org.bluez.Device1", changed: ["Connected": .bool(false)])
    }
}
