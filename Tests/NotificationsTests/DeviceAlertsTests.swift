import Notifications
import OmiApps
import Testing

@Suite("Device alerts: battery low once per discharge, disconnected only after a connection")
struct DeviceAlertsTests {
    @Test("Battery low fires once at the threshold, again only after the level was above it")
    func battery() {
        var alerts = DeviceAlerts(userID: "u1", lowBattery: 15)
        alerts.connected(address: "C4:3A:92:0B:5E:01", name: "Omi")
        #expect(alerts.battery(40) == nil)
        #expect(alerts.battery(16) == nil)
        let low = alerts.battery(15)
        #expect(low?.category == "device.battery_low" && low?.body == "Omi (C4:3A:92:0B:5E:01) is at 15%.")
        #expect(alerts.battery(14) == nil && alerts.battery(3) == nil)
        #expect(alerts.battery(80) == nil)  // charged
        #expect(alerts.battery(12)?.metadata["battery"] == "12")
    }

    @Test("Disconnected fires when a connected device is lost, not before a connection nor twice")
    func disconnected() {
        var alerts = DeviceAlerts(userID: "u1")
        #expect(alerts.disconnected(reason: "not found") == nil)
        alerts.connected(address: "C4:3A:92:0B:5E:01", name: nil)
        let lost = alerts.disconnected(reason: "link supervision timeout")
        #expect(lost?.category == "device.disconnected" && lost?.userID == "u1")
        #expect(lost?.body == "C4:3A:92:0B:5E:01: link supervision timeout. The bridge keeps reconnecting.")
        #expect(alerts.disconnected(reason: "again") == nil)
    }
}
