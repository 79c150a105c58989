import BridgeTesting
import Foundation
import Glibc
import OmiSimulator
import Synchronization
import Testing

@Suite("sd_notify")
struct SystemdNotifyTests {
    @Test("run tells systemd READY=1 and its status, pings the watchdog, and on SIGTERM says STOPPING=1 and exits 0")
    func notifies() async throws {
        let bus = try PrivateBus()
        let simulator = try await BlueZSimulator(
            bus: .address(bus.address), configuration: SimulatorConfiguration(), frames: [[0xF8, 0xFF, 0xFE]])
        defer { simulator.stop() }
        // A datagram socket standing in for systemd's notify socket.
        let path = bus.directory.appendingPathComponent("notify").path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = path
        environment["WATCHDOG_USEC"] = "200000"
        environment["JOURNAL_STREAM"] = "8:12345"  // stdout is "the journal": priority prefixes, metadata fields
        // Read as systemd does, while the daemon runs (a datagram socket queues only a few messages).
        let received = Mutex<[String]>([])
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 512)
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { return }
                let message = String(decoding: buffer[..<n], as: UTF8.self)
                received.withLock { $0.append(message) }
                if message == "STOPPING=1" { return }
            }
        }
        reader.start()
        let output = bus.directory.appendingPathComponent("journal.log").path
        let daemon = try CLI.start(
            ["run", "--bus", bus.address, "--stats", "0", "--no-serve", "--no-transcribe"], environment: environment, log: output)
        #expect(await eventually { received.withLock { $0.contains("STATUS=streaming from C4:3A:92:0B:5E:01") } })
        #expect(await eventually { received.withLock { $0.filter { $0 == "WATCHDOG=1" }.count >= 3 } })
        daemon.terminate()  // SIGTERM, as systemd stops the unit
        #expect(await eventually { received.withLock { $0.last == "STOPPING=1" } })
        #expect(await eventually { !daemon.isRunning })
        #expect(daemon.terminationReason == .exit && daemon.terminationStatus == 0)
        let messages = received.withLock { $0 }
        #expect(messages.first == "READY=1\nSTATUS=looking for an Omi")
        #expect(messages.contains("STATUS=streaming from C4:3A:92:0B:5E:01"))
        #expect(messages.filter { $0 == "WATCHDOG=1" }.count >= 3)
        #expect(messages.last == "STOPPING=1")
        let journal = ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        #expect(journal.contains("<6>state: streaming subsystem=device device=C4:3A:92:0B:5E:01"), "\(journal)")
        #expect(journal.contains { $0.hasPrefix("<4>disconnected: ") && $0.hasSuffix("subsystem=device device=C4:3A:92:0B:5E:01") }, "\(journal)")
        #expect(journal.allSatisfy { $0.hasPrefix("<") }, "every line carries its priority: \(journal)")
    }
}
