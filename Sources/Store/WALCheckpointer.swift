import Dispatch
import GRDB
import GRDBSQLite
import Synchronization

/// Checkpoints the WAL off the commit path.
///
/// SQLite's default (`wal_autocheckpoint` 1,000 pages) runs the checkpoint inside the commit that crosses the
/// threshold: that commit copies every page back into the database file and waits for two fsyncs, and with the
/// notification centre's group commit every request waiting on that commit stalls with it (the p99 of the
/// direct-notification benchmark). Here the writer's WAL hook only signals: a connection of the checkpointer's own
/// copies the frames back on a queue of its own with a PASSIVE checkpoint, which never blocks the writer or the
/// readers. Should it fall behind (a reader pinning old frames, a slow disk), the writer checkpoints inline at
/// ``hardLimit`` pages as SQLite itself would, so the WAL stays bounded.
///
/// Installing the hook replaces SQLite's automatic checkpoint on that connection (sqlite3_wal_hook(3)).
final class WALCheckpointer: Sendable {
    /// WAL pages after a commit at which a background checkpoint is asked for (SQLite's own default).
    let threshold: Int32
    /// WAL pages after a commit at which the writer checkpoints inline instead.
    let hardLimit: Int32
    private let connection: DatabaseQueue
    private let queue: DispatchQueue
    private let scheduled = Atomic<Bool>(false)
    private let completed = Atomic<Int>(0)
    private let inline = Atomic<Int>(0)
    private let pages = Atomic<Int32>(0)

    /// When to checkpoint, and where the background checkpoints run.
    struct Settings: Sendable {
        /// SQLite's own `wal_autocheckpoint` default: about 4 MB of WAL at 4 KiB pages.
        var threshold: Int32 = 1_000
        /// About 32 MB of WAL.
        var hardLimit: Int32 = 8_000
        /// Nil: a queue of the checkpointer's own.
        var queue: DispatchQueue? = nil
    }

    /// Opens the checkpointer's own connection to the database file at `path`.
    init(path: String, _ settings: Settings = Settings()) throws {
        var configuration = Configuration()
        configuration.label = "omi-bridge.checkpoint"
        self.connection = try DatabaseQueue(path: path, configuration: configuration)
        self.threshold = settings.threshold
        self.hardLimit = settings.hardLimit
        self.queue = settings.queue ?? DispatchQueue(label: "omi-bridge.store.checkpoint", qos: .utility)
    }

    /// Background checkpoints run to the end, the writer's inline ones, and the WAL's pages after the last commit.
    var counts: (background: Int, inline: Int, walPages: Int32) {
        (completed.load(ordering: .acquiring), inline.load(ordering: .acquiring), pages.load(ordering: .acquiring))
    }

    /// Makes `db` (the writer connection) signal this checkpointer after each commit instead of checkpointing
    /// itself. The hook's context is a small box with a weak reference, retained for the life of the process, so a
    /// commit can never reach a checkpointer that is gone (one box per database opened).
    func install(on db: Database) {
        let box = Unmanaged.passRetained(Signal(self)).toOpaque()
        sqlite3_wal_hook(
            db.sqliteConnection,
            { context, connection, name, pages in
                guard let context else { return SQLITE_OK }
                Unmanaged<Signal>.fromOpaque(context).takeUnretainedValue().target?.committed(
                    pages: pages, connection: connection, name: name)
                return SQLITE_OK
            }, box)
    }

    /// Runs on the writer right after a commit, with `pages` frames in the WAL.
    private func committed(pages: Int32, connection: OpaquePointer?, name: UnsafePointer<CChar>?) {
        self.pages.store(pages, ordering: .releasing)
        if pages >= hardLimit {
            // What sqlite3WalDefaultHook does; PASSIVE, so a reader in the way only shortens it.
            sqlite3_wal_checkpoint_v2(connection, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            inline.add(1, ordering: .releasing)
        } else if pages >= threshold {
            schedule()
        }
    }

    /// At most one checkpoint queued at a time; a signal during a run queues the next one.
    private func schedule() {
        guard !scheduled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        queue.async { [self] in
            scheduled.store(false, ordering: .releasing)
            // A failure (SQLITE_BUSY while the writer checkpoints inline) is retried at the next signal, and the
            // hard limit bounds the WAL meanwhile.
            if (try? connection.writeWithoutTransaction({ db in try db.checkpoint(.passive) })) != nil {
                completed.add(1, ordering: .releasing)
            }
        }
    }

    /// The hook's context: a weak reference, so the writer connection may outlive the checkpointer.
    private final class Signal: Sendable {
        weak let target: WALCheckpointer?
        init(_ target: WALCheckpointer) { self.target = target }
    }
}
