import BridgeTesting
import DBusKit
import Foundation
import OmiAudio
import OmiSimulator
import Testing

@Suite("omi-bridge scan / run / record / simulate on a private bus")
struct BLECommandTests {
    @Test("BlueZ not running: scan says so and how to start it")
    func bluezNotRunning() async throws {
        let bus = try PrivateBus()
        let result = try await CLI.run(["scan", "--bus", bus.address, "--timeout", "1"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("BlueZ (org.bluez) is not running"), "\(result.stderr)")
        #expect(result.stderr.contains("systemctl start bluetooth"))
    }

    @Test("The bus policy refuses org.bluez: scan names the group and the policy file")
    func permissionDenied() async throws {
        let bus = try PrivateBus(extraPolicy: #"<policy context="default"><deny send_destination="org.bluez"/></policy>"#)
        let simulator = try await BlueZSimulator(bus: .address(bus.address), configuration: SimulatorConfiguration(), frames: [])
        defer { simulator.stop() }
        let result = try await CLI.run(["scan", "--bus", bus.address, "--timeout", "1"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("D-Bus policy does not let this user talk to org.bluez"), "\(result.stderr)")
        #expect(result.stderr.contains("bluetooth") && result.stderr.contains("org.omibridge.conf"))
    }

    @Test("No adapter: scan says BlueZ reports none and how to unblock it")
    func noAdapter() async throws {
        let bus = try PrivateBus()
        var configuration = SimulatorConfiguration()
        configuration.adapterPresent = false
        let simulator = try await BlueZSimulator(bus: .address(bus.address), configuration: configuration, frames: [])
        defer { simulator.stop() }
        let result = try await CLI.run(["scan", "--bus", bus.address, "--timeout", "1"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no Bluetooth adapter"), "\(result.stderr)")
        #expect(result.stderr.contains("rfkill unblock bluetooth"))
    }

    @Test("simulate (a separate process) + scan + record: the capture replays with the streamed frames")
    func simulateScanRecord() async throws {
        let bus = try PrivateBus()
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let wav = dir.appendingPathComponent("tone.wav").path
        try AudioFile.writeWAV((0..<16_000).map { Int16(5000 * sin(Double($0) * 0.1)) }, path: wav)
        let log = dir.appendingPathComponent("simulator.log").path
        // --duration is only a safety net (the defer ends the simulator): long enough that a loaded machine's slow
        // start cannot outlive it before scan and record have run.
        let simulator = try CLI.start([
            "simulate", "--bus", bus.address, "--audio", wav, "--speed", "4", "--duration", "300", "--mtu", "185",
        ], log: log)
        defer { simulator.terminate() }
        let watcher = try DBusConnection(bus: .address(bus.address))
        #expect(await eventually { (try? await watcher.nameOwner("org.bluez")) != nil }, "simulator never owned org.bluez; running: \(simulator.isRunning); said: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        watcher.close()
        let scan = try await CLI.run(["scan", "--bus", bus.address, "--timeout", "3", "--json"])
        #expect(scan.status == 0, "\(scan.stderr)")
        let device = try JSONSerialization.jsonObject(with: Data(scan.stdout.split(separator: "\n").first.map(String.init)?.utf8 ?? "{}".utf8)) as? [String: Any]
        #expect(device?["address"] as? String == "C4:3A:92:0B:5E:01")
        #expect(device?["rssi"] as? Int == -58)

        let capture = dir.appendingPathComponent("rec.omicap").path
        let record = try await CLI.run(["record", "--bus", bus.address, "--out", capture, "--duration", "1.5", "--notify", "start"])
        #expect(record.status == 0, "\(record.stderr)")
        #expect(record.stdout.contains("notifications via StartNotify"))
        let replay = try await CLI.run(["replay", capture, "--json"])
        #expect(replay.status == 0, "\(replay.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(replay.stdout.utf8)) as! [String: Any]
        let pipeline = (json["report"] as! [String: Any])["pipeline"] as! [String: Any]
        #expect(pipeline["mtu"] as? Int == 185 && pipeline["codec"] as? Int == 21)
        let frames = (pipeline["decode"] as! [String: Any])["decodedFrames"] as! Int
        #expect(frames > 50)
    }

    @Test("simulate refuses the real system bus unless asked, and needs a bus")
    func simulateGuards() async throws {
        let system = try await CLI.run(["simulate", "--bus", "unix:path=/run/dbus/system_bus_socket"])
        #expect(system.status == 2 && system.stderr.contains("--allow-system-bus"))
        let none = try await CLI.run(["simulate"])
        #expect(none.status == 2 && none.stderr.contains("--private-bus"))
    }

    @Test("A bad configuration file is reported key by key with exit 2")
    func badConfig() async throws {
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("config.yaml").path
        try "ble:\n  notify: sometimes\n  adress: x\naudio:\n  loss_mode: 3\n".write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await CLI.run(["run", "--config", file, "--bus", "unix:path=/nonexistent"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(file): ble.notify: 'sometimes' is not one of auto, acquire, start"))
        #expect(result.stderr.contains("\(file): ble.adress: unknown key"))
        #expect(result.stderr.contains("\(file): audio.loss_mode: must be a string"))
    }
}
