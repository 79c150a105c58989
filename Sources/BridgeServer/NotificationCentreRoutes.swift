import Foundation
import Hummingbird
public import Notifications
public import OmiApps
import Store

/// What the notification-centre routes need: the centre, the broadcast runner, the caller's user (the bridge's
/// own) and the direct-notification limit mode the status endpoint reports.
public struct NotificationCentreAPI: Sendable {
    public var centre: NotificationCentre
    public var broadcasts: BroadcastRunner
    public var userID: String
    public var directMode: DirectNotificationLimiter.Mode

    public init(
        centre: NotificationCentre, broadcasts: BroadcastRunner, userID: String,
        directMode: DirectNotificationLimiter.Mode = .upstream
    ) {
        self.centre = centre
        self.broadcasts = broadcasts
        self.userID = userID
        self.directMode = directMode
    }
}

/// `/v1/notifications/status`, `/v1/notifications/test` and `/v1/notifications/deliveries` (omi-contract §7).
/// Without a centre (`api` nil) the status still answers, and test send is a 500 as the contract asks.
struct NotificationCentreRoutes: Sendable {
    static let defaultTitle = "Test notification"
    static let defaultMessage = "This is a test notification from omi-bridge."
    static let defaultCategory = "bridge.test"

    let api: NotificationCentreAPI?
    let deliveries: DeliveryStore
    let directMode: DirectNotificationLimiter.Mode

    func register(on group: RouterGroup<BridgeRequestContext>) {
        group.get("status") { _, _ in try await status() }
        group.post("test") { request, context in
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            return try await test(BodyObject(Data(buffer.readableBytesView), optional: true))
        }
        group.get("deliveries") { request, _ in try listDeliveries(request) }
    }

    private func status() async throws -> Response {
        var channels: [String: ReadinessBody] = [:]
        let depth: Int
        if let api {
            let (queued, readiness) = try await api.centre.status()
            depth = queued
            for (name, value) in readiness { channels[name.rawValue] = ReadinessBody(value) }
        } else {
            depth = try deliveries.queueDepth()
            for name in ChannelName.allCases { channels[name.rawValue] = ReadinessBody(.notReady("NO_DISPATCHER")) }
        }
        return try JSONResponse.make(
            StatusBody(queueDepth: depth, channels: channels, directRateLimitMode: directMode.rawValue))
    }

    private func test(_ body: BodyObject) async throws -> Response {
        try body.rejectUnknown(allowing: ["event_category", "title", "message", "requested_channels", "force_channels"])
        let category = try body.category("event_category") ?? Self.defaultCategory
        let title = try body.string("title", maxLength: NotificationLimits.title) ?? Self.defaultTitle
        let message = try body.string("message", maxLength: NotificationLimits.message) ?? Self.defaultMessage
        let requested = try body.channels("requested_channels").map(Set.init)
        let forced = Set(try body.channels("force_channels") ?? [])
        guard let api else {
            throw APIError(
                status: .internalServerError, kind: .internalServerError,
                message: "No notification dispatcher is configured.")
        }
        let dispatch = try await api.centre.dispatch(
            BridgeNotification(userID: api.userID, appID: nil, category: category, title: title, body: message),
            requested: requested, forced: forced)
        return try JSONResponse.make(JobBody(success: true, jobID: dispatch.notificationID))
    }

    private func listDeliveries(_ request: Request) throws -> Response {
        let query = request.uri.queryParameters
        let limit = try FeedRoutes.integer(query.get("limit"), "limit", default: 50, in: FeedRoutes.limits)
        let offset = try FeedRoutes.integer(query.get("offset"), "offset", default: 0, in: 0...Int(Int32.max))
        var channel: String?
        if let text = query.get("channel") {
            guard ChannelName(rawValue: text) != nil else {
                throw APIError.invalid("channel", "Parameter channel must be one of \(BodyObject.channelList).")
            }
            channel = text
        }
        var status: DeliveryStatus?
        if let text = query.get("status") {
            guard let value = DeliveryStatus(rawValue: text) else {
                throw APIError.invalid("status", "Parameter status must be queued, sent or failed.")
            }
            status = value
        }
        let category = query.get("event_category").flatMap { $0.isEmpty ? nil : $0 }
        let (items, total) = try deliveries.list(
            userID: api?.userID, channel: channel, status: status, eventCategory: category, limit: limit,
            offset: offset)
        return try JSONResponse.make(
            PageBody(data: items.map(DeliveryBody.init), total: total, offset: offset, limit: limit))
    }
}

/// The longest texts a notification may carry, in characters: long enough for any real message, short enough
/// that a 1 MB title is refused with a 400 instead of being pushed to a phone.
enum NotificationLimits {
    static let title = 1_000
    static let subtitle = 1_000
    static let message = 10_000
}
