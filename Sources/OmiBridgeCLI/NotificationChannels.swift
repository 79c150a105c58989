import AsyncHTTPClient
import DBusKit
import Foundation
import Notifications
import OmiAudio

/// The channels a command built from the `notifications` section, and what must be closed when it stops.
struct ConfiguredChannels {
    var all: [any NotificationChannel]
    /// Holds a D-Bus connection (and its thread) until `disconnect()`.
    var desktop: DesktopChannel?

    func close() async {
        await desktop?.disconnect()
    }
}

extension NotificationSettings {
    /// The configured channels (everything but `in_app`, which is the feed). `haptic` is the connected Omi, when
    /// the command has one (`run`); without it the channel reports `DEVICE_DISCONNECTED`.
    func channels(http: HTTPClient, haptic: (any HapticActuator)? = nil) -> ConfiguredChannels {
        var all: [any NotificationChannel] = []
        var desktopChannel: DesktopChannel?
        if desktop {
            let channel = DesktopChannel(
                configuration: DesktopChannelConfiguration(bus: desktopBus.map(DBusBus.address) ?? .session))
            desktopChannel = channel
            all.append(channel)
        }
        if self.haptic { all.append(DeviceHapticChannel(actuator: haptic)) }
        if let webhookURL {
            all.append(
                WebhookChannel(
                    configuration: WebhookChannelConfiguration(
                        url: webhookURL, signingSecrets: webhookSecret.map { [$0] } ?? [],
                        timeout: .milliseconds(Int64(webhookTimeout * 1000))),
                    client: http))
        }
        if let ntfyTopic {
            all.append(
                NtfyChannel(
                    configuration: NtfyChannelConfiguration(
                        serverURL: ntfyServer, topic: ntfyTopic, accessToken: ntfyToken.value),
                    client: http))
        }
        if let email { all.append(EmailChannel(configuration: email)) }
        return ConfiguredChannels(all: all, desktop: desktopChannel)
    }
}
