import ArgumentParser
import DBusKit
import Foundation
import OmiAudio
import OmiSimulator

/// `omi-bridge simulate`: a simulated Omi behind a fake BlueZ, on a private bus.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a simulated Omi behind a fake BlueZ (org.bluez) on a D-Bus bus, for testing without hardware.",
        discussion: """
            The simulator owns org.bluez on the bus and streams the audio as device-identical packets through \
            StartNotify and AcquireNotify. Faults are injected over D-Bus: io.omibridge.Simulator1 at \
            /io/omibridge/simulator (Disconnect, RefuseConnects u, StaleGatt, SetLoss s d, PressButton i, \
            SetBattery y, SetCharging b, StartBurst u u q, Stats). It never takes the real system bus unless \
            --allow-system-bus is given.
            """)

    @Option(name: .long, help: "D-Bus address of the bus to own org.bluez on.")
    var bus: String?

    @Flag(name: .customLong("private-bus"), help: "Start a private dbus-daemon and print its address.")
    var privateBus = false

    @Flag(name: .customLong("allow-system-bus"), help: "Allow taking org.bluez on the real system bus.")
    var allowSystemBus = false

    @Option(name: .long, help: "Audio to stream: .wav/.flac/.pcm or .omicap (default: speech from espeak-ng).")
    var audio: String?

    @Option(name: .long, help: "Timeline speed: 1 = real time.")
    var speed: Double = 1

    @Flag(name: .customLong("no-loop"), help: "Stop the audio at its end instead of starting again.")
    var noLoop = false

    @Option(name: .long, help: "Codec id the device announces: 21 or 20.")
    var codec: UInt8 = 21

    @Option(name: .long, help: "ATT MTU the device negotiates.")
    var mtu: Int = 247

    @Option(name: .long, help: "Bluetooth address of the simulated Omi.")
    var address = "C4:3A:92:0B:5E:01"

    @Option(name: .long, help: "Advertised name (older units say Friend).")
    var name = "Omi"

    @Option(name: .long, help: "Uniform packet loss probability 0…1.")
    var loss: Double = 0

    @Option(name: .long, help: "Seconds to run (default: until interrupted).")
    var duration: Double?

    @Flag(name: .long, help: "Stream no audio; only benchmark bursts (StartBurst) are sent.")
    var silent = false

    func validate() throws {
        guard (bus != nil) != privateBus else { throw ValidationError("give exactly one of --bus ADDRESS and --private-bus") }
        if let bus, bus.contains("/run/dbus/system_bus_socket") && !allowSystemBus {
            throw ValidationError("--bus: \(bus) is the real system bus; pass --allow-system-bus if you mean it")
        }
        guard let codec = OmiCodec(rawValue: codec), codec.isOpus else { throw ValidationError("--codec: 21 or 20") }
        guard (23...OmiPacket.maxLength).contains(mtu) else { throw ValidationError("--mtu: 23…517") }
        guard (0...1).contains(loss) else { throw ValidationError("--loss: a probability 0…1") }
        guard speed > 0 else { throw ValidationError("--speed: must be positive") }
    }

    func run() async throws {
        var daemon: PrivateDBusDaemon?
        let address: String
        if privateBus {
            let started = try catching { try PrivateDBusDaemon() }
            daemon = started
            address = started.address
        } else {
            address = bus!
        }
        defer { daemon?.stop() }
        var configuration = SimulatorConfiguration()
        configuration.codec = OmiCodec(rawValue: codec)!
        configuration.mtu = mtu
        configuration.deviceAddress = self.address
        configuration.deviceName = name
        configuration.speed = speed
        configuration.loop = !noLoop
        let frames = silent ? [] : try await loadFrames(codec: configuration.codec)
        let simulator: BlueZSimulator
        do {
            simulator = try await BlueZSimulator(bus: .address(address), configuration: configuration, frames: frames)
        } catch {
            throw CLIFailure("cannot own org.bluez on \(address): \(error)")
        }
        if loss > 0 { simulator.setLoss(.uniform(loss)) }
        print("simulated Omi \(configuration.deviceAddress) (\(name), codec \(codec), MTU \(mtu)) owns org.bluez")
        print("DBUS_SYSTEM_BUS_ADDRESS=\(address)")
        print("try: omi-bridge run --bus '\(address)'")
        let reporter = Task {
            var last = SimulatorStats()
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(5))
                let now = simulator.stats
                if now != last { log("simulator: \(now.connects) connects, \(now.delivered) notifications delivered, \(now.missedWhileDisconnected) missed while disconnected, \(now.droppedByLoss) dropped by loss") }
                last = now
            }
        }
        await SignalTrap.waitForTermination(orAfter: duration)
        reporter.cancel()
        simulator.stop()
    }

    /// Codec frames to stream: reassembled from an .omicap, or encoded from audio (espeak-ng speech by default).
    private func loadFrames(codec: OmiCodec) async throws -> [[UInt8]] {
        if let audio, audio.lowercased().hasSuffix(".omicap") {
            let capture = try catching { try OmiCapture(contentsOf: URL(fileURLWithPath: audio)) }
            var reassembler = FrameReassembler(mtu: capture.mtu)
            var frames: [[UInt8]] = []
            for record in capture.records {
                record.bytes.withUnsafeBytes { reassembler.ingest($0) { if case .frame(let f) = $0 { frames.append(Array(f)) } } }
            }
            reassembler.finish { if case .frame(let f) = $0 { frames.append(Array(f)) } }
            return frames
        }
        let pcm: PCMAudio
        if let audio {
            pcm = try catching { try PCMAudio.load(path: audio).audio }
        } else {
            pcm = try catching { try SpeechSynthesizer.speak("Hello from the simulated Omi. This is a test of the bridge. Can you send me the deck by Friday?") }
        }
        return try catching { try OmiEncoder(codec: codec).encode(pcm.samples) }
    }
}
