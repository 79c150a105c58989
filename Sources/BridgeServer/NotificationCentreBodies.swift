import Foundation
import Notifications
import Store

/// A channel's readiness: `{ready}` or `{ready:false, reason}`.
struct ReadinessBody: Encodable {
    var ready: Bool
    var reason: String?

    init(_ readiness: ChannelReadiness) {
        ready = readiness.ready
        reason = readiness.reason
    }
}

/// `{queue_depth, channels:{<name>:{ready, reason?}}, direct_rate_limit_mode}`.
struct StatusBody: Encodable {
    var queueDepth: Int
    var channels: [String: ReadinessBody]
    var directRateLimitMode: String

    enum CodingKeys: String, CodingKey {
        case channels
        case queueDepth = "queue_depth", directRateLimitMode = "direct_rate_limit_mode"
    }
}

/// `{success, job_id}`: what test send and broadcast answer.
struct JobBody: Encodable {
    var success: Bool
    var jobID: String

    enum CodingKeys: String, CodingKey {
        case success
        case jobID = "job_id"
    }
}

/// One delivery: `{id, notification_id, channel, status, attempt_count, last_error, next_attempt_at, created_at,
/// updated_at, notification{id, event_category, title, created_at}}`.
struct DeliveryBody: Encodable {
    var record: DeliveryRecord

    init(_ record: DeliveryRecord) { self.record = record }

    enum Keys: String, CodingKey {
        case id, channel, status, notification
        case notificationID = "notification_id", attemptCount = "attempt_count", lastError = "last_error"
        case nextAttemptAt = "next_attempt_at", createdAt = "created_at", updatedAt = "updated_at"
    }

    struct Notification: Encodable {
        var id: String
        var eventCategory: String
        var title: String
        var createdAt: Date

        enum CodingKeys: String, CodingKey {
            case id, title
            case eventCategory = "event_category", createdAt = "created_at"
        }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(record.id, forKey: .id)
        try c.encode(record.notificationID, forKey: .notificationID)
        try c.encode(record.channel, forKey: .channel)
        try c.encode(record.status.rawValue, forKey: .status)
        try c.encode(record.attemptCount, forKey: .attemptCount)
        try c.encode(record.lastError, forKey: .lastError)
        try c.encode(record.status == .queued ? record.nextAttemptAt : nil, forKey: .nextAttemptAt)
        try c.encode(record.createdAt, forKey: .createdAt)
        try c.encode(record.updatedAt, forKey: .updatedAt)
        try c.encode(
            Notification(
                id: record.notificationID, eventCategory: record.eventCategory, title: record.title,
                createdAt: record.notificationCreatedAt),
            forKey: .notification)
    }
}

/// A broadcast job: `{id, status, percentage_complete, created_at, requested_at, updated_at, status_logs[{at, message}]}`.
struct BroadcastJobBody: Encodable {
    var job: BroadcastJob

    init(_ job: BroadcastJob) { self.job = job }

    enum Keys: String, CodingKey {
        case id, status
        case percentageComplete = "percentage_complete", createdAt = "created_at", requestedAt = "requested_at"
        case updatedAt = "updated_at", statusLogs = "status_logs"
    }

    struct Log: Encodable {
        var at: Date
        var message: String
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(job.id, forKey: .id)
        try c.encode(job.status.rawValue, forKey: .status)
        try c.encode(job.percentageComplete, forKey: .percentageComplete)
        try c.encode(job.createdAt, forKey: .createdAt)
        try c.encode(job.requestedAt, forKey: .requestedAt)
        try c.encode(job.updatedAt, forKey: .updatedAt)
        try c.encode(job.statusLogs.map { Log(at: $0.at, message: $0.message) }, forKey: .statusLogs)
    }
}

/// Preferences: `{scope, preferences:{<category>:{<channel>:bool}}}`.
struct PreferencesBody: Encodable {
    var scope: String
    var preferences: [String: [String: Bool]]
}

/// One category's preferences after an update: `{scope, category, channels:{<channel>:bool}}`.
struct CategoryPreferencesBody: Encodable {
    var scope: String
    var category: String
    var channels: [String: Bool]
}
