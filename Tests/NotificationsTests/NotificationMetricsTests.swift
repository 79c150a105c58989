import BridgeTesting
import Foundation
import MetricsTestKit
import Notifications
import OmiApps
import Store
import Testing

/// The centre and the worker count deliveries by channel and outcome and publish the queue depth, through the
/// factory they are given (never the process-wide one: tests run in parallel).
@Suite("Notification metrics")
struct NotificationMetricsTests {
    @Test("A feed filing, a sent, a retried and a failed delivery are counted by channel and status; the depth is set")
    func deliveriesAreCounted() async throws {
        let metrics = TestMetrics()
        let now = TestNow()
        let database = try BridgeDatabase.inMemory()
        let desktop = RecordingChannel(.desktop)
        let ntfy = RecordingChannel(.ntfy, script: [.failure(ChannelFailure("HTTP 503", retryable: true))])
        let centre = NotificationCentre(
            database: database, channels: [desktop, ntfy],
            retry: RetryPolicy(baseDelay: 2, maxAttempts: 2, jitter: .none), clock: ManualClock(), now: now.closure,
            deliversOnDispatch: false, metrics: NotificationMetrics(factory: metrics))
        _ = try await centre.dispatch(
            BridgeNotification(userID: "u1", appID: "coach", category: "app.proactive", title: "Coach", body: "Water"))
        await centre.worker.deliverDue()
        let label = NotificationMetrics.deliveriesLabel
        #expect(try metrics.expectCounter(label, [("channel", "in_app"), ("status", "sent")]).totalValue == 1)
        #expect(try metrics.expectCounter(label, [("channel", "desktop"), ("status", "sent")]).totalValue == 1)
        #expect(try metrics.expectCounter(label, [("channel", "ntfy"), ("status", "retrying")]).totalValue == 1)
        #expect(try metrics.expectGauge(NotificationMetrics.queueDepthLabel).lastValue == 2)
        now.advance(10)
        await centre.worker.deliverDue()
        #expect(try metrics.expectCounter(label, [("channel", "ntfy"), ("status", "failed")]).totalValue == 1)
        #expect(try metrics.expectGauge(NotificationMetrics.queueDepthLabel).lastValue == 1)
    }
}
