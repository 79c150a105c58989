import DBusKit

/// Connecting, disconnecting and GATT access.
extension BlueZClient {
    /// Connects `device` and waits until its services are resolved. Fails fast when the link drops
    /// (`Connected=false`) or the device disappears meanwhile, and at `timeout` otherwise.
    public func connect(_ device: String, timeout: Duration = .seconds(20)) async throws(BlueZError) {
        do {
            try await call(device, Self.deviceInterface, "Connect", timeout: timeout, doing: "connecting to \(device)")
        } catch where error.dbusName == "org.bluez.Error.AlreadyConnected" {
            // Fine: wait for the services below.
        }
        enum Outcome { case resolved, dropped, removed }
        let outcome = Mutex<Outcome?>(nil)
        let settled = await cache.waitFor(timeout: timeout) { objects in
            guard let properties = objects[device]?[Self.deviceInterface] else {
                outcome.withLock { $0 = .removed }
                return true
            }
            if properties["ServicesResolved"]?.bool == true {
                outcome.withLock { $0 = .resolved }
                return true
            }
            if properties["Connected"]?.bool == false {
                outcome.withLock { $0 = .dropped }
                return true
            }
            return false
        }
        switch (settled, outcome.withLock { $0 }) {
        case (true, .resolved): return
        case (true, .removed): throw BlueZError(.disconnected, "\(device) disappeared while connecting")
        case (true, _): throw BlueZError(.disconnected, "\(device) dropped the link before its services resolved")
        case (false, _): throw BlueZError(.timeout, "\(device): services not resolved within \(timeout)")
        }
    }

    public func disconnect(_ device: String) async {
        _ = try? await call(device, Self.deviceInterface, "Disconnect", timeout: .seconds(10), doing: "disconnecting")
    }

    /// Forgets a device (clears a stale GATT cache); BlueZ finds it again on the next discovery.
    public func removeDevice(_ device: String) async throws(BlueZError) {
        let adapter = String(device[..<(device.lastIndex(of: "/") ?? device.endIndex)])
        try await call(adapter, Self.adapterInterface, "RemoveDevice", [.objectPath(device)], doing: "removing \(device)")
    }

    /// The path of the characteristic with `uuid` under `device`, found through its service (by UUID, never by
    /// a remembered path: handles and paths change between connections).
    public func characteristic(_ uuid: String, of device: String) -> String? {
        let objects = cache.objects
        let uuid = uuid.lowercased()
        return objects.paths(with: Self.characteristicInterface).first { path in
            guard path.hasPrefix(device + "/"),
                objects.property(path, Self.characteristicInterface, "UUID")?.string?.lowercased() == uuid
            else { return false }
            return true
        }
    }

    /// Whether `device` resolved a service with `uuid`.
    public func hasService(_ uuid: String, on device: String) -> Bool {
        let objects = cache.objects
        return objects.paths(with: Self.serviceInterface).contains {
            $0.hasPrefix(device + "/")
                && objects.property($0, Self.serviceInterface, "UUID")?.string?.lowercased() == uuid.lowercased()
        }
    }

    public func read(_ characteristic: String) async throws(BlueZError) -> [UInt8] {
        let reply = try await call(
            characteristic, Self.characteristicInterface, "ReadValue", [.properties([:])], timeout: .seconds(10),
            doing: "reading \(characteristic)")
        return reply.first?.bytes ?? []
    }

    /// Writes with response (`type: request`) unless `withoutResponse`.
    public func write(_ characteristic: String, _ bytes: [UInt8], withoutResponse: Bool = false) async throws(BlueZError) {
        try await call(
            characteristic, Self.characteristicInterface, "WriteValue",
            [.bytes(bytes), .properties(["type": .string(withoutResponse ? "command" : "request")])],
            timeout: .seconds(10), doing: "writing \(characteristic)")
    }

    /// The ATT MTU BlueZ reports for a characteristic (`MTU`, BlueZ ≥ 5.62), if it reports one.
    public func mtu(of characteristic: String) -> Int? {
        cache.objects.property(characteristic, Self.characteristicInterface, "MTU")?.integer.map(Int.init)
    }
}

import Synchronization
