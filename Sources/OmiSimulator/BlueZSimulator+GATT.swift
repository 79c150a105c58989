import DBusKit
import Glibc
import OmiAudio

/// One simulated characteristic.
struct SimulatedCharacteristic: Sendable {
    var uuid: String
    var handle: UInt16
    var flags: [String]
    var read: @Sendable (BlueZSimulator) -> [UInt8] = { _ in [] }
    var write: (@Sendable (BlueZSimulator, [UInt8]) throws(DBusError) -> Void)?

    var notifies: Bool { flags.contains("notify") }
}

/// The Omi GATT tree (omi-contract §1), exported as BlueZ does once services are resolved.
extension BlueZSimulator {
    static let attInvalidLength = DBusError(
        name: "org.bluez.Error.Failed", message: "Operation failed with ATT error: 0x0d (Invalid Attribute Value Length)")

    func gattTree(stale: Bool) -> [(uuid: String, handle: UInt16, characteristics: [SimulatedCharacteristic])] {
        if stale {
            // A stale cache: the generic services resolve but the Omi services are missing.
            return [("00001800-0000-1000-8000-00805f9b34fb", 0x0001, [
                SimulatedCharacteristic(uuid: "00002a00-0000-1000-8000-00805f9b34fb", handle: 0x0002, flags: ["read"]) { s in
                    Array(s.configuration.deviceName.utf8)
                },
            ])]
        }
        let c = configuration
        func text(_ value: String) -> @Sendable (BlueZSimulator) -> [UInt8] { { _ in Array(value.utf8) } }
        return [
            (OmiGATT.audioService, 0x0010, [
                SimulatedCharacteristic(uuid: OmiGATT.audioData, handle: 0x0011, flags: ["read", "notify"]),
                SimulatedCharacteristic(uuid: OmiGATT.audioCodec, handle: 0x0014, flags: ["read"]) { s in
                    [s.configuration.codec.rawValue]
                },
            ]),
            (OmiGATT.batteryService, 0x0020, [
                SimulatedCharacteristic(uuid: OmiGATT.batteryLevel, handle: 0x0021, flags: ["read", "notify"]) { s in
                    [s.state.withLock { $0.battery }]
                }
            ]),
            (OmiGATT.featuresService, 0x0030, [
                SimulatedCharacteristic(uuid: OmiGATT.features, handle: 0x0031, flags: ["read"]) { s in
                    let v = s.configuration.features.rawValue
                    return [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)]
                }
            ]),
            (OmiGATT.timeSyncService, 0x0040, [
                SimulatedCharacteristic(uuid: OmiGATT.timeSyncWrite, handle: 0x0041, flags: ["write"], write: { s, bytes throws(DBusError) in
                    guard bytes.count == 4 else { throw BlueZSimulator.attInvalidLength }
                    let epoch = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
                    s.state.withLock { $0.stats.timeWrites.append(epoch) }
                }),
                SimulatedCharacteristic(uuid: OmiGATT.timeSyncRead, handle: 0x0043, flags: ["read"]) { s in
                    let v = s.state.withLock { $0.stats.timeWrites.last ?? 0 }
                    return [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)]
                },
            ]),
            (OmiGATT.buttonService, 0x0050, [
                SimulatedCharacteristic(uuid: OmiGATT.buttonEvent, handle: 0x0051, flags: ["read", "notify"]) { _ in
                    [UInt8](repeating: 0, count: 8)
                }
            ]),
            (OmiGATT.hapticService, 0x0060, [
                SimulatedCharacteristic(uuid: OmiGATT.hapticWrite, handle: 0x0061, flags: ["write"], write: { s, bytes throws(DBusError) in
                    guard bytes.count == 1 else { throw BlueZSimulator.attInvalidLength }
                    s.state.withLock { $0.stats.hapticWrites.append(bytes[0]) }
                })
            ]),
            (OmiGATT.deviceInfoService, 0x0070, [
                SimulatedCharacteristic(uuid: OmiGATT.modelNumber, handle: 0x0071, flags: ["read"], read: text("Omi CV 1")),
                SimulatedCharacteristic(uuid: OmiGATT.firmwareRevision, handle: 0x0073, flags: ["read"], read: text(c.firmware)),
                SimulatedCharacteristic(uuid: OmiGATT.hardwareRevision, handle: 0x0075, flags: ["read"], read: text("5.0")),
                SimulatedCharacteristic(uuid: OmiGATT.manufacturerName, handle: 0x0077, flags: ["read"], read: text("Based Hardware")),
            ]),
            (OmiGATT.settingsService, 0x0080, [
                SimulatedCharacteristic(uuid: OmiGATT.charging, handle: 0x0085, flags: ["read", "notify"]) { s in
                    [s.state.withLock { $0.charging } ? 1 : 0]
                }
            ]),
        ]
    }

    func servicePath(_ handle: UInt16) -> String {
        configuration.devicePath + "/service" + String(format: "%04x", handle)
    }

    func characteristicPath(_ service: UInt16, _ handle: UInt16) -> String {
        servicePath(service) + "/char" + String(format: "%04x", handle)
    }

    /// Path of the characteristic with `uuid` in the current (non-stale) tree.
    func path(of uuid: String) -> String? {
        for service in gattTree(stale: false) {
            if let c = service.characteristics.first(where: { $0.uuid == uuid }) {
                return characteristicPath(service.handle, c.handle)
            }
        }
        return nil
    }

    func exportGATT(stale: Bool) {
        let device = configuration.devicePath
        for service in gattTree(stale: stale) {
            let servicePath = servicePath(service.handle)
            connection.export(
                servicePath,
                interfaces: [
                    DBusInterface(
                        name: "org.bluez.GattService1",
                        properties: {
                            [
                                "UUID": .string(service.uuid), "Device": .objectPath(device), "Primary": .bool(true),
                                "Includes": .array(element: "o", []), "Handle": .uint16(service.handle),
                            ]
                        })
                ])
            for characteristic in service.characteristics {
                connection.export(
                    characteristicPath(service.handle, characteristic.handle),
                    interfaces: [characteristicInterface(characteristic, servicePath: servicePath)])
            }
        }
        state.withLock { $0.gattExported = true }
    }

    func removeGATT() {
        let wasExported = state.withLock { s in
            defer { s.gattExported = false }
            return s.gattExported
        }
        guard wasExported else { return }
        for stale in [false, true] {
            for service in gattTree(stale: stale) {
                for characteristic in service.characteristics {
                    connection.unexport(characteristicPath(service.handle, characteristic.handle))
                }
                connection.unexport(servicePath(service.handle))
            }
        }
    }

    private func characteristicInterface(_ c: SimulatedCharacteristic, servicePath: String) -> DBusInterface {
        let path = servicePath + "/char" + String(format: "%04x", c.handle)
        let isAudio = c.uuid == OmiGATT.audioData
        return DBusInterface(
            name: "org.bluez.GattCharacteristic1",
            methods: [
                "ReadValue": { [weak self] _ throws(DBusError) in
                    guard let self, self.state.withLock({ $0.connected }) else { throw Self.notConnected }
                    return [.bytes(c.read(self))]
                },
                "WriteValue": { [weak self] call throws(DBusError) in
                    guard let self, self.state.withLock({ $0.connected }) else { throw Self.notConnected }
                    guard let write = c.write else {
                        throw DBusError(name: "org.bluez.Error.NotPermitted", message: "Write not permitted")
                    }
                    try write(self, call.arguments.first?.bytes ?? [])
                    return []
                },
                "StartNotify": { [weak self] _ throws(DBusError) in
                    guard let self, c.notifies else {
                        throw DBusError(name: "org.bluez.Error.NotSupported", message: "Operation is not supported")
                    }
                    let acquired = self.state.withLock { s -> Bool in
                        if isAudio && s.acquiredFD >= 0 { return true }
                        s.notifying.insert(c.uuid)
                        return false
                    }
                    if acquired { throw DBusError(name: "org.bluez.Error.NotPermitted", message: "Notify acquired") }
                    self.connection.emitPropertiesChanged(
                        path: path, interface: "org.bluez.GattCharacteristic1", changed: ["Notifying": .bool(true)])
                    return []
                },
                "StopNotify": { [weak self] _ in
                    self?.state.withLock { _ = $0.notifying.remove(c.uuid) }
                    self?.connection.emitPropertiesChanged(
                        path: path, interface: "org.bluez.GattCharacteristic1", changed: ["Notifying": .bool(false)])
                    return []
                },
                "AcquireNotify": { [weak self] _ throws(DBusError) in
                    guard let self, isAudio else {
                        throw DBusError(name: "org.bluez.Error.NotSupported", message: "Operation is not supported")
                    }
                    return try self.acquireNotify(path: path)
                },
            ],
            properties: { [weak self] in
                guard let self else { return [:] }
                let (notifying, acquired) = self.state.withLock { ($0.notifying.contains(c.uuid), $0.acquiredFD >= 0) }
                var properties: [String: DBusValue] = [
                    "UUID": .string(c.uuid), "Service": .objectPath(servicePath), "Value": .bytes([]),
                    "Flags": .strings(c.flags), "MTU": .uint16(UInt16(self.configuration.mtu)),
                    "Handle": .uint16(c.handle),
                ]
                if c.notifies {
                    properties["Notifying"] = .bool(notifying)
                    properties["NotifyAcquired"] = .bool(isAudio && acquired)
                }
                return properties
            })
    }

    /// Whether the client end of an AcquireNotify socket pair was closed (BlueZ watches for this HUP).
    static func peerClosed(_ fd: Int32) -> Bool {
        var check = pollfd(fd: fd, events: 0x2000 /* POLLRDHUP */, revents: 0)
        return poll(&check, 1, 0) > 0 && check.revents & Int16(POLLHUP | 0x2000) != 0
    }

    static let notConnected = DBusError(name: "org.bluez.Error.NotConnected", message: "Not Connected")

    /// `AcquireNotify`: a SEQPACKET socket pair; the client gets one end (libdbus dups it into the reply), the
    /// streamer writes each notification as one datagram to the other. A hangup means the client let go.
    private func acquireNotify(path: String) throws(DBusError) -> [DBusValue] {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw DBusError.failed("socketpair: \(String(cString: strerror(errno)))")
        }
        _ = fcntl(pair[0], F_SETFL, fcntl(pair[0], F_GETFL) | O_NONBLOCK)
        let refused = state.withLock { s -> DBusError? in
            guard s.connected else { return Self.notConnected }
            if s.notifying.contains(OmiGATT.audioData) {
                return DBusError(name: "org.bluez.Error.InProgress", message: "Notify already started")
            }
            if s.acquiredFD >= 0 && !Self.peerClosed(s.acquiredFD) {
                return DBusError(name: "org.bluez.Error.NotPermitted", message: "Notify acquired")
            }
            s.closeAcquired()  // BlueZ releases an acquisition whose client closed its end
            s.acquiredFD = pair[0]
            return nil
        }
        if let refused {
            close(pair[0])
            close(pair[1])
            throw refused
        }
        connection.emitPropertiesChanged(
            path: path, interface: "org.bluez.GattCharacteristic1", changed: ["NotifyAcquired": .bool(true)])
        return [.unixFD(OwnedFD(pair[1])), .uint16(UInt16(configuration.mtu))]
    }
}
