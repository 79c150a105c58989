public import Foundation
import GRDB

/// A broadcast queued to run asynchronously (omi-contract §7): the request as given, how far it has got, and a log
/// of what happened, as the job resource returns them.
public struct BroadcastJob: Sendable, Equatable, Identifiable {
    /// Where a job stands. `completed` and `failed` are final; a `queued` or `inProgress` job is resumed after a
    /// restart.
    public enum Status: String, Sendable, Equatable, CaseIterable {
        case queued
        case inProgress = "in_progress"
        case completed
        case failed

        /// Whether the job has ended, one way or the other.
        public var isFinished: Bool { self == .completed || self == .failed }
    }

    /// One line of the job's `status_logs`.
    public struct Log: Sendable, Equatable {
        public var at: Date
        public var message: String

        public init(at: Date, message: String) {
            self.at = at
            self.message = message
        }
    }

    /// A UUID string: the `job_id` returned to whoever asked for the broadcast.
    public var id: String
    public var status: Status
    /// 0 to 100.
    public var percentageComplete: Double
    /// The broadcast request, as the JSON object's text the caller gave; returned as stored.
    public var request: String
    /// Oldest first.
    public var statusLogs: [Log]
    public var createdAt: Date
    /// When the broadcast was asked for (the request's arrival), which may precede ``createdAt``.
    public var requestedAt: Date
    public var updatedAt: Date

    public init(
        id: String, status: Status, percentageComplete: Double, request: String, statusLogs: [Log], createdAt: Date,
        requestedAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.status = status
        self.percentageComplete = percentageComplete
        self.request = request
        self.statusLogs = statusLogs
        self.createdAt = createdAt
        self.requestedAt = requestedAt
        self.updatedAt = updatedAt
    }
}

extension BroadcastJob {
    /// Decodes a `broadcast_jobs` row. Throws on a status or logs value this version does not understand.
    init(row: Row) throws {
        let id: String = row["id"]
        let statusText: String = row["status"]
        guard let status = Status(rawValue: statusText) else {
            throw DatabaseError(message: "broadcast job \(id): unknown status '\(statusText)'")
        }
        let logs: [StoredLog]
        do {
            logs = try JSONDecoder().decode([StoredLog].self, from: Data((row["status_logs"] as String).utf8))
        } catch {
            throw DatabaseError(message: "broadcast job \(id): status_logs is not a JSON array of {at, message}")
        }
        self.init(
            id: id, status: status, percentageComplete: row["percentage_complete"], request: row["request"],
            statusLogs: logs.map { Log(at: Date(timeIntervalSince1970: $0.at), message: $0.message) },
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            requestedAt: Date(timeIntervalSince1970: row["requested_at"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
    }

    /// The `status_logs` column: a JSON array of `{"at": <unix seconds>, "message": …}`, oldest first.
    static func encodeLogs(_ logs: [Log]) throws -> String {
        let stored = logs.map { StoredLog(at: $0.at.timeIntervalSince1970, message: $0.message) }
        return String(decoding: try JSONEncoder().encode(stored), as: UTF8.self)
    }

    /// A log line as stored: unix seconds, not `JSONEncoder`'s default reference-date seconds.
    private struct StoredLog: Codable {
        var at: Double
        var message: String
    }
}
