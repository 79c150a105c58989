import BlueZ
import Foundation
import Glibc
import OmiAudio
import Synchronization

/// Setting up a connected Omi (omi-contract §1.1 connect order) and streaming until the link ends.
extension OmiDeviceSession {
    func setUp() async -> ConnectionStateMachine.Event {
        guard let link = current.withLock({ $0 }) else { return .setUpFailed(.disconnected) }
        let path = link.device.path
        guard client.hasService(OmiGATT.audioService, on: path),
            let data = client.characteristic(OmiGATT.audioData, of: path),
            let codecCharacteristic = client.characteristic(OmiGATT.audioCodec, of: path)
        else { return .staleGATT }
        do {
            let profile = try await readProfile(path: path, codecCharacteristic: codecCharacteristic, data: data)
            emit.yield(.profile(profile))
            if profile.mtu > 0 && profile.mtu < OmiGATT.minimumStreamingMTU {
                emit.yield(.problem("error: ATT MTU \(profile.mtu) is below \(OmiGATT.minimumStreamingMTU): the Omi firmware sends no audio at this MTU"))
            } else if profile.mtu > 0 && profile.mtu < OmiGATT.recommendedMTU {
                emit.yield(.problem("warning: ATT MTU \(profile.mtu) is below \(OmiGATT.recommendedMTU): CV1 frames will be fragmented"))
            }
            if configuration.syncTime, let time = client.characteristic(OmiGATT.timeSyncWrite, of: path) {
                let epoch = UInt32(clamping: Int(Date().timeIntervalSince1970))
                try await client.write(time, [UInt8(epoch & 0xFF), UInt8(epoch >> 8 & 0xFF), UInt8(epoch >> 16 & 0xFF), UInt8(epoch >> 24)])
            }
            let sink = consumer.streamStarted(codec: profile.codec, mtu: profile.mtu)
            let audio = try await client.subscribe(data, mode: configuration.notifyMode) { bytes in
                sink(bytes, monotonicNanos())
            }
            var subscriptions: [any GattSubscription] = [audio]
            subscriptions += await subscribeControls(path: path)
            current.withLock { $0?.subscriptions = subscriptions }
            if let level = client.cache.objects.property(path, BlueZClient.batteryInterface, "Percentage")?.integer {
                emit.yield(.battery(Int(level)))
            } else if let battery = client.characteristic(OmiGATT.batteryLevel, of: path),
                let level = try? await client.read(battery).first
            {
                emit.yield(.battery(Int(level)))
            }
            emit.yield(.connected(address: link.device.address, name: link.device.name, notifyMode: audio.mode))
            return .setUpDone
        } catch {
            emit.yield(.problem(error.message))
            return error.kind == .disconnected ? .linkLost : .setUpFailed(error.kind)
        }
    }

    private func readProfile(path: String, codecCharacteristic: String, data: String) async throws(BlueZError) -> OmiProfile {
        let codecBytes = try await client.read(codecCharacteristic)
        let codec: OmiCodec
        do { codec = try OmiCodec(id: codecBytes.first ?? 0xFF) } catch {
            throw BlueZError(.notSupported, "the Omi reports \(error)")
        }
        var features: OmiGATT.Features = []
        if let characteristic = client.characteristic(OmiGATT.features, of: path) {
            let bytes = try await client.read(characteristic)
            if bytes.count >= 4 {
                features = OmiGATT.Features(
                    rawValue: UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24)
            }
        }
        func text(_ uuid: String) async -> String? {
            guard let c = client.characteristic(uuid, of: path), let bytes = try? await client.read(c) else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
        return OmiProfile(
            codec: codec, features: features, mtu: client.mtu(of: data) ?? 0, model: await text(OmiGATT.modelNumber),
            firmware: await text(OmiGATT.firmwareRevision), hardware: await text(OmiGATT.hardwareRevision),
            manufacturer: await text(OmiGATT.manufacturerName))
    }

    /// Button, battery (GATT) and charging notifications: low rate, so plain StartNotify with events.
    private func subscribeControls(path: String) async -> [any GattSubscription] {
        var subscriptions: [any GattSubscription] = []
        let emit = emit
        if let button = client.characteristic(OmiGATT.buttonEvent, of: path),
            let s = try? await client.subscribe(button, mode: .start, sink: { bytes in
                guard bytes.count >= 4 else { return }
                let raw = Int32(bitPattern: UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24)
                if let event = OmiGATT.ButtonEvent(rawValue: raw) { emit.yield(.button(event)) }
            })
        {
            subscriptions.append(s)
        }
        if let battery = client.characteristic(OmiGATT.batteryLevel, of: path),
            let s = try? await client.subscribe(battery, mode: .start, sink: { bytes in
                if let level = bytes.first { emit.yield(.battery(Int(level))) }
            })
        {
            subscriptions.append(s)
        }
        if let charging = client.characteristic(OmiGATT.charging, of: path),
            let s = try? await client.subscribe(charging, mode: .start, sink: { bytes in
                if let on = bytes.first { emit.yield(.charging(on != 0)) }
            })
        {
            subscriptions.append(s)
        }
        return subscriptions
    }

    /// Streams until the link ends, from whichever source notices first: the audio subscription ending
    /// (AcquireNotify hang-up, Notifying=false), `Connected` or `ServicesResolved` turning false, or the device
    /// object disappearing. bluetoothd exiting cancels the subscriptions (see `run`).
    func stream() async -> ConnectionStateMachine.Event {
        guard let link = current.withLock({ $0 }), let audio = link.subscriptions.first else { return .linkLost }
        let path = link.device.path
        let client = client
        let reason = await withTaskGroup(of: String.self) { group in
            group.addTask { "audio notifications ended (\(await audio.ended()))" }
            group.addTask {
                let why = Mutex("link down")
                _ = await client.cache.waitFor(timeout: .seconds(365 * 86_400)) { objects in
                    guard let device = objects[path]?[BlueZClient.deviceInterface] else {
                        why.withLock { $0 = "device removed" }
                        return true
                    }
                    if device["Connected"]?.bool == false {
                        why.withLock { $0 = "Connected=false" }
                    } else if device["ServicesResolved"]?.bool == false {
                        why.withLock { $0 = "ServicesResolved=false" }
                    } else {
                        return false
                    }
                    return true
                }
                return why.withLock { $0 }
            }
            let first = await group.next() ?? "stopped"
            group.cancelAll()
            return first
        }
        emit.yield(.disconnected(reason: reason))
        return .linkLost
    }
}

/// CLOCK_MONOTONIC in nanoseconds: the timestamp of each notification (no allocation).
@inline(__always)
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
