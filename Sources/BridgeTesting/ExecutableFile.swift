import Foundation
import Glibc

/// Writes `contents` to a new executable file at `path` (mode 755), for the fake programs tests run.
///
/// Not with Foundation's `write(toFile:)`: it opens the file without `O_CLOEXEC`, so a child another test spawns
/// meanwhile (a `sleep 10` script, a dbus-daemon) inherits the write descriptor for its whole life, and running the
/// program then fails with ETXTBSY ("Text file busy") long after this write has returned. With `O_CLOEXEC` a child
/// holds it only between its fork and exec, which `ChildProcess`'s ETXTBSY retry outlasts.
public func writeExecutable(_ contents: String, to path: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
    guard fd >= 0 else { throw TestServerError("cannot create \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var bytes = Array(contents.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { throw TestServerError("cannot write \(path): \(String(cString: strerror(errno)))") }
        bytes = bytes.dropFirst(written)
    }
    // O_CREAT applies the mode through the umask; a fake program must be executable whatever the umask.
    guard fchmod(fd, 0o755) == 0 else { throw TestServerError("cannot chmod \(path): \(String(cString: strerror(errno)))") }
}
