public import Foundation
public import Logging
public import OmiApps
public import Store

/// A broadcast (omi-contract §7): one notification to many users, queued and sent asynchronously.
public struct BroadcastRequest: Sendable, Equatable, Codable {
    /// The most users one broadcast may name.
    public static let maxUsers = 1000
    /// The category when the request names none.
    public static let defaultCategory = "bridge.broadcast"

    public var title: String
    public var content: String
    public var subtitle: String?
    /// Narrows the audience to these users; nil means every user the bridge serves.
    public var userIDs: [String]?
    public var eventCategory: String?
    /// Narrows the channels (preferences still apply); nil means every channel.
    public var channels: [ChannelName]?

    public init(
        title: String, content: String, subtitle: String? = nil, userIDs: [String]? = nil,
        eventCategory: String? = nil, channels: [ChannelName]? = nil
    ) {
        self.title = title
        self.content = content
        self.subtitle = subtitle
        self.userIDs = userIDs
        self.eventCategory = eventCategory
        self.channels = channels
    }

    enum CodingKeys: String, CodingKey {
        case title, content, subtitle, channels
        case userIDs = "user_ids"
        case eventCategory = "event_category"
    }
}

/// Runs broadcast jobs: the job row is created at once (`queued`), then each user of the audience gets the
/// notification through the centre, with the progress (`percentage_complete`) and a log kept on the row.
/// Unfinished jobs are resumed after a restart from where their progress says they stopped.
public actor BroadcastRunner {
    private let centre: NotificationCentre
    private let everyone: [String]
    private let now: @Sendable () -> Date
    private let logger: Logger
    private var running: [String: Task<Void, Never>] = [:]

    /// `everyone`: the audience of a broadcast that names no users (the bridge's own user).
    public init(
        centre: NotificationCentre, everyone: [String], now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "omi-bridge.notifications")
    ) {
        self.centre = centre
        self.everyone = everyone
        self.now = now
        self.logger = logger
    }

    private var jobs: BroadcastJobStore { centre.database.broadcastJobs }

    /// Queues `request` and starts it; returns the job as stored (`queued`).
    public func submit(_ request: BroadcastRequest) throws(StoreError) -> BroadcastJob {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = (try? encoder.encode(request)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let stamp = now()
        let job = try jobs.create(request: text, requestedAt: stamp, now: stamp)
        start(job)
        return job
    }

    /// Starts every job a previous run left queued or in progress.
    public func resumeUnfinished() throws(StoreError) {
        for job in try jobs.unfinished() where running[job.id] == nil { start(job) }
    }

    /// Waits until the job's task ends (tests, shutdown).
    public func wait(for id: String) async {
        await running[id]?.value
    }

    private func start(_ job: BroadcastJob) {
        running[job.id] = Task { await self.run(job) }
    }

    private func run(_ job: BroadcastJob) async {
        defer { running[job.id] = nil }
        guard let request = try? JSONDecoder().decode(BroadcastRequest.self, from: Data(job.request.utf8)) else {
            update(job.id, .failed, 0, "the stored request is unreadable")
            return
        }
        let audience = request.userIDs ?? everyone
        let done = Int((job.percentageComplete / 100 * Double(audience.count)).rounded())
        update(job.id, .inProgress, job.percentageComplete, done == 0 ? "sending to \(audience.count) users" : "resuming at user \(done + 1) of \(audience.count)")
        let step = max(1, audience.count / 100)
        var failures = 0
        for (index, user) in audience.enumerated().dropFirst(done) {
            let notification = BridgeNotification(
                userID: user, appID: nil, category: request.eventCategory ?? BroadcastRequest.defaultCategory,
                title: request.title, subtitle: request.subtitle, body: request.content, metadata: ["broadcast": job.id])
            do {
                _ = try await centre.dispatch(notification, requested: request.channels.map(Set.init))
            } catch {
                failures += 1
                update(job.id, .inProgress, percentage(index, audience.count), "user \(user): \(error.description)")
            }
            if (index + 1) % step == 0, index + 1 < audience.count {
                update(job.id, .inProgress, percentage(index + 1, audience.count), nil)
            }
        }
        if failures == audience.count, !audience.isEmpty {
            update(job.id, .failed, 100, "no user could be sent the broadcast")
        } else {
            let failed = failures == 0 ? "" : " (\(failures) failed)"
            update(job.id, .completed, 100, "sent to \(audience.count - failures) of \(audience.count) users\(failed)")
        }
    }

    private func percentage(_ done: Int, _ count: Int) -> Double {
        count == 0 ? 100 : Double(done) * 100 / Double(count)
    }

    private func update(_ id: String, _ status: BroadcastJob.Status, _ percentage: Double, _ log: String?) {
        do { try jobs.update(id: id, status: status, percentageComplete: percentage, log: log, now: now()) } catch {
            logger.error("broadcast \(id) not updated: \(error.description)")
        }
    }
}
