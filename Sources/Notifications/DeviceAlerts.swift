public import OmiApps

/// Turns what the device reports into the notification centre's device notifications (omi-contract §7):
/// `device.battery_low` once when the battery falls to `lowBattery` or below (again only after it has been above
/// it, e.g. after charging), `device.disconnected` when a connected device is lost (not when the bridge itself
/// stops). Category limits keep a flapping link from reaching a person more than once a day.
public struct DeviceAlerts: Sendable {
    public var userID: String
    public var lowBattery: Int
    private var connected: String?
    private var batteryLowSent = false

    public init(userID: String, lowBattery: Int = 15) {
        self.userID = userID
        self.lowBattery = lowBattery
    }

    public mutating func connected(address: String, name: String?) {
        connected = name.map { "\($0) (\(address))" } ?? address
    }

    /// The notification to send for a battery reading, if any.
    public mutating func battery(_ level: Int) -> BridgeNotification? {
        guard level <= lowBattery else {
            batteryLowSent = false
            return nil
        }
        guard !batteryLowSent else { return nil }
        batteryLowSent = true
        return BridgeNotification(
            userID: userID, appID: nil, category: "device.battery_low", title: "Omi battery low",
            body: "\(connected ?? "Your Omi") is at \(level)%.", metadata: ["battery": "\(level)", "replaces": "device.battery"])
    }

    /// The notification for a lost link, if a device was connected.
    public mutating func disconnected(reason: String) -> BridgeNotification? {
        guard let device = connected else { return nil }
        connected = nil
        return BridgeNotification(
            userID: userID, appID: nil, category: "device.disconnected", title: "Omi disconnected",
            body: "\(device): \(reason). The bridge keeps reconnecting.", metadata: ["reason": reason, "replaces": "device.link"])
    }
}
