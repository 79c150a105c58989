import Dispatch
public import Store

/// Group commit for the centre's writes: filings that arrive while a commit is on disk wait and go into the next
/// transaction together, so N concurrent notifications cost one fsync instead of N, at full durability
/// (`synchronous=FULL`): a caller is answered only after its rows are committed.
///
/// Filings whose rows count toward a category limit go through ``fileCounted(_:)`` instead, one at a time on the
/// actor, so two concurrent notifications cannot both see room under the same limit.
actor FilingQueue {
    private let database: BridgeDatabase
    private var pending: [(filing: NotificationFiling, done: CheckedContinuation<Void, any Error>)] = []
    private var draining = false

    init(database: BridgeDatabase) {
        self.database = database
    }

    /// Writes `filing` in the next group commit; returns once it is committed.
    func file(_ filing: NotificationFiling) async throws(StoreError) {
        do {
            try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
                pending.append((filing, done))
                if !draining {
                    draining = true
                    Task { await drain() }
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(path: database.path, doing: "filing a notification", reason: "\(error)")
        }
    }

    /// Decides and writes a filing whose rows a category limit counts: `decide` reads the counts and builds the
    /// filing, which is written before the next counted filing is decided.
    func fileCounted<Decision: Sendable>(
        _ decide: @Sendable (BridgeDatabase) throws(StoreError) -> (NotificationFiling, Decision)
    ) throws(StoreError) -> Decision {
        let (filing, decision) = try decide(database)
        try database.file([filing])
        return decision
    }

    /// Commits what is pending, batch after batch, until nothing is; the write runs off the actor so new filings
    /// can join the next batch meanwhile.
    private func drain() async {
        while !pending.isEmpty {
            let batch = pending
            pending = []
            let results = await Self.write(batch.map(\.filing), to: database)
            for (entry, result) in zip(batch, results) { entry.done.resume(with: result) }
        }
        draining = false
    }

    /// Where the commits block: a thread of its own, so the fsync never holds one of the few cooperative threads
    /// (two on a Pi or this machine) that every request needs meanwhile.
    private static let committer = DispatchQueue(label: "omi-bridge.notifications.commit", qos: .userInitiated)

    /// One transaction for the whole batch, on ``committer``.
    private nonisolated static func write(
        _ filings: [NotificationFiling], to database: BridgeDatabase
    ) async -> [Result<Void, any Error>] {
        await withCheckedContinuation { done in
            committer.async { done.resume(returning: commit(filings, to: database)) }
        }
    }

    /// One transaction for the whole batch; if it fails, each filing alone, so one bad filing fails only itself.
    private nonisolated static func commit(
        _ filings: [NotificationFiling], to database: BridgeDatabase
    ) -> [Result<Void, any Error>] {
        do {
            try database.file(filings)
            return filings.map { _ in .success(()) }
        } catch {
            guard filings.count > 1 else { return [.failure(error)] }
            return filings.map { filing in
                Result { () throws(StoreError) in try database.file([filing]) }.mapError { $0 as any Error }
            }
        }
    }
}
