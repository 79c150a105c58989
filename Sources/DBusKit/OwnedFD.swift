import Glibc
import Synchronization

/// A file descriptor with one owner that closes it. D-Bus `h` values arrive as descriptors libdbus has already
/// duplicated for us; they are ours to close (STYLE.md: "OwnedFD for file descriptors passed over D-Bus").
/// `take()` hands the raw descriptor to a new owner; otherwise `deinit` (or `close()`) closes it.
public final class OwnedFD: Sendable, CustomStringConvertible {
    private let raw: Atomic<Int32>

    public init(_ fd: Int32) { raw = Atomic(fd) }

    deinit {
        let fd = raw.load(ordering: .relaxed)
        if fd >= 0 { Glibc.close(fd) }
    }

    /// The descriptor, or -1 once taken or closed.
    public var fd: Int32 { raw.load(ordering: .acquiring) }

    /// Gives up ownership: the caller must close the returned descriptor.
    public func take() -> Int32 { raw.exchange(-1, ordering: .acquiringAndReleasing) }

    /// Closes now instead of at deinit. Idempotent.
    public func close() {
        let fd = raw.exchange(-1, ordering: .acquiringAndReleasing)
        if fd >= 0 { Glibc.close(fd) }
    }

    public var description: String { "fd \(fd)" }
}
