import Notifications
import Testing

@Suite struct CategoryMapTests {
    @Test("The most specific entry wins: exact, then longer prefixes, then the fallback")
    func mostSpecificWins() {
        let map = CategoryMap(["device.*": 1, "device.battery_low": 2, "app.proactive.*": 3, "app.*": 4], fallback: 0)
        #expect(map["device.battery_low"] == 2)
        #expect(map["device.paired"] == 1)
        #expect(map["app.proactive.digest"] == 3)
        #expect(map["app.proactive"] == 4)
        #expect(map["app"] == 0)
        #expect(map["devices.x"] == 0)
        #expect(map[""] == 0)
    }

    @Test("merging overrides entries for the same keys and keeps the rest")
    func merging() {
        let map = CategoryMap(["a.*": 1, "b.*": 2], fallback: 0).merging(["a.*": 9, "c.x": 3])
        #expect(map.entries == ["a.*": 9, "b.*": 2, "c.x": 3])
        #expect(map["a.q"] == 9 && map["c.x"] == 3 && map.fallback == 0)
    }
}
