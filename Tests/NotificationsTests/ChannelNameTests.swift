import Notifications
import Testing

@Suite struct ChannelNameTests {
    @Test func namesAreTheContractsAndNtfy() {
        // omi-contract §7 lists in_app, desktop, device_haptic, webhook, email, sms; issue 6 adds ntfy.
        #expect(ChannelName.allCases.map(\.rawValue) == ["in_app", "desktop", "device_haptic", "webhook", "ntfy", "email", "sms"])
        #expect(ChannelName(rawValue: "push") == nil)
        #expect(ChannelName.inApp < ChannelName.sms)
    }
}
