import BridgeTesting
import Foundation
import Notifications
import OmiApps
import Store
import Testing

/// The centre's choices (preferences, requested and forced channels, category limits) and the worker's
/// retries, on a real SQLite database with recording channels and a settable clock.
@Suite("Notification centre: channel choice, category limits, durable retried deliveries")
struct NotificationCentreTests {
    let now = TestNow()

    func centre(
        _ database: BridgeDatabase, _ channels: [any NotificationChannel], policy: NotificationPolicy = .init(),
        retry: RetryPolicy = RetryPolicy(baseDelay: 2, maxAttempts: 3, jitter: .none)
    ) -> NotificationCentre {
        NotificationCentre(
            database: database, channels: channels, policy: policy, retry: retry, clock: ManualClock(),
            now: now.closure, deliversOnDispatch: false)
    }

    func note(_ category: String = "app.proactive", user: String = "u1", title: String = "Coach") -> BridgeNotification {
        BridgeNotification(userID: user, appID: "coach", category: category, title: title, body: "Drink water")
    }

    @Test("By default every configured channel gets the notification; unconfigured ones are skipped")
    func defaults() async throws {
        let database = try BridgeDatabase.inMemory()
        let desktop = RecordingChannel(.desktop)
        let email = RecordingChannel(.email, readiness: .notReady(NotificationCentre.notConfigured))
        let centre = centre(database, [desktop, email])
        let dispatch = try await centre.dispatch(note())
        #expect(dispatch.outcomes[.inApp] == .delivered)
        #expect(dispatch.outcomes[.email] == .notConfigured)
        #expect(dispatch.outcomes[.ntfy] == .notConfigured)
        guard case .queued(let deliveryID) = dispatch.outcomes[.desktop] else {
            Issue.record("desktop not queued: \(String(describing: dispatch.outcomes[.desktop]))")
            return
        }
        await centre.worker.deliverDue()
        #expect(desktop.sent.map(\.notificationID) == [dispatch.notificationID])
        #expect(desktop.sent.first?.body == "Drink water")
        let row = try #require(try database.deliveries.delivery(id: deliveryID))
        #expect(row.status == .sent && row.attemptCount == 1)
        let feed = try database.feed.list(userID: "u1").items
        #expect(feed.map(\.id) == [dispatch.notificationID])
        let inApp = try database.deliveries.list(
            userID: "u1", channel: "in_app", status: nil, eventCategory: nil, limit: 10, offset: 0)
        #expect(inApp.items.map(\.status) == [.sent])
    }

    @Test("Whether a channel is configured is asked once, not on every dispatch")
    func configuredOnce() async throws {
        let database = try BridgeDatabase.inMemory()
        let desktop = RecordingChannel(.desktop)
        let email = RecordingChannel(.email, readiness: .notReady(NotificationCentre.notConfigured))
        let centre = centre(database, [desktop, email])
        for _ in 0..<3 { _ = try await centre.dispatch(note()) }
        #expect(desktop.readinessChecks == 1 && email.readinessChecks == 1)
        #expect(try database.deliveries.list(userID: "u1", channel: "desktop", status: nil, eventCategory: nil, limit: 0, offset: 0).total == 3)
        _ = try await centre.status()  // the status endpoint still asks each time
        #expect(desktop.readinessChecks == 2)
    }

    @Test("A user's override beats the bridge-wide default; requested narrows; forced bypasses preferences")
    func preferences() async throws {
        let database = try BridgeDatabase.inMemory()
        let centre = centre(database, [RecordingChannel(.desktop), RecordingChannel(.ntfy)])
        try database.preferences.update(scope: .tenant, category: "app.proactive", changes: ["desktop": false, "ntfy": false], now: now.now)
        try database.preferences.update(scope: .user("u1"), category: "app.proactive", changes: ["ntfy": true], now: now.now)
        let plain = try await centre.dispatch(note())
        #expect(plain.outcomes[.desktop] == nil)
        #expect(plain.outcomes[.ntfy] != nil)
        let other = try await centre.dispatch(note(user: "u2"))
        #expect(other.outcomes[.ntfy] == nil && other.outcomes[.desktop] == nil)
        let narrowed = try await centre.dispatch(note(), requested: [.inApp, .desktop])
        #expect(Set(narrowed.outcomes.keys) == [.inApp])
        let forced = try await centre.dispatch(note(), requested: [.inApp], forced: [.desktop])
        #expect(Set(forced.outcomes.keys) == [.inApp, .desktop])
        try database.preferences.update(scope: .tenant, category: "app.proactive", changes: ["in_app": false], now: now.now)
        let hidden = try await centre.dispatch(note(user: "u2"))
        #expect(hidden.outcomes[.inApp] == nil)
        #expect(try database.feed.list(userID: "u2").items.map(\.id) == [other.notificationID])
    }

    @Test("Flapping categories: 1 per 24 h on desktop by default, recorded as RATE_LIMITED; forced passes; the window rolls")
    func categoryLimits() async throws {
        let database = try BridgeDatabase.inMemory()
        let desktop = RecordingChannel(.desktop)
        let centre = centre(database, [desktop])
        let first = try await centre.dispatch(note("device.battery_low"))
        guard case .queued = first.outcomes[.desktop] else { Issue.record("first not queued"); return }
        now.advance(86_400 - 1)
        let second = try await centre.dispatch(note("device.battery_low"))
        guard case .rateLimited(let limited) = second.outcomes[.desktop] else { Issue.record("second not limited"); return }
        let row = try #require(try database.deliveries.delivery(id: limited))
        #expect(row.status == .failed)
        #expect(row.lastError == "RATE_LIMITED: 1 per 24 h for device.battery_low on desktop")
        #expect(second.outcomes[.inApp] == .delivered)  // the feed is not limited
        let forced = try await centre.dispatch(note("device.battery_low"), forced: [.desktop])
        guard case .queued = forced.outcomes[.desktop] else { Issue.record("forced not queued"); return }
        let otherUser = try await centre.dispatch(note("device.battery_low", user: "u2"))
        guard case .queued = otherUser.outcomes[.desktop] else { Issue.record("limits are per user"); return }
        let unlimited = try await centre.dispatch(note("app.proactive"))
        guard case .queued = unlimited.outcomes[.desktop] else { Issue.record("app.proactive limited"); return }
        now.advance(2)  // the first is now more than 24 h old, but the forced one is not
        let third = try await centre.dispatch(note("device.battery_low"))
        guard case .rateLimited = third.outcomes[.desktop] else { Issue.record("forced delivery did not count"); return }
        now.advance(86_400)
        let fourth = try await centre.dispatch(note("device.battery_low"))
        guard case .queued = fourth.outcomes[.desktop] else { Issue.record("window did not roll"); return }
    }

    @Test("Retryable failures back off exponentially (or as Retry-After says), then succeed; attempts are counted")
    func retries() async throws {
        let database = try BridgeDatabase.inMemory()
        let flaky = RecordingChannel(
            .ntfy,
            script: [
                .failure(ChannelFailure("HTTP 503", retryable: true)),
                .failure(ChannelFailure("HTTP 429", retryable: true, retryAfter: 30)), .success(()),
            ])
        let centre = centre(database, [flaky], retry: RetryPolicy(baseDelay: 2, maxAttempts: 5, jitter: .none))
        let dispatch = try await centre.dispatch(note(), requested: [.ntfy])
        guard case .queued(let id) = dispatch.outcomes[.ntfy] else { Issue.record("not queued"); return }
        await centre.worker.deliverDue()
        var row = try #require(try database.deliveries.delivery(id: id))
        #expect(row.status == .queued && row.attemptCount == 1 && row.lastError == "HTTP 503")
        #expect(row.nextAttemptAt == now.now.addingTimeInterval(2))
        now.advance(1)
        #expect(await centre.worker.deliverDue() == 0)  // not due yet
        now.advance(1)
        #expect(await centre.worker.deliverDue() == 1)
        row = try #require(try database.deliveries.delivery(id: id))
        #expect(row.attemptCount == 2 && row.nextAttemptAt == now.now.addingTimeInterval(30))
        now.advance(30)
        await centre.worker.deliverDue()
        row = try #require(try database.deliveries.delivery(id: id))
        #expect(row.status == .sent && row.attemptCount == 3)
        #expect(flaky.sent.count == 3)
    }

    @Test("A final failure, or the last attempt, marks the delivery failed with its reason")
    func finalFailures() async throws {
        let database = try BridgeDatabase.inMemory()
        let refused = RecordingChannel(.webhook, script: [.failure(ChannelFailure("HTTP 404 from http://x/hook", retryable: false))])
        let down = RecordingChannel(.email, script: [.failure(ChannelFailure("connection refused", retryable: true))])
        let centre = centre(database, [refused, down], retry: RetryPolicy(baseDelay: 1, maxAttempts: 2, jitter: .none))
        let dispatch = try await centre.dispatch(note())
        await centre.worker.deliverDue()
        now.advance(1)
        await centre.worker.deliverDue()
        let failed = try database.deliveries.list(
            userID: "u1", channel: nil, status: .failed, eventCategory: nil, limit: 10, offset: 0)
        let reasons = Dictionary(uniqueKeysWithValues: failed.items.map { ($0.channel, $0.lastError ?? "") })
        #expect(reasons == ["webhook": "HTTP 404 from http://x/hook", "email": "connection refused (gave up after 2 attempts)"])
        #expect(refused.sent.count == 1 && down.sent.count == 2)
        #expect(failed.items.allSatisfy { $0.notificationID == dispatch.notificationID })
        #expect(try database.deliveries.queueDepth() == 0)
    }

    @Test("Queued deliveries survive a restart and are sent by the next centre, even after the feed item is deleted")
    func durable() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bridge.sqlite").path
        let id: String
        do {
            let database = try BridgeDatabase(path: path)
            let down = RecordingChannel(.desktop, script: [.failure(ChannelFailure("NO_NOTIFICATION_SERVER", retryable: true))])
            let first = centre(database, [down])
            let dispatch = try await first.dispatch(note())
            await first.worker.deliverDue()
            id = dispatch.notificationID
            try database.feed.delete(id: id, userID: "u1")
        }
        let database = try BridgeDatabase(path: path)
        let up = RecordingChannel(.desktop)
        let second = centre(database, [up])
        #expect(try database.deliveries.queueDepth() == 1)
        now.advance(60)
        await second.worker.deliverDue()
        #expect(up.sent.map(\.notificationID) == [id])
        #expect(up.sent.first?.title == "Coach")
        #expect(try database.deliveries.queueDepth() == 0)
    }

    @Test("A delivery whose channel is no longer configured fails with that reason instead of staying queued")
    func channelRemoved() async throws {
        let database = try BridgeDatabase.inMemory()
        let first = centre(database, [RecordingChannel(.ntfy, script: [.failure(ChannelFailure("down", retryable: true))])])
        _ = try await first.dispatch(note(), requested: [.ntfy])
        let second = centre(database, [])
        await second.worker.deliverDue()
        let rows = try database.deliveries.list(userID: nil, channel: "ntfy", status: nil, eventCategory: nil, limit: 5, offset: 0)
        #expect(rows.items.map(\.status) == [.failed])
        #expect(rows.items.first?.lastError == "channel 'ntfy' is not configured")
    }

    @Test("Status: queue depth and every channel's readiness, sms always NOT_CONFIGURED")
    func status() async throws {
        let database = try BridgeDatabase.inMemory()
        let haptic = RecordingChannel(.deviceHaptic, readiness: .notReady("DEVICE_DISCONNECTED"))
        let centre = centre(database, [haptic, RecordingChannel(.desktop, script: [.failure(ChannelFailure("x", retryable: true))])])
        _ = try await centre.dispatch(note(), requested: [.desktop])
        await centre.worker.deliverDue()
        let (depth, channels) = try await centre.status()
        #expect(depth == 1)
        #expect(channels[.deviceHaptic] == .notReady("DEVICE_DISCONNECTED"))
        #expect(channels[.inApp] == .ready && channels[.desktop] == .ready)
        #expect(channels[.sms] == .notReady("NOT_CONFIGURED") && channels[.email] == .notReady("NOT_CONFIGURED"))
        #expect(Set(channels.keys) == Set(ChannelName.allCases))
    }

    @Test("Concurrent dispatches are committed together and all kept; a limit holds under concurrency")
    func concurrent() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try BridgeDatabase(path: directory.appendingPathComponent("bridge.sqlite").path)
        let centre = centre(database, [RecordingChannel(.desktop)])
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<200 {
                group.addTask { try await centre.dispatch(note(title: "n\(i)")).notificationID }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(ids.count == 200)
        #expect(try database.feed.list(userID: "u1", limit: 0).total == 200)
        #expect(try database.deliveries.queueDepth() == 200)
        let outcomes = try await withThrowingTaskGroup(of: NotificationCentre.Outcome?.self) { group in
            for _ in 0..<20 { group.addTask { try await centre.dispatch(note("device.disconnected")).outcomes[.desktop] } }
            return try await group.reduce(into: [NotificationCentre.Outcome?]()) { $0.append($1) }
        }
        let queued = outcomes.filter { if case .queued = $0 { true } else { false } }
        #expect(queued.count == 1, "\(outcomes)")
    }

    @Test("A filing is written whole or not at all")
    func atomicFiling() throws {
        let database = try BridgeDatabase.inMemory()
        let item = FeedItem(
            id: "n1", userID: "u1", appID: nil, eventCategory: "app.message", title: "t", subtitle: nil, message: "m",
            isRead: false, metadata: "{}", createdAt: now.now)
        func row(_ id: String, payload: String) -> DeliveryRecord {
            DeliveryRecord(
                id: id, notificationID: "n1", userID: "u1", channel: "desktop", status: .queued, attemptCount: 0,
                lastError: nil, nextAttemptAt: now.now, createdAt: now.now, updatedAt: now.now,
                eventCategory: "app.message", title: "t", notificationCreatedAt: now.now, payload: payload)
        }
        #expect(throws: StoreError.self) {
            try database.file([NotificationFiling(feedItem: item, deliveries: [row("d1", payload: "{}"), row("d2", payload: "[]")])])
        }
        #expect(throws: StoreError.self) {  // the same delivery id twice: the transaction rolls back
            try database.file([NotificationFiling(feedItem: item, deliveries: [row("d1", payload: "{}"), row("d1", payload: "{}")])])
        }
        #expect(try database.feed.list(userID: "u1").total == 0)
        #expect(try database.deliveries.queueDepth() == 0)
    }
}
