import BridgeServer
import BridgeTesting
import Foundation
import Hummingbird
import Notifications
import OmiApps
import Store
import Testing

/// Broadcasts (omi-contract §7): validated whole, queued, sent asynchronously, followed through the job resource.
@Suite("/v1/notifications/broadcast")
struct BroadcastRouteTests {
    @Test("A broadcast to 1000 users is queued at once and completes; the job reports progress and logs")
    func broadcast() async throws {
        let harness = try ServerHarness()
        let api = NotificationCentreRouteTests.api(harness.database, [])
        let users = (0..<1000).map { "user_\($0)" }
        let list = users.map { "\"\($0)\"" }.joined(separator: ",")
        try await harness.run(centre: api) { client in
            let member = try await client.send(.post, "/v1/notifications/broadcast", key: harness.memberKey, body: #"{"title":"t","content":"c"}"#)
            #expect(member.status == 403)
            let reply = try await client.send(
                .post, "/v1/notifications/broadcast", key: harness.adminKey,
                body: #"{"title":"Maintenance","content":"Back at 10","subtitle":"Tonight","user_ids":[\#(list)],"event_category":"bridge.maintenance","channels":["in_app"]}"#)
            #expect(reply.status == 200)
            let object = try reply.object()
            #expect(object["success"] as? Bool == true)
            let jobID = try #require(object["job_id"] as? String)
            let done = try await eventually {
                let job = try await client.send(.get, "/v1/notifications/broadcast/\(jobID)", key: harness.memberKey).object()
                return job["status"] as? String == "completed"
            }
            #expect(done)
            let job = try await client.send(.get, "/v1/notifications/broadcast/\(jobID)", key: harness.memberKey).object()
            #expect(job["percentage_complete"] as? Double == 100)
            #expect(job["created_at"] is String && job["requested_at"] is String)
            let logs = try #require(job["status_logs"] as? [[String: Any]])
            #expect(logs.compactMap { $0["message"] as? String }.last == "sent to 1000 of 1000 users")
            for user in [users[0], users[999]] {
                let item = try #require(try harness.database.feed.list(userID: user).items.first)
                #expect(item.title == "Maintenance" && item.subtitle == "Tonight" && item.eventCategory == "bridge.maintenance")
            }
            let missing = try await client.send(.get, "/v1/notifications/broadcast/nope", key: harness.memberKey)
            #expect(try missing.status == 404 && missing.envelope().type == "not_found")
        }
    }

    @Test("Bad broadcasts: missing title or content, 1001 users, bad channel; no job is created")
    func errors() async throws {
        let harness = try ServerHarness()
        let api = NotificationCentreRouteTests.api(harness.database, [])
        let tooMany = (0...1000).map { "\"u\($0)\"" }.joined(separator: ",")
        let cases: [(String, String, String?)] = [
            (#"{"content":"c"}"#, "parameter_missing", "title"),
            (#"{"title":"t"}"#, "parameter_missing", "content"),
            (#"{"title":"t","content":"c","user_ids":[\#(tooMany)]}"#, "parameter_invalid", "user_ids"),
            (#"{"title":"t","content":"c","user_ids":[""]}"#, "parameter_invalid", "user_ids.0"),
            (#"{"title":"t","content":"c","channels":["fax"]}"#, "parameter_invalid", "channels.0"),
            (#"{"title":"t","content":"c","priority":"high"}"#, "parameter_invalid", "priority"),
        ]
        try await harness.run(centre: api) { client in
            for (body, code, param) in cases {
                let reply = try await client.send(.post, "/v1/notifications/broadcast", key: harness.adminKey, body: body)
                #expect(reply.status == 400, "\(body.prefix(80))")
                #expect(try reply.envelope().code == code && reply.envelope().param == param, "\(body.prefix(80))")
            }
            #expect(try harness.database.broadcastJobs.unfinished().isEmpty)
        }
    }
}
