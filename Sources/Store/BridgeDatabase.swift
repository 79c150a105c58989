import Foundation
import GRDB

/// The bridge's SQLite database: one file (WAL journal, through a GRDB `DatabasePool`) holding the webhook outbox,
/// past conversations, facts, chat history, the notification feed and proactive-notification decisions, and the
/// notification centre's deliveries, preferences and broadcast jobs.
///
/// Open it once and hand it to the stores (`OutboxStore(database)` or `database.outbox`); every store is a small
/// `Sendable` value over the same connection pool, so copies are cheap and safe to share between tasks. The schema is
/// migrated on open (``StoreMigrations``); opening an up-to-date file runs nothing.
///
/// The stores' methods are synchronous: SQLite calls here are short, and GRDB serializes writes and runs reads
/// concurrently in WAL mode. Times are always passed in, never read from the clock, so behaviour is reproducible.
public struct BridgeDatabase: Sendable {
    /// The database file, or `:memory:` for an in-memory database. Errors name it.
    public let path: String
    /// The GRDB connection (a `DatabasePool` for files, a `DatabaseQueue` in memory), for the stores of this module.
    let writer: any DatabaseWriter
    /// Checkpoints the WAL off the commit path (nil in memory, where there is no WAL).
    let checkpointer: WALCheckpointer?

    /// Opens (creating if needed) the database file at `path`, creating its parent directories, and migrates it.
    public init(path: String) throws(StoreError) {
        try self.init(path: path, checkpointing: WALCheckpointer.Settings())
    }

    /// ``init(path:)`` with the checkpointer's thresholds and queue given (tests).
    init(path: String, checkpointing settings: WALCheckpointer.Settings) throws(StoreError) {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw StoreError(
                path: path, doing: "opening",
                reason: "cannot create the directory \(url.deletingLastPathComponent().path): \(error)")
        }
        var configuration = Configuration()
        configuration.label = "omi-bridge"
        // Another process (the CLI's `explain`, a backup) may hold the write lock briefly: wait instead of failing.
        configuration.busyMode = .timeout(5)
        let pool: DatabasePool
        let checkpointer: WALCheckpointer
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            checkpointer = try WALCheckpointer(path: path, settings)
            try pool.writeWithoutTransaction { db in
                // Durable on answer: a commit returns once the WAL is on disk. GRDB's pool sets NORMAL, under
                // which a power cut can lose the last commits; the group commit is what keeps FULL affordable.
                try db.execute(sql: "PRAGMA synchronous = FULL")
                // After the checkpointer resets the WAL, its file shrinks back to this size.
                try db.execute(sql: "PRAGMA journal_size_limit = \(Self.walSizeLimit)")
                checkpointer.install(on: db)
            }
        } catch {
            throw StoreError(path: path, doing: "opening", reason: Self.reason(for: error))
        }
        try self.init(path: path, migrating: pool, checkpointer: checkpointer)
    }

    /// A fresh, empty, migrated in-memory database, for unit tests. Each call returns a separate database.
    public static func inMemory() throws(StoreError) -> BridgeDatabase {
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue()
        } catch {
            throw StoreError(path: ":memory:", doing: "opening", reason: Self.reason(for: error))
        }
        return try BridgeDatabase(path: ":memory:", migrating: queue, checkpointer: nil)
    }

    private init(path: String, migrating writer: any DatabaseWriter, checkpointer: WALCheckpointer?) throws(StoreError) {
        self.path = path
        self.writer = writer
        self.checkpointer = checkpointer
        do {
            try StoreMigrations.migrator.migrate(writer)
        } catch {
            throw StoreError(
                path: path, doing: "opening", reason: "migrating the schema: \(Self.reason(for: error))")
        }
    }

    /// The identifiers of the migrations applied to this database, in order (`["v1", "v2"]`).
    public func appliedMigrations() throws(StoreError) -> [String] {
        try read("listing the applied migrations") { db in try StoreMigrations.migrator.appliedMigrations(db) }
    }

    /// The bytes the WAL file is truncated back to after a reset (4 MiB).
    static let walSizeLimit = 4 << 20

    /// A trivial read (`SELECT 1`), for the readiness probe: throws when the file cannot be read.
    public func ping() throws(StoreError) {
        _ = try read("answering a trivial read") { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    /// SQLite's journal mode (`wal` for a file, `memory` in memory), for tests and `omi-bridge status`.
    public func journalMode() throws(StoreError) -> String {
        try read("reading the journal mode") { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    // MARK: - Access for the stores

    /// Runs `updates` in a write transaction; any failure becomes a ``StoreError`` naming the file and `doing`.
    /// `doing` is only built when there is an error to report.
    func write<T>(_ doing: @autoclosure () -> String, _ updates: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.write(updates)
        } catch {
            throw storeError(doing(), error)
        }
    }

    /// Runs `value` with a read-only view of the database; any failure becomes a ``StoreError``.
    func read<T>(_ doing: @autoclosure () -> String, _ value: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.read(value)
        } catch {
            throw storeError(doing(), error)
        }
    }

    /// A ``StoreError`` for this file. A `StoreError` thrown by a store's own check passes through unchanged.
    func storeError(_ doing: String, _ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        return StoreError(path: path, doing: doing, reason: Self.reason(for: error))
    }

    /// SQLite's message without the SQL and its arguments, which may hold webhook bodies or transcripts.
    static func reason(for error: any Error) -> String {
        if let error = error as? DatabaseError {
            return error.message ?? "SQLite error \(error.resultCode.rawValue)"
        }
        return String(describing: error)
    }
}
