public import Foundation
import GRDB

/// Broadcast jobs (omi-contract §7): a broadcast is accepted at once and run in the background; the job records
/// its progress for the job resource, and unfinished jobs are picked up again after a restart.
public struct BroadcastJobStore: Sendable {
    private let database: BridgeDatabase

    public init(_ database: BridgeDatabase) {
        self.database = database
    }

    /// Creates a `queued` job with a new UUID, 0 % complete and no log lines. `request` must be a JSON object's
    /// text (the broadcast as asked for); it is returned as stored.
    @discardableResult
    public func create(request: String, requestedAt: Date, now: Date) throws(StoreError) -> BroadcastJob {
        let doing = "creating a broadcast job"
        guard (try? JSONSerialization.jsonObject(with: Data(request.utf8))) is [String: Any] else {
            throw StoreError(path: database.path, doing: doing, reason: "the request is not a JSON object")
        }
        let job = BroadcastJob(
            id: UUID().uuidString, status: .queued, percentageComplete: 0, request: request, statusLogs: [],
            createdAt: now, requestedAt: requestedAt, updatedAt: now)
        try database.write(doing) { db in
            try db.execute(
                sql: """
                    INSERT INTO broadcast_jobs (id, status, percentage_complete, request, status_logs, created_at,
                                                requested_at, updated_at)
                    VALUES (?, 'queued', 0, ?, '[]', ?, ?, ?)
                    """,
                arguments: [
                    job.id, request, now.timeIntervalSince1970, requestedAt.timeIntervalSince1970,
                    now.timeIntervalSince1970,
                ])
        }
        return job
    }

    /// The job with this id, or nil.
    public func job(id: String) throws(StoreError) -> BroadcastJob? {
        try database.read("reading broadcast job \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM broadcast_jobs WHERE id = ?", arguments: [id])
                .map(BroadcastJob.init(row:))
        }
    }

    /// Records progress: sets the status and the percentage when given, and appends `log` (stamped `now`) to the
    /// status logs when given. Throws for an unknown job, a finished one (completed or failed are final), or a
    /// percentage outside 0…100.
    @discardableResult
    public func update(
        id: String, status: BroadcastJob.Status? = nil, percentageComplete: Double? = nil, log: String? = nil,
        now: Date
    ) throws(StoreError) -> BroadcastJob {
        let doing = "updating broadcast job \(id)"
        if let percentageComplete, !(0...100).contains(percentageComplete) {
            throw StoreError(
                path: database.path, doing: doing,
                reason: "percentage_complete \(percentageComplete) is not between 0 and 100")
        }
        return try database.write(doing) { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM broadcast_jobs WHERE id = ?", arguments: [id])
            else {
                throw StoreError(path: database.path, doing: doing, reason: "no broadcast job with id \(id)")
            }
            var job = try BroadcastJob(row: row)
            // A stale worker (or a second one) must not reopen a job that has ended.
            guard !job.status.isFinished else {
                throw StoreError(
                    path: database.path, doing: doing,
                    reason: "the job is \(job.status.rawValue), not queued or in progress")
            }
            job.status = status ?? job.status
            job.percentageComplete = percentageComplete ?? job.percentageComplete
            if let log { job.statusLogs.append(BroadcastJob.Log(at: now, message: log)) }
            job.updatedAt = now
            try db.execute(
                sql: """
                    UPDATE broadcast_jobs SET status = ?, percentage_complete = ?, status_logs = ?, updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [
                    job.status.rawValue, job.percentageComplete, try BroadcastJob.encodeLogs(job.statusLogs),
                    now.timeIntervalSince1970, id,
                ])
            return job
        }
    }

    /// Jobs still queued or in progress, oldest first: what to resume after a restart.
    public func unfinished() throws(StoreError) -> [BroadcastJob] {
        try database.read("listing unfinished broadcast jobs") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM broadcast_jobs WHERE status IN ('queued', 'in_progress')
                    ORDER BY created_at, rowid
                    """
            ).map(BroadcastJob.init(row:))
        }
    }
}

extension BridgeDatabase {
    /// Broadcast jobs in this database.
    public var broadcastJobs: BroadcastJobStore { BroadcastJobStore(self) }
}
