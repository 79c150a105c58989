import DBusKit
import Foundation
import Glibc
import OmiAudio
import Synchronization

/// The simulated device's audio clock: once someone subscribes, one codec frame falls due every frame duration
/// (÷ `speed`) and is packetized exactly as firmware does. The timeline keeps running while nobody listens, so a
/// disconnect leaves a gap of missed packet indices, as a real link loss would. Runs on its own thread.
final class AudioStreamer: Sendable {
    private let frames: [[UInt8]]
    private let configuration: SimulatorConfiguration
    private let running = Atomic<Bool>(true)
    private let owner = Mutex<WeakSimulator?>(nil)
    private let bursts = Mutex<[Burst]>([])

    /// A synthetic stream for benchmarks: `count` notifications of `payload` bytes at `rate` per second.
    struct Burst: Sendable {
        var rate: Int
        var count: Int
        var payload: Int
    }

    init(frames: [[UInt8]], configuration: SimulatorConfiguration) {
        self.frames = frames
        self.configuration = configuration
    }

    var simulator: WeakSimulator? {
        get { owner.withLock { $0 } }
        set { owner.withLock { $0 = newValue } }
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "omi-sim-audio"
        thread.start()
    }

    func stop() { running.store(false, ordering: .relaxed) }

    func enqueue(_ burst: Burst) { bursts.withLock { $0.append(burst) } }

    private func run() {
        var packetizer = OmiPacketizer(mtu: max(23, min(configuration.mtu, OmiPacket.maxLength)))
        let frameSeconds = Double(configuration.codec.frameSamples) / Double(configuration.codec.sampleRate)
        let step = frameSeconds / max(configuration.speed, 0.001)
        var start: Double?
        var frameNumber = 0
        var lastBatteryTick = now()
        while running.load(ordering: .relaxed), let simulator = simulator?.value {
            if let burst = bursts.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
                runBurst(burst, simulator, &packetizer)
                continue
            }
            guard let t0 = start else {
                // The device records to its SD card until a client subscribes; then it streams live.
                if simulator.state.withLock({ $0.audioSubscribed }) { start = now() } else { idle(0.002) }
                continue
            }
            if frameNumber >= frames.count && !configuration.loop {
                simulator.state.withLock { $0.stats.finished = true }
                idle(0.005)
                continue
            }
            let due = t0 + Double(frameNumber) * step
            let wait = due - now()
            if wait > 0 { idle(min(wait, 0.005)); continue }
            if !frames.isEmpty {
                for packet in packetizer.packetize(frames[frameNumber % frames.count]) { deliver(packet, simulator) }
            }
            frameNumber += 1
            let t = now()
            if t - lastBatteryTick >= 60 / max(configuration.batteryDrainPerMinute, 0.0001) / max(configuration.speed, 0.001) {
                lastBatteryTick = t
                simulator.drainBattery()
            }
        }
    }

    private func runBurst(_ burst: Burst, _ simulator: BlueZSimulator, _ packetizer: inout OmiPacketizer) {
        let began = now()
        let payload = [UInt8](repeating: 0x5A, count: max(0, burst.payload))
        var packet = [UInt8](repeating: 0, count: 3 + payload.count)
        for i in 0..<burst.count where running.load(ordering: .relaxed) {
            let due = began + Double(i) / Double(max(burst.rate, 1))
            while now() < due { idle(min(due - now(), 0.0005)) }
            let index = packetizer.nextIndex
            packet[0] = UInt8(truncatingIfNeeded: index)
            packet[1] = UInt8(truncatingIfNeeded: index >> 8)
            packet[2] = 0
            for j in 0..<payload.count { packet[3 + j] = payload[j] }
            _ = packetizer.packetize([])  // advances the index like one unfragmented notification
            deliver(packet, simulator)
        }
    }

    /// Sends one notification to whoever is subscribed, through the path they chose.
    private func deliver(_ packet: [UInt8], _ simulator: BlueZSimulator) {
        enum Route { case none, signal }
        let route: Route = simulator.state.withLock { s in
            guard s.audioSubscribed else {
                s.stats.missedWhileDisconnected += 1
                return .none
            }
            if s.lose() {
                s.stats.droppedByLoss += 1
                return .none
            }
            guard s.acquiredFD >= 0 else {
                s.stats.delivered += 1
                s.stats.deliveredViaSignal += 1
                return .signal
            }
            // Sent under the lock so a concurrent disconnect cannot close (and the kernel reuse) the descriptor.
            let sent = packet.withUnsafeBytes { send(s.acquiredFD, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            if sent >= 0 {
                s.stats.delivered += 1
                s.stats.deliveredViaAcquire += 1
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                s.stats.socketFull += 1
            } else {
                s.closeAcquired()  // the client closed its end: BlueZ releases the acquisition
            }
            return .none
        }
        if route == .signal, let path = simulator.path(of: OmiGATT.audioData) {
            simulator.connection.emitPropertiesChanged(
                path: path, interface: "org.bluez.GattCharacteristic1", changed: ["Value": .bytes(packet)])
        }
    }

    private func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// The device's own pacing between frames (this is the simulated hardware clock, not a test waiting).
    private func idle(_ seconds: Double) { usleep(useconds_t(max(50, seconds * 1e6))) }
}
