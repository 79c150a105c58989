import ArgumentParser
import BlueZ
import DBusKit
import Foundation
import Glibc
import OmiAudio
import OmiSimulator
import Synchronization

/// `omi-bridge bench-ble`: the BLE client's cost per notification, against `simulate --silent` (bench/ble/run
/// runs it next to a bleak client on the same simulator and bus).
struct BenchBLECommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-ble",
        abstract: "Benchmark: receive a burst of notifications from the simulator; print received, lost, CPU µs each.",
        shouldDisplay: false)

    @OptionGroup var ble: BLEOptions

    @Option(name: .long, help: "acquire or start.")
    var notify: NotifyMode = .acquire

    @Option(name: .long, help: "Notifications per second the simulator sends.")
    var rate: Int = 1000

    @Option(name: .long, help: "Notifications in the burst.")
    var count: Int = 3000

    @Option(name: .long, help: "Payload bytes per notification (after the 3-byte header).")
    var payload: Int = 80

    func run() async throws {
        let client = try await ble.client()
        let received = Atomic<Int>(0)
        let gaps = Atomic<Int>(0)
        let last = Atomic<Int>(-1)
        let firstGapAt = Atomic<Int>(-1)
        let complete = DispatchSemaphore(value: 0)
        let expected = count
        let subscription: any GattSubscription
        let device: BlueZDevice
        do {
            let adapter = try await client.adapter(named: ble.adapter)
            device = try await client.discover(adapter: adapter, serviceUUID: OmiGATT.audioService, timeout: .seconds(10))
            try await client.connect(device.path)
            guard let data = client.characteristic(OmiGATT.audioData, of: device.path) else {
                throw CLIFailure("the simulator exposes no audio characteristic")
            }
            // The callback does what a minimal client does: count, and check the packet index for gaps.
            subscription = try await client.subscribe(data, mode: notify) { bytes in
                guard bytes.count >= 3 else { return }
                let index = Int(bytes[0]) | Int(bytes[1]) << 8
                let previous = last.exchange(index, ordering: .relaxed)
                if previous >= 0 && (index - previous) & 0xFFFF != 1 {
                    gaps.add(1, ordering: .relaxed)
                    _ = firstGapAt.compareExchange(expected: -1, desired: received.load(ordering: .relaxed), ordering: .relaxed)
                }
                if received.add(1, ordering: .relaxed).newValue == expected { complete.signal() }
            }
        } catch let error as BlueZError {
            throw CLIFailure(error.message)
        }
        let cpuBefore = cpuMicroseconds()
        let began = ContinuousClock.now
        _ = try await client.connection.call(
            destination: BlueZClient.service, path: BlueZSimulator.controlPath, interface: BlueZSimulator.controlInterface,
            member: "StartBurst", arguments: [.uint32(UInt32(rate)), .uint32(UInt32(count)), .uint16(UInt16(payload))])
        // Done when everything arrived (the sink signals it), or 2 s after the burst should have ended. Blocking
        // here keeps the measuring side from waking at all while the burst runs.
        let expectedEnd = Double(count) / Double(rate)
        _ = complete.wait(timeout: .now() + expectedEnd + 2)
        let cpu = cpuMicroseconds() - cpuBefore
        let wall = (ContinuousClock.now - began).seconds
        await subscription.cancel()
        await client.disconnect(device.path)
        let got = received.load(ordering: .relaxed)
        let result: [String: Any] = [
            "client": "omi-bridge", "mode": notify.rawValue, "rate": rate, "sent": count, "received": got,
            "lost": count - got, "index_gaps": gaps.load(ordering: .relaxed), "wall_s": wall,
            "first_gap_after": firstGapAt.load(ordering: .relaxed),
            "cpu_us_per_notification": got > 0 ? Double(cpu) / Double(got) : 0,
        ]
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    /// User + system CPU time of this process so far.
    private func cpuMicroseconds() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1_000_000 + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec
    }
}
