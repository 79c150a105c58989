import Foundation
import GRDB
import Testing

@testable import Store

@Suite("Broadcast jobs")
struct BroadcastJobStoreTests {
    private let request = #"{"title":"Maintenance","content":"Back at 10","user_ids":["u1","u2"]}"#

    @Test("A created job is queued, 0 % complete, with no logs and the request as given")
    func create() throws {
        let jobs = try BridgeDatabase.inMemory().broadcastJobs
        let job = try jobs.create(request: request, requestedAt: instant(1), now: instant(2))
        #expect(UUID(uuidString: job.id) != nil)
        #expect(
            job
                == BroadcastJob(
                    id: job.id, status: .queued, percentageComplete: 0, request: request, statusLogs: [],
                    createdAt: instant(2), requestedAt: instant(1), updatedAt: instant(2)))
        #expect(try jobs.job(id: job.id) == job)
        #expect(try jobs.job(id: "unknown") == nil)
        #expect(try jobs.unfinished() == [job])
    }

    @Test("The request must be a JSON object")
    func requestIsAnObject() throws {
        let jobs = try BridgeDatabase.inMemory().broadcastJobs
        for bad in ["[]", "42", "{", ""] {
            let error = #expect(throws: StoreError.self) {
                try jobs.create(request: bad, requestedAt: instant(), now: instant())
            }
            #expect(error?.reason == "the request is not a JSON object")
        }
        #expect(try jobs.unfinished().isEmpty)
    }

    @Test("A job runs from queued through in progress to completed, each log line appended with its time")
    func lifecycle() throws {
        let jobs = try BridgeDatabase.inMemory().broadcastJobs
        let job = try jobs.create(request: request, requestedAt: instant(0), now: instant(0))
        let started = try jobs.update(
            id: job.id, status: .inProgress, percentageComplete: 0, log: "started: 2 users", now: instant(1))
        #expect(started.status == .inProgress)
        #expect(started.statusLogs == [BroadcastJob.Log(at: instant(1), message: "started: 2 users")])
        #expect(started.updatedAt == instant(1) && started.createdAt == instant(0))

        // Progress alone keeps the status and the logs; a log alone keeps the rest.
        let half = try jobs.update(id: job.id, percentageComplete: 50, now: instant(2))
        #expect(half.status == .inProgress && half.percentageComplete == 50 && half.statusLogs.count == 1)
        let noted = try jobs.update(id: job.id, log: #"u2: "desktop" unavailable ✗"#, now: instant(2.5))
        #expect(noted.percentageComplete == 50)
        #expect(noted.statusLogs.map(\.message) == ["started: 2 users", #"u2: "desktop" unavailable ✗"#])
        #expect(try jobs.unfinished() == [noted])

        let done = try jobs.update(
            id: job.id, status: .completed, percentageComplete: 100, log: "completed", now: instant(3))
        #expect(
            done.statusLogs == [
                BroadcastJob.Log(at: instant(1), message: "started: 2 users"),
                BroadcastJob.Log(at: instant(2.5), message: #"u2: "desktop" unavailable ✗"#),
                BroadcastJob.Log(at: instant(3), message: "completed"),
            ])
        #expect(try jobs.job(id: job.id) == done)
        #expect(try jobs.unfinished().isEmpty)
        #expect(done.status.isFinished && !BroadcastJob.Status.inProgress.isFinished)
    }

    @Test("The logs column holds unix seconds and messages, as JSON")
    func storedLogs() throws {
        let database = try BridgeDatabase.inMemory()
        let job = try database.broadcastJobs.create(request: "{}", requestedAt: instant(), now: instant())
        try database.broadcastJobs.update(id: job.id, log: "hello", now: instant(4))
        let text = try database.read("test") { db in
            try String.fetchOne(db, sql: "SELECT status_logs FROM broadcast_jobs WHERE id = ?", arguments: [job.id])
        }
        let decoded = try JSONSerialization.jsonObject(with: Data((text ?? "").utf8)) as? [[String: Any]]
        #expect(decoded?.count == 1)
        #expect(decoded?.first?["at"] as? Double == instant(4).timeIntervalSince1970)
        #expect(decoded?.first?["message"] as? String == "hello")
    }

    @Test("A finished job, an unknown one, or a percentage outside 0…100 cannot be updated; nothing changes")
    func invalidUpdates() throws {
        let jobs = try BridgeDatabase.inMemory().broadcastJobs
        let job = try jobs.create(request: request, requestedAt: instant(), now: instant())
        for bad in [-1, 100.5, Double.nan, Double.infinity] {
            let error = #expect(throws: StoreError.self) {
                try jobs.update(id: job.id, percentageComplete: bad, now: instant(1))
            }
            #expect(error?.reason.contains("not between 0 and 100") == true)
        }
        #expect(try jobs.job(id: job.id) == job)
        let unknown = #expect(throws: StoreError.self) { try jobs.update(id: "nope", log: "x", now: instant(1)) }
        #expect(unknown?.reason == "no broadcast job with id nope")
        #expect(unknown?.doing == "updating broadcast job nope")

        let failed = try jobs.update(id: job.id, status: .failed, log: "no channel is ready", now: instant(2))
        let reopened = #expect(throws: StoreError.self) {
            try jobs.update(id: job.id, status: .inProgress, log: "resumed", now: instant(3))
        }
        #expect(reopened?.reason == "the job is failed, not queued or in progress")
        #expect(try jobs.job(id: job.id) == failed)
    }

    @Test("Unfinished jobs come oldest first and survive closing and reopening a file database")
    func unfinishedAfterRestart() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("bridge.sqlite")
        let queued: BroadcastJob
        let running: BroadcastJob
        do {
            let jobs = try BridgeDatabase(path: path).broadcastJobs
            let later = try jobs.create(request: #"{"n":2}"#, requestedAt: instant(9), now: instant(10))
            let earlier = try jobs.create(request: #"{"n":1}"#, requestedAt: instant(4), now: instant(5))
            let done = try jobs.create(request: #"{"n":0}"#, requestedAt: instant(1), now: instant(1))
            try jobs.update(id: done.id, status: .completed, percentageComplete: 100, now: instant(2))
            running = try jobs.update(
                id: earlier.id, status: .inProgress, percentageComplete: 25, log: "1 of 4", now: instant(11))
            queued = later
        }
        let reopened = try BridgeDatabase(path: path).broadcastJobs
        #expect(try reopened.unfinished() == [running, queued])
    }

    @Test("The status column rejects anything but queued, in_progress, completed and failed")
    func statusCheck() throws {
        let database = try BridgeDatabase.inMemory()
        let job = try database.broadcastJobs.create(request: "{}", requestedAt: instant(), now: instant())
        for junk in ["junk", "inProgress", "done", ""] {
            #expect(throws: StoreError.self) {
                try database.write("test") { db in
                    try db.execute(sql: "UPDATE broadcast_jobs SET status = ? WHERE id = ?", arguments: [junk, job.id])
                }
            }
        }
        #expect(throws: StoreError.self) {
            try database.write("test") { db in
                try db.execute(
                    sql: "UPDATE broadcast_jobs SET percentage_complete = 101 WHERE id = ?", arguments: [job.id])
            }
        }
        #expect(try database.broadcastJobs.job(id: job.id) == job)
    }
}
