public import Foundation
import Glibc
import Synchronization

/// A private `dbus-daemon` for tests, the demo and `simulate --private-bus`: its own socket in a temporary directory, a permissive policy
/// (anyone may own any name, as the simulator must own `org.bluez`), unix fd passing on. Stopped on `stop()` or
/// deinit; the directory is removed.
///
/// Spawned with `posix_spawn`, an empty signal mask and default signal handlers: a child started by Foundation's
/// `Process` from a Swift concurrency thread inherits that thread's mask, where SIGTERM may be blocked, and then
/// cannot be stopped except by SIGKILL.
public final class PrivateDBusDaemon: Sendable {
    public let address: String
    public let directory: URL
    /// The daemon's pid until it has been stopped and reaped.
    private let pid: Mutex<pid_t?>

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
        let log = directory.appendingPathComponent("daemon.log").path
        let spawned = Self.spawn(
            "/usr/bin/dbus-daemon", ["--config-file=\(config.path)", "--nofork", "--nopidfile"], stderr: log)
        guard let spawned else {
            throw PrivateDBusDaemonError("cannot start /usr/bin/dbus-daemon (run scripts/bootstrap): \(String(cString: strerror(errno)))")
        }
        pid = Mutex(spawned)
        address = "unix:path=\(socket)"
        // The bus is up once its socket accepts connections (the file appears at bind(), before listen()).
        let deadline = Date().addingTimeInterval(10)
        while !Self.accepts(socket) {
            var status: Int32 = 0
            guard waitpid(spawned, &status, WNOHANG) == 0, Date() < deadline else {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                stop()
                throw PrivateDBusDaemonError("dbus-daemon did not start: \(text)")
            }
            usleep(2_000)
        }
    }

    /// posix_spawn with an empty signal mask and SIGTERM/SIGINT at their defaults; stdout to /dev/null, stderr to
    /// `stderr`.
    private static func spawn(_ path: String, _ arguments: [String], stderr: String) -> pid_t? {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, path, &actions, &attributes, argv, environ) == 0 else { return nil }
        return pid
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

    /// Stops the daemon (every client sees its connection drop) and removes the directory. Idempotent.
    public func stop() {
        if let running = pid.withLock({ pid in defer { pid = nil }; return pid }) {
            kill(running, SIGTERM)
            var status: Int32 = 0
            let deadline = Date().addingTimeInterval(5)
            while waitpid(running, &status, WNOHANG) == 0 {
                guard Date() < deadline else {
                    kill(running, SIGKILL)
                    waitpid(running, &status, 0)
                    break
                }
                usleep(1_000)
            }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}

public struct PrivateDBusDaemonError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
