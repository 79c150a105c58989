import Foundation
import Glibc
import Synchronization

/// Runs a program to completion and collects its output, without Foundation's `Process`: spawned with
/// `posix_spawn` in its own process group (a timeout kills the program and everything it started), with an
/// empty signal mask, and reaped by a dedicated thread, so nothing blocks Swift's cooperative threads and a
/// stuck grandchild cannot hold up other processes' reaping. Used for espeak-ng and the `command` transcriber.
public enum ChildProcess {
    public struct Outcome: Sendable {
        /// Exit status, or nil when the program was killed by a signal (e.g. at the timeout).
        public var status: Int32?
        public var timedOut: Bool
        public var stdout: [UInt8]
        public var stderr: [UInt8]
    }

    public enum Failure: Error, CustomStringConvertible {
        case cannotStart(String, errno: Int32)
        public var description: String {
            switch self {
            case .cannotStart(let path, let code): "cannot run \(path): \(String(cString: strerror(code)))"
            }
        }
    }

    /// Runs `path` with `arguments`; waits on a dedicated thread, not on the caller's.
    public static func run(_ path: String, _ arguments: [String], timeout: Duration) async throws(Failure) -> Outcome {
        let result: Result<Outcome, Failure> = await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: runBlocking(path, arguments, timeout: timeout)) }
            thread.name = "omi-child"
            thread.start()
        }
        return try result.get()
    }

    /// The blocking form, for threads that may block.
    public static func runBlocking(_ path: String, _ arguments: [String], timeout: Duration) -> Result<Outcome, Failure> {
        var out: [Int32] = [-1, -1]
        var err: [Int32] = [-1, -1]
        guard pipe(&out) == 0, pipe(&err) == 0 else { return .failure(.cannotStart(path, errno: errno)) }
        // Close-on-exec at once, so children other threads spawn meanwhile do not inherit our pipe ends (they would
        // hold the pipes open and delay end-of-file here). The child gets its copies through dup2, which clears it.
        for fd in [out[0], out[1], err[0], err[1]] { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        for fd in [out[0], out[1], err[0], err[1]] { posix_spawn_file_actions_addclose(&actions, fd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        var spawned = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        // ETXTBSY: a program file written a moment ago can still be open for writing in a child that another
        // thread is forking; it closes within milliseconds (Go's os/exec retries the same way).
        for _ in 0..<50 where spawned == ETXTBSY {
            usleep(10_000)
            spawned = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        }
        close(out[1])
        close(err[1])
        guard spawned == 0 else {
            close(out[0])
            close(err[0])
            return .failure(.cannotStart(path, errno: spawned))
        }
        // Drain both pipes while the program runs (a full pipe would block it), then reap it.
        let stdout = Mutex<[UInt8]>([])
        let stderr = Mutex<[UInt8]>([])
        let drained = DispatchGroup()
        for (fd, sink) in [(out[0], 0), (err[0], 1)] {
            drained.enter()
            let thread = Thread {
                var buffer = [UInt8](repeating: 0, count: 65_536)
                while true {
                    let n = read(fd, &buffer, buffer.count)
                    if n <= 0 { break }
                    // Stored as it arrives: what was written is kept even if end-of-file comes late.
                    if sink == 0 {
                        stdout.withLock { $0 += buffer[..<n] }
                    } else {
                        stderr.withLock { $0 += buffer[..<n] }
                    }
                }
                close(fd)
                drained.leave()
            }
            thread.start()
        }
        let deadline = Date().addingTimeInterval(timeout.seconds)
        var status: Int32 = 0
        var timedOut = false
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() >= deadline {
                timedOut = true
                kill(-pid, SIGKILL)  // the whole group: the program and anything it started
                waitpid(pid, &status, 0)
                break
            }
            usleep(2_000)
        }
        // Output of a killed group's stragglers is not waited for.
        _ = drained.wait(timeout: .now() + (timedOut ? 0.5 : 5))
        let exited = (status & 0x7F) == 0
        return .success(
            Outcome(
                status: exited ? (status >> 8) & 0xFF : nil, timedOut: timedOut, stdout: stdout.withLock { $0 },
                stderr: stderr.withLock { $0 }))
    }
}
