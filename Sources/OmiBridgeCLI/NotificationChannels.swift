import AsyncHTTPClient
import Foundation
import Notifications

extension NotificationSettings {
    /// The configured channels (everything but `in_app`, which is the feed). `haptic` is the connected Omi, when
    /// the command has one (`run`); without it the channel reports `DEVICE_DISCONNECTED`.
    func channels(http: HTTPClient) -> [any NotificationChannel] {
        // Filled in when the channel implementations land.
        []
    }
}
