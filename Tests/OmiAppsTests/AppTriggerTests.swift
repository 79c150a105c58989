import OmiApps
import Testing

@Suite("App triggers")
struct AppTriggerTests {
    @Test("triggers_on values and X-Omi-Event names follow omi-contract §6 and §3.6")
    func names() {
        #expect(AppTrigger.allCases.map(\.rawValue) == ["memory_creation", "transcript_processed", "audio_bytes"])
        #expect(AppTrigger(rawValue: "memory_creation")?.eventName == "memory_created")
        #expect(AppTrigger(rawValue: "realtime") == nil)
    }
}
