import ArgumentParser
import BlueZ
import Foundation
import OmiAudio

/// `omi-bridge scan`: Omi devices in range.
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan", abstract: "List Omi devices in range (address, name, RSSI, battery when known).")

    @OptionGroup var ble: BLEOptions

    @Option(name: .long, help: "Seconds to scan.")
    var timeout: Double = 5

    @Flag(name: .long, help: "One JSON object per device.")
    var json = false

    func validate() throws {
        guard timeout > 0, timeout <= 600 else { throw ValidationError("--timeout: \(timeout) is not within 0…600 s") }
    }

    func run() async throws {
        let client = try await ble.client()
        let adapter: String
        let devices: [BlueZDevice]
        do {
            adapter = try await client.adapter(named: ble.adapter)
            devices = try await client.scan(
                adapter: adapter, serviceUUID: OmiGATT.audioService, duration: .milliseconds(Int(timeout * 1000)))
        } catch {
            throw CLIFailure(error.message)
        }
        if devices.isEmpty && !json {
            print("no Omi found on \(adapter) in \(timeout) s (is it charged, near, and not connected to a phone?)")
        }
        for device in devices {
            if json {
                let object: [String: Any] = [
                    "address": device.address, "name": device.name ?? NSNull(), "rssi": device.rssi ?? NSNull(),
                    "battery": device.battery ?? NSNull(), "path": device.path, "connected": device.connected,
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                let rssi = device.rssi.map { "\($0) dBm" } ?? "RSSI ?"
                let battery = device.battery.map { ", battery \($0)%" } ?? ""
                print("\(device.address)  \(device.name ?? "(no name)")  \(rssi)\(battery)")
            }
        }
    }
}
