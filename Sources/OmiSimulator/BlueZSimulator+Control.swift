public import DBusKit
public import OmiAudio

/// Fault injection and device events, callable in-process or over D-Bus (`io.omibridge.Simulator1` at
/// `/io/omibridge/simulator`, on the simulator's own connection).
extension BlueZSimulator {
    public static let controlPath = "/io/omibridge/simulator"
    public static let controlInterface = "io.omibridge.Simulator1"

    /// Drops the link as if the device went out of range; it keeps advertising, so the client can reconnect.
    public func forceDisconnect() { dropLink(reason: "remote") }

    /// The next `count` connects fail with `le-connection-abort-by-local`.
    public func refuseConnects(_ count: Int) { state.withLock { $0.refuseConnects = count } }

    /// The next connection resolves a GATT tree without the Omi services, until the device is removed.
    public func makeGATTStale() { state.withLock { $0.staleGatt = true } }

    public func setLoss(_ loss: SimulatedLoss) { state.withLock { $0.loss = loss } }

    public func setCharging(_ charging: Bool) {
        state.withLock { $0.charging = charging }
        notify(OmiGATT.charging, [charging ? 1 : 0])
    }

    public func setBattery(_ percent: UInt8) {
        state.withLock { $0.battery = min(percent, 100) }
        publishBattery()
    }

    /// A button event, notified on the button characteristic (8 bytes: event i32 LE, then 0).
    public func press(_ event: OmiGATT.ButtonEvent) {
        let v = UInt32(bitPattern: event.rawValue)
        notify(OmiGATT.buttonEvent, [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24), 0, 0, 0, 0])
    }

    /// bluetoothd "restarts": every object disappears and `org.bluez` loses its owner, then after `downtime` the
    /// adapter comes back (the device is forgotten until the next discovery).
    public func restartBlueZ(downtime: Duration = .milliseconds(300)) async throws(DBusError) {
        dropLink(reason: "bluetoothd exit")
        if state.withLock({ $0.deviceExported }) { connection.unexport(configuration.devicePath) }
        connection.unexport(configuration.adapterPath)
        state.withLock { s in
            s.deviceExported = false
            s.discovering = false
        }
        try await connection.releaseName(Self.busName)
        try? await Task.sleep(for: downtime)
        exportAdapter()
        try await connection.requestName(Self.busName)
    }

    /// Benchmark stream: `count` notifications of `payload` bytes at `rate` per second on the audio
    /// characteristic, through whichever notify path is subscribed.
    public func startBurst(rate: Int, count: Int, payload: Int) {
        streamer.enqueue(.init(rate: rate, count: count, payload: payload))
    }

    func drainBattery() {
        let changed = state.withLock { s -> Bool in
            guard s.connected, s.battery > 0 else { return false }
            s.battery -= 1
            return true
        }
        if changed { publishBattery() }
    }

    private func publishBattery() {
        let level = state.withLock { $0.battery }
        if state.withLock({ $0.servicesResolved }) {
            connection.emitPropertiesChanged(
                path: configuration.devicePath, interface: "org.bluez.Battery1", changed: ["Percentage": .byte(level)])
        }
        notify(OmiGATT.batteryLevel, [level])
    }

    /// A notification on a non-audio characteristic, if someone subscribed with StartNotify.
    func notify(_ uuid: String, _ value: [UInt8]) {
        guard state.withLock({ $0.connected && $0.notifying.contains(uuid) }), let path = path(of: uuid) else { return }
        connection.emitPropertiesChanged(
            path: path, interface: "org.bluez.GattCharacteristic1", changed: ["Value": .bytes(value)])
    }

    func exportControl() {
        connection.export(
            Self.controlPath,
            interfaces: [
                DBusInterface(
                    name: Self.controlInterface,
                    methods: [
                        "Disconnect": { [weak self] _ in self?.forceDisconnect(); return [] },
                        "RefuseConnects": { [weak self] call in
                            self?.refuseConnects(Int(call.arguments.first?.integer ?? 1)); return []
                        },
                        "StaleGatt": { [weak self] _ in self?.makeGATTStale(); return [] },
                        "SetLoss": { [weak self] call throws(DBusError) in
                            guard call.arguments.count == 2, let mode = call.arguments[0].string,
                                case .double(let p) = call.arguments[1].unwrapped, (0...1).contains(p)
                            else { throw .invalidArgs("SetLoss(s mode: none|uniform|burst, d probability 0…1)") }
                            switch mode {
                            case "none": self?.setLoss(.none)
                            case "uniform": self?.setLoss(.uniform(p))
                            case "burst": self?.setLoss(.burst(p: p, meanLength: 5))
                            default: throw .invalidArgs("loss mode '\(mode)' is not none, uniform or burst")
                            }
                            return []
                        },
                        "PressButton": { [weak self] call throws(DBusError) in
                            guard let raw = call.arguments.first?.integer, let event = OmiGATT.ButtonEvent(rawValue: Int32(raw))
                            else { throw .invalidArgs("PressButton(i event 1…5)") }
                            self?.press(event)
                            return []
                        },
                        "SetBattery": { [weak self] call in
                            self?.setBattery(UInt8(clamping: call.arguments.first?.integer ?? 0)); return []
                        },
                        "SetCharging": { [weak self] call in
                            self?.setCharging(call.arguments.first?.bool ?? false); return []
                        },
                        "StartBurst": { [weak self] call throws(DBusError) in
                            guard call.arguments.count == 3, let rate = call.arguments[0].integer,
                                let count = call.arguments[1].integer, let payload = call.arguments[2].integer
                            else { throw .invalidArgs("StartBurst(u rate, u count, q payload)") }
                            self?.startBurst(rate: Int(rate), count: Int(count), payload: Int(payload))
                            return []
                        },
                        "Stats": { [weak self] _ in [self?.statsValue() ?? .properties([:])] },
                    ])
            ])
    }

    func statsValue() -> DBusValue {
        let s = stats
        return .properties([
            "delivered": .uint64(UInt64(s.delivered)), "deliveredViaAcquire": .uint64(UInt64(s.deliveredViaAcquire)),
            "deliveredViaSignal": .uint64(UInt64(s.deliveredViaSignal)), "droppedByLoss": .uint64(UInt64(s.droppedByLoss)),
            "missedWhileDisconnected": .uint64(UInt64(s.missedWhileDisconnected)),
            "socketFull": .uint64(UInt64(s.socketFull)), "connects": .uint64(UInt64(s.connects)),
            "refusedConnects": .uint64(UInt64(s.refusedConnects)), "disconnects": .uint64(UInt64(s.disconnects)),
            "finished": .bool(s.finished),
        ])
    }
}
