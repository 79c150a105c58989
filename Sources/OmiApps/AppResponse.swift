import Foundation

/// What an app's 200 answer asks for (omi-contract §3.2 "Response"): an app message when `message` is a string
/// longer than 5 characters, a proactive notification when `notification` is a non-empty object and the app has
/// the capability. Both can come in one answer; anything else (a `session_id`, unknown keys) is ignored.
public struct AppResponse: Sendable, Equatable {
    public var message: String?
    /// The `notification` object, as JSON bytes (decoded by the proactive stage).
    public var notification: [UInt8]?
    /// Why nothing was taken from the body, when nothing was (empty, not JSON, falsy).
    public var ignoredBecause: String?

    public static let notJSON = "body is not JSON"

    /// Reads a 200 body for `transcript_processed` (message > 5 characters); `memory_creation` takes any
    /// non-empty message (omi-contract §3.3), `minimumMessageLength: 1`.
    public static func parse(_ body: [UInt8], app: AppManifest, minimumMessageLength: Int = 6) -> AppResponse {
        guard !body.isEmpty else { return AppResponse(ignoredBecause: "empty body") }
        guard let json = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) else {
            return AppResponse(ignoredBecause: notJSON)
        }
        guard let object = json as? [String: Any], !object.isEmpty else {
            return AppResponse(ignoredBecause: "body is not a non-empty JSON object")
        }
        var response = AppResponse()
        if let message = object["message"] as? String, message.count >= minimumMessageLength {
            response.message = message
        }
        if let notification = object["notification"] as? [String: Any], !notification.isEmpty,
            app.hasProactiveNotifications
        {
            response.notification = (try? JSONSerialization.data(withJSONObject: notification, options: [.sortedKeys])).map(Array.init)
        }
        if response.message == nil && response.notification == nil {
            response.ignoredBecause = "no message longer than \(minimumMessageLength - 1) characters and no notification"
        }
        return response
    }
}
