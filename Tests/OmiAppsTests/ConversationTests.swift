import Foundation
import OmiApps
import Testing
import Transcription

@Suite("Conversations: lifecycle, structured summary, memory_creation body (omi-contract §3.3, §9 C)")
struct ConversationTests {
    let streamStart = Date(timeIntervalSince1970: 1_746_180_131)  // 2025-05-02T10:02:11Z

    @Test("Python isoformat: microseconds when there are any, +00:00")
    func isoformat() {
        #expect(Conversation.isoformat(Date(timeIntervalSince1970: 1_746_180_131)) == "2025-05-02T10:02:11+00:00")
        #expect(Conversation.isoformat(Date(timeIntervalSince1970: 1_746_181_025.12)) == "2025-05-02T10:17:05.120000+00:00")
    }

    @Test("The body has §9 C's fields and types")
    func body() throws {
        let conversation = Conversation(
            id: "c8f1d2a0-1b2c-4d5e-8f90-a1b2c3d4e5f6", createdAt: Date(timeIntervalSince1970: 1_746_181_025.12),
            startedAt: streamStart, finishedAt: Date(timeIntervalSince1970: 1_746_181_001),
            structured: .init(
                title: "Deck deadline", overview: "Agreed to send the deck by Friday.", emoji: "📅", category: "work",
                actionItems: [.init(description: "Send deck by Friday")]),
            segments: [goldenSegment])
        let object = try #require(jsonObject(conversation.webhookBody) as? [String: Any])
        #expect(object["id"] as? String == "c8f1d2a0-1b2c-4d5e-8f90-a1b2c3d4e5f6")
        #expect(object["created_at"] as? String == "2025-05-02T10:17:05.120000+00:00")
        #expect(object["started_at"] as? String == "2025-05-02T10:02:11+00:00")
        #expect(object["finished_at"] as? String == "2025-05-02T10:16:41+00:00")
        #expect(object["source"] as? String == "omi" && object["language"] as? String == "en")
        #expect(object["discarded"] as? Bool == false && (object["apps_results"] as? [Any])?.isEmpty == true)
        #expect(object["geolocation"] is NSNull)
        let structured = try #require(object["structured"] as? [String: Any])
        #expect(structured["title"] as? String == "Deck deadline" && structured["emoji"] as? String == "📅")
        let items = try #require(structured["action_items"] as? [[String: Any]])
        #expect(items.first?["description"] as? String == "Send deck by Friday" && items.first?["completed"] as? Bool == false)
        #expect((structured["events"] as? [Any])?.isEmpty == true)
        let segments = try #require(object["transcript_segments"] as? [[String: Any]])
        #expect(segments.first?["speaker"] as? String == "SPEAKER_1" && segments.first?["start"] as? Double == 12.34)
        #expect(String(decoding: conversation.webhookBody, as: UTF8.self).contains("📅"))  // UTF-8, unescaped
    }

    @Test("Lifecycle: opens on a segment, closes after the silence timeout (119.9 s no, 120 s yes), times rebased")
    func lifecycle() {
        var lifecycle = ConversationLifecycle()
        let t0 = Date(timeIntervalSince1970: 10_000)
        #expect(lifecycle.tick(now: t0) == nil && !lifecycle.isOpen)
        lifecycle.segment(TranscriptSegment(text: "Hello there.", start: 30, end: 31.5), streamStart: streamStart, now: t0)
        lifecycle.segment(
            TranscriptSegment(text: "Can you send the deck?", start: 40, end: 42), streamStart: streamStart,
            now: t0.addingTimeInterval(10))
        #expect(lifecycle.tick(now: t0.addingTimeInterval(10 + 119.9)) == nil)
        guard case .close(let startedAt, let finishedAt, let segments) = lifecycle.tick(now: t0.addingTimeInterval(130))
        else {
            Issue.record("did not close after 120 s of silence")
            return
        }
        #expect(startedAt == streamStart.addingTimeInterval(30) && finishedAt == streamStart.addingTimeInterval(42))
        #expect(segments.map(\.start) == [0, 10] && segments.map(\.end) == [1.5, 12])
        #expect(!lifecycle.isOpen && lifecycle.tick(now: t0.addingTimeInterval(999)) == nil)
    }

    @Test("Timeouts: below 120 s becomes 120 s, −1 is four hours")
    func timeouts() {
        #expect(ConversationLifecycle(timeoutSeconds: 30).timeout == .seconds(120))
        #expect(ConversationLifecycle(timeoutSeconds: 600).timeout == .seconds(600))
        #expect(ConversationLifecycle(timeoutSeconds: -1).timeout == .seconds(14_400))
    }

    @Test("Heuristic summary: title, overview, category, emoji and action items from the transcript")
    func heuristic() {
        let structured = HeuristicSummarizer.summarize([
            TranscriptSegment(text: "The quarterly deck is almost done.", start: 0, end: 2),
            TranscriptSegment(text: "Can you send me the deck by Friday? Sure.", start: 2, end: 5),
            TranscriptSegment(text: "Remind me to book the meeting room", start: 5, end: 7),
        ])
        #expect(structured.title == "The quarterly deck is almost done")
        #expect(structured.overview == "The quarterly deck is almost done. Can you send me the deck by Friday?")
        #expect(structured.category == "work" && structured.emoji == "💼")
        #expect(structured.actionItems.map(\.description) == ["Can you send me the deck by Friday?", "Remind me to book the meeting room"])
        #expect(HeuristicSummarizer.summarize([]).title == "Conversation")
    }
}
