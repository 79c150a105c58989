public import Foundation
import Glibc

/// A private `dbus-daemon` for tests, the demo and `simulate --private-bus`: its own socket in a temporary directory, a permissive policy
/// (anyone may own any name, as the simulator must own `org.bluez`), unix fd passing on. Stopped on `stop()` or
/// deinit; the directory is removed.
public final class PrivateDBusDaemon: @unchecked Sendable {
    // @unchecked: `process` and `directory` are set once in init and only read afterwards; Process itself is
    // thread-safe for terminate/waitUntilExit.
    public let address: String
    public let directory: URL
    private let process: Process

    /// - Parameter extraPolicy: busconfig XML inserted after the permissive default policy (e.g. a `<deny …/>`
    ///   to test what a client says when the bus refuses it).
    public init(extraPolicy: String = "") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("omi-bus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = directory.appendingPathComponent("bus.conf")
        let socket = directory.appendingPathComponent("bus").path
        try """
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>session</type>
              <listen>unix:path=\(socket)</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow send_destination="*" eavesdrop="true"/>
                <allow eavesdrop="true"/>
                <allow own="*"/>
              </policy>
              \(extraPolicy)
            </busconfig>
            """.write(to: config, atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/dbus-daemon")
        process.arguments = ["--config-file=\(config.path)", "--nofork", "--nopidfile"]
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        do { try process.run() } catch {
            throw PrivateDBusDaemonError("cannot start /usr/bin/dbus-daemon (run scripts/bootstrap): \(error)")
        }
        address = "unix:path=\(socket)"
        // The bus is up once its socket accepts connections (the file appears at bind(), before listen()).
        let deadline = Date().addingTimeInterval(10)
        while !Self.accepts(socket) {
            guard process.isRunning, Date() < deadline else {
                stop()
                let text = String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self)
                throw PrivateDBusDaemonError("dbus-daemon did not start: \(text)")
            }
            usleep(2_000)
        }
    }

    private static func accepts(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = byte }
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
    }

    /// Stops the daemon (every client sees its connection drop) and removes the directory.
    public func stop() {
        if process.isRunning {
            // SIGKILL, not terminate(): a child spawned from a Swift concurrency thread inherits that thread's
            // signal mask, in which SIGTERM can be blocked. The daemon keeps no state worth a clean exit.
            // Reaped here because Foundation's own reaper may not run (waitUntilExit can hang off the main thread).
            let pid = process.processIdentifier
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}

public struct PrivateDBusDaemonError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
