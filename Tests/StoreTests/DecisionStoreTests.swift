import Foundation
import Store
import Testing

@Suite("Proactive-notification decisions")
struct DecisionStoreTests {
    @Test("Decisions read back newest first, byte for byte, per app or all")
    func recordAndList() throws {
        let decisions = try BridgeDatabase.inMemory().decisions
        let first = try decisions.record(
            appID: "coach", outcome: "sent", json: #"{"prompt_chars":120,"scopes":["user_name"]}"#, now: instant(0))
        let second = try decisions.record(
            appID: "other", outcome: "rate_limited", json: #"{"retry_in":12}"#, now: instant(5))
        let third = try decisions.record(appID: "coach", outcome: "too_short", json: "{}", now: instant(9))
        #expect(try decisions.recent(limit: 10) == [third, second, first])
        #expect(try decisions.recent(appID: "coach", limit: 10) == [third, first])
        #expect(try decisions.recent(appID: "coach", limit: 1) == [third])
        #expect(try decisions.recent(appID: "nobody", limit: 10).isEmpty)
        #expect(first.createdAt == instant(0) && first.id < second.id)
    }
}
