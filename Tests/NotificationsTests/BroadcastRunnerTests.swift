import BridgeTesting
import Foundation
import Notifications
import OmiApps
import Store
import Testing

@Suite("Broadcast jobs: asynchronous, progress and logs, resumed after a restart")
struct BroadcastRunnerTests {
    let now = TestNow()

    func runner(_ database: BridgeDatabase, everyone: [String] = ["local"]) -> BroadcastRunner {
        let centre = NotificationCentre(
            database: database, channels: [], clock: ManualClock(), now: now.closure, deliversOnDispatch: false)
        return BroadcastRunner(centre: centre, everyone: everyone, now: now.closure)
    }

    @Test("Without user_ids the bridge's users get it; with them, exactly those; the job ends completed at 100%")
    func audience() async throws {
        let database = try BridgeDatabase.inMemory()
        let runner = runner(database)
        let all = try await runner.submit(BroadcastRequest(title: "Hi", content: "All"))
        #expect(all.status == .queued)
        await runner.wait(for: all.id)
        #expect(try database.feed.list(userID: "local").items.map(\.message) == ["All"])
        let some = try await runner.submit(BroadcastRequest(title: "Hi", content: "Some", userIDs: ["a", "b"], eventCategory: "bridge.news"))
        await runner.wait(for: some.id)
        #expect(try database.feed.list(userID: "a").items.map(\.eventCategory) == ["bridge.news"])
        #expect(try database.feed.list(userID: "b").total == 1)
        #expect(try database.feed.list(userID: "local").total == 1)
        let job = try #require(try database.broadcastJobs.job(id: some.id))
        #expect(job.status == .completed && job.percentageComplete == 100)
        #expect(job.statusLogs.map(\.message) == ["sending to 2 users", "sent to 2 of 2 users"])
        let metadata = try database.feed.list(userID: "a").items.first?.metadata ?? ""
        #expect(metadata.contains(some.id))
    }

    @Test("A job left in progress at 50% by a crash resumes with the second half only")
    func resume() async throws {
        let database = try BridgeDatabase.inMemory()
        let users = (0..<10).map { "u\($0)" }
        let request = #"{"channels":["in_app"],"content":"Later","title":"Resume","user_ids":[\#(users.map { "\"\($0)\"" }.joined(separator: ","))]}"#
        let job = try database.broadcastJobs.create(request: request, requestedAt: now.now, now: now.now)
        try database.broadcastJobs.update(id: job.id, status: .inProgress, percentageComplete: 50, log: "sending to 10 users", now: now.now)
        let runner = runner(database)
        try await runner.resumeUnfinished()
        await runner.wait(for: job.id)
        #expect(try users.map { try database.feed.list(userID: $0).total } == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
        let finished = try #require(try database.broadcastJobs.job(id: job.id))
        #expect(finished.status == .completed)
        #expect(finished.statusLogs.map(\.message).suffix(2) == ["resuming at user 6 of 10", "sent to 10 of 10 users"])
        #expect(try database.broadcastJobs.unfinished().isEmpty)
    }

    @Test("A stored request that does not decode fails the job with that reason")
    func unreadable() async throws {
        let database = try BridgeDatabase.inMemory()
        let job = try database.broadcastJobs.create(request: #"{"title": 5}"#, requestedAt: now.now, now: now.now)
        let runner = runner(database)
        try await runner.resumeUnfinished()
        await runner.wait(for: job.id)
        let failed = try #require(try database.broadcastJobs.job(id: job.id))
        #expect(failed.status == .failed && failed.statusLogs.last?.message == "the stored request is unreadable")
    }
}
