import BridgeServer
import BridgeTesting
import Foundation
import Hummingbird
import Notifications
import OmiApps
import Store
import Testing

/// Status, test send and deliveries (omi-contract §7) over a live socket, with recording channels.
@Suite("/v1/notifications: status, test send, deliveries")
struct NotificationCentreRouteTests {
    static func api(
        _ database: BridgeDatabase, _ channels: [any NotificationChannel], mode: DirectNotificationLimiter.Mode = .upstream
    ) -> NotificationCentreAPI {
        let centre = NotificationCentre(
            database: database, channels: channels, retry: RetryPolicy(maxAttempts: 2, jitter: .none),
            clock: ManualClock(), now: { fixedNow }, deliversOnDispatch: false)
        return NotificationCentreAPI(
            centre: centre, broadcasts: BroadcastRunner(centre: centre, everyone: ["u1"], now: { fixedNow }),
            userID: "u1", directMode: mode)
    }

    @Test("Status: queue depth, each channel's readiness with its reason, the direct rate-limit mode")
    func status() async throws {
        let harness = try ServerHarness()
        let haptic = RecordingChannel(.deviceHaptic, readiness: .notReady("DEVICE_DISCONNECTED"))
        let desktop = RecordingChannel(.desktop, script: [.failure(ChannelFailure("down", retryable: true))])
        let api = Self.api(harness.database, [haptic, desktop], mode: .corrected)
        _ = try await api.centre.dispatch(
            BridgeNotification(userID: "u1", appID: nil, category: "app.message", title: "t", body: "b"))
        // Both deliveries stay queued: the desktop one failed retryably, the haptic one waits for the device.
        try await harness.run(centre: api) { client in
            let reply = try await client.send(.get, "/v1/notifications/status", key: harness.memberKey)
            #expect(reply.status == 200)
            #expect(
                reply.text
                    == #"{"channels":{"desktop":{"ready":true},"device_haptic":{"ready":false,"reason":"DEVICE_DISCONNECTED"},"email":{"ready":false,"reason":"NOT_CONFIGURED"},"in_app":{"ready":true},"ntfy":{"ready":false,"reason":"NOT_CONFIGURED"},"sms":{"ready":false,"reason":"NOT_CONFIGURED"},"webhook":{"ready":false,"reason":"NOT_CONFIGURED"}},"direct_rate_limit_mode":"corrected","queue_depth":2}"#
            )
            #expect(try await client.send(.get, "/v1/notifications/status").status == 401)
        }
    }

    @Test("Test send: optional body, defaults, requested narrows, force bypasses; 500 without a dispatcher")
    func testSend() async throws {
        let harness = try ServerHarness()
        let desktop = RecordingChannel(.desktop)
        let api = Self.api(harness.database, [desktop])
        try harness.database.preferences.update(scope: .tenant, category: "bridge.test", changes: ["desktop": false], now: fixedNow)
        try await harness.run(centre: api) { client in
            let plain = try await client.send(.post, "/v1/notifications/test", key: harness.memberKey)
            #expect(plain.status == 200)
            let object = try plain.object()
            #expect(object["success"] as? Bool == true)
            let jobID = try #require(object["job_id"] as? String)
            let feed = try harness.database.feed.list(userID: "u1").items
            #expect(feed.map(\.id) == [jobID])
            #expect(feed.first?.title == "Test notification" && feed.first?.eventCategory == "bridge.test")
            let queued = { try harness.database.deliveries.list(userID: "u1", channel: "desktop", status: nil, eventCategory: nil, limit: 50, offset: 0).total }
            #expect(try queued() == 0)  // desktop is off for bridge.test

            let forced = try await client.send(
                .post, "/v1/notifications/test", key: harness.memberKey,
                body: #"{"title":"Über \"quotes\" '; DROP TABLE feed;--","message":"✓ 你好","requested_channels":["in_app"],"force_channels":["desktop"]}"#)
            #expect(forced.status == 200)
            #expect(try queued() == 1)
            #expect(try harness.database.feed.list(userID: "u1").items.first?.title == #"Über "quotes" '; DROP TABLE feed;--"#)
            #expect(try harness.database.feed.list(userID: "u1").items.first?.message == "✓ 你好")

            let narrowed = try await client.send(
                .post, "/v1/notifications/test", key: harness.memberKey, body: #"{"event_category":"app.message","requested_channels":["desktop"]}"#)
            #expect(narrowed.status == 200)
            #expect(try harness.database.feed.list(userID: "u1").total == 2)  // in_app was not requested
            #expect(try queued() == 2)
        }
        try await harness.run { client in
            let reply = try await client.send(.post, "/v1/notifications/test", key: harness.memberKey)
            #expect(reply.status == 500)
            #expect(try reply.envelope() == .init(type: "internal_server_error", message: "No notification dispatcher is configured.", code: nil, param: nil))
        }
    }

    @Test("Hostile test-send bodies: specific 400s, never 500, nothing stored")
    func hostile() async throws {
        let harness = try ServerHarness()
        let api = Self.api(harness.database, [RecordingChannel(.desktop)])
        let huge = String(repeating: "x", count: 1_000_000)
        let cases: [(String, String?, String?)] = [
            ("{", "invalid_json", nil),
            ("[1,2]", "parameter_invalid", nil),
            (#"{"title": 5}"#, "parameter_invalid", "title"),
            (#"{"title": ""}"#, "parameter_invalid", "title"),
            (#"{"title": "\#(huge)"}"#, "parameter_invalid", "title"),
            (#"{"message": ["a"]}"#, "parameter_invalid", "message"),
            (#"{"colour": "red"}"#, "parameter_invalid", "colour"),
            (#"{"event_category": "App Message"}"#, "parameter_invalid", "event_category"),
            (#"{"event_category": "app.'; DROP"}"#, "parameter_invalid", "event_category"),
            (#"{"requested_channels": ["in_app", "pager"]}"#, "parameter_invalid", "requested_channels.1"),
            (#"{"force_channels": "desktop"}"#, "parameter_invalid", "force_channels"),
        ]
        try await harness.run(centre: api) { client in
            for (body, code, param) in cases {
                let reply = try await client.send(.post, "/v1/notifications/test", key: harness.memberKey, body: body)
                let envelope = try reply.envelope()
                #expect(reply.status == 400, "\(body.prefix(60))")
                #expect(envelope.code == code && envelope.param == param, "\(body.prefix(60)): \(envelope)")
            }
            #expect(try harness.database.feed.list(userID: "u1").total == 0)
            #expect(try harness.database.deliveries.list(userID: nil, channel: nil, status: nil, eventCategory: nil, limit: 1, offset: 0).total == 0)
        }
    }

    @Test("Deliveries: one row per channel attempt with the joined notification; filters and pagination edges")
    func deliveries() async throws {
        let harness = try ServerHarness()
        let ntfy = RecordingChannel(.ntfy, script: [.failure(ChannelFailure("HTTP 404 from https://ntfy.sh/x", retryable: false))])
        let api = Self.api(harness.database, [RecordingChannel(.desktop), ntfy])
        for category in ["app.message", "app.proactive"] {
            _ = try await api.centre.dispatch(BridgeNotification(userID: "u1", appID: "a", category: category, title: category, body: "b"))
        }
        await api.centre.worker.deliverDue()
        try await harness.run(centre: api) { client in
            func page(_ query: String) async throws -> (total: Int, rows: [[String: Any]]) {
                let reply = try await client.send(.get, "/v1/notifications/deliveries\(query)", key: harness.memberKey)
                let object = try reply.object()
                return (object["total"] as? Int ?? -1, object["data"] as? [[String: Any]] ?? [])
            }
            #expect(try await page("").total == 6)  // in_app, desktop, ntfy × 2
            let failed = try await page("?status=failed")
            #expect(failed.total == 2 && failed.rows.allSatisfy { $0["channel"] as? String == "ntfy" })
            let row = try #require(failed.rows.first)
            #expect(row["last_error"] as? String == "HTTP 404 from https://ntfy.sh/x" && row["attempt_count"] as? Int == 1)
            let joined = try #require(row["notification"] as? [String: Any])
            #expect(joined["event_category"] as? String == "app.proactive" && joined["title"] as? String == "app.proactive")
            #expect(joined["id"] as? String == row["notification_id"] as? String && joined["created_at"] is String)
            #expect(try await page("?channel=desktop&status=sent&event_category=app.message").total == 1)
            #expect(try await page("?channel=in_app").rows.allSatisfy { $0["status"] as? String == "sent" })
            #expect(try await page("?limit=0").rows.isEmpty)
            #expect(try await page("?limit=0").total == 6)
            #expect(try await page("?offset=999999").rows.isEmpty)
            for bad in ["status=done", "channel=pager", "limit=-1", "offset=-1", "limit=x"] {
                let reply = try await client.send(.get, "/v1/notifications/deliveries?\(bad)", key: harness.memberKey)
                #expect(reply.status == 400, "\(bad)")
                #expect(try reply.envelope().param == String(bad.prefix { $0 != "=" }))
            }
        }
    }
}
