import ArgumentParser
import BlueZ
import DBusKit
import Foundation
import OmiAudio
import OmiDevice
import Synchronization

/// `omi-bridge record`: raw notifications from a live device into an `.omicap`.
struct RecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Capture raw audio notifications from a live Omi into an .omicap file (docs/omicap.md).")

    @OptionGroup var ble: BLEOptions

    @Option(name: .long, help: "Output .omicap path.")
    var out: String

    @Option(name: .long, help: "Seconds to record (default: until interrupted).")
    var duration: Double?

    @Option(name: .long, help: "Connect only to this Bluetooth address.")
    var address: String?

    @Option(name: .long, help: "auto, acquire or start.")
    var notify: NotifyMode = .auto

    @Option(name: .long, help: "Configuration file (YAML), for the ble section.")
    var config: String?

    func run() async throws {
        var settings = try BridgeSettings.load(config)
        if let address { settings.address = address }
        guard FileManager.default.createFile(atPath: out, contents: nil), let handle = FileHandle(forWritingAtPath: out)
        else { throw CLIFailure("\(out): cannot create the capture file") }
        let bus: DBusBus = (ble.bus ?? settings.bus).map(DBusBus.address) ?? .system
        let client: BlueZClient
        do { client = try await BlueZClient(bus: bus) } catch { throw CLIFailure(error.message) }
        let recorder = CaptureRecorder(handle: handle)
        var configuration = OmiDeviceConfiguration()
        configuration.address = settings.address
        configuration.adapter = ble.adapter ?? settings.adapter
        configuration.notifyMode = notify
        let session = OmiDeviceSession(client: client, configuration: configuration, consumer: recorder)
        let events = Task { for await event in session.events { log(event.description) } }
        let runner = Task { await session.run() }
        await SignalTrap.waitForTermination(orAfter: duration)
        await session.stop()
        await runner.value
        events.cancel()
        let written = recorder.finish()
        log("recorded \(written) notifications to \(out)")
    }
}

/// Writes notifications to an `.omicap` as they arrive. The BLE thread only copies each notification into a
/// ring (no allocation, no I/O); a writer thread appends records to the file and flushes twice a second, so a
/// crash loses at most the last half second and leaves a truncated record the reader reports.
final class CaptureRecorder: NotificationConsumer {
    private let handle: FileHandle
    private let ring = NotificationRing(capacityBytes: 1 << 20)
    private let header = Mutex<(codec: OmiCodec, mtu: Int)?>(nil)
    private let origin = Atomic<UInt64>(0)
    private let done = DispatchSemaphore(value: 0)
    private let count = Atomic<Int>(0)

    init(handle: FileHandle) {
        self.handle = handle
        let thread = Thread { [self] in write() }
        thread.name = "omi-capture-writer"
        thread.start()
    }

    func streamStarted(codec: OmiCodec, mtu: Int) -> AudioNotificationSink {
        let first = header.withLock { h -> Bool in
            defer { if h == nil { h = (codec, mtu) } }
            return h == nil
        }
        if first {
            handle.write(Data(OmiCapture.header(codec: codec, mtu: mtu, startUnixNanos: Int64(Date().timeIntervalSince1970 * 1e9))))
        }
        return { [self] bytes, timestamp in
            // First notification fixes time zero; compareExchange keeps it race-free without a lock.
            _ = origin.compareExchange(expected: 0, desired: timestamp, ordering: .relaxed)
            ring.push(bytes, timestampNanos: timestamp - min(timestamp, origin.load(ordering: .relaxed)))
        }
    }

    private func write() {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(UInt16.max), alignment: 16)
        defer { buffer.deallocate() }
        var pending: [UInt8] = []
        var lastFlush = ContinuousClock.now
        while true {
            if let (length, stamp) = ring.pop(into: buffer) {
                OmiCapture.appendRecord(.init(timestampNanos: stamp, bytes: Array(buffer[..<length])), to: &pending)
                count.add(1, ordering: .relaxed)
            } else if ring.bytes.isClosed && ring.isEmpty {
                break
            } else {
                _ = ring.bytes.waitForData(timeout: .milliseconds(100))
            }
            if !pending.isEmpty && (ContinuousClock.now - lastFlush > .milliseconds(500) || pending.count > 1 << 16) {
                handle.write(Data(pending))
                pending.removeAll(keepingCapacity: true)
                lastFlush = .now
            }
        }
        if !pending.isEmpty { handle.write(Data(pending)) }
        try? handle.synchronize()
        try? handle.close()
        done.signal()
    }

    /// Flushes everything and closes the file. Returns the number of notifications written.
    func finish() -> Int {
        ring.bytes.close()
        done.wait()
        return count.load(ordering: .relaxed)
    }
}
