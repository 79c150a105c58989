import Foundation
import Testing
import Transcription

/// A scripted backend for the fallback logic (an in-memory fake is right for logic; real backends have their own
/// tests against real engines and servers).
private struct Scripted: Transcriber {
    let name: String
    let result: Result<[RecognizedSpan], TranscriberError>
    func transcribe(_ samples: [Int16]) async throws(TranscriberError) -> [RecognizedSpan] { try result.get() }
}

@Suite("Transcriber plumbing")
struct TranscriberTests {
    @Test("The fallback chain transcribes the same utterance with the next backend and reports what failed")
    func fallback() async throws {
        let down = TranscriberError(backend: "deepgram", kind: .unreachable, message: "connection refused")
        let chain = FallbackTranscriber([
            Scripted(name: "deepgram", result: .failure(down)),
            Scripted(name: "pocketsphinx", result: .success([RecognizedSpan(text: "hello there")])),
        ])
        let (spans, backend, failures) = try await chain.transcribeReporting([1, 2, 3])
        #expect(spans == [RecognizedSpan(text: "hello there")])
        #expect(backend == "pocketsphinx" && failures == [down])

        let allDown = FallbackTranscriber([Scripted(name: "a", result: .failure(down)), Scripted(name: "b", result: .failure(down))])
        let error = await #expect(throws: TranscriberError.self) { try await allDown.transcribe([]) }
        #expect(error?.message == "deepgram: unreachable: connection refused; deepgram: unreachable: connection refused")
    }

    @Test("Known hallucinations and empty text are filtered; real speech is not", arguments: [
        ("Thank you for watching!", true), ("  ", true), ("...", true), ("Thank you.", true),
        ("Thank you for the deck.", false), ("Send it by Friday", false),
    ])
    func hallucinations(text: String, rejected: Bool) {
        #expect(HallucinationFilter().rejects(text) == rejected)
    }

    @Test("Segments encode with the Omi field names and types (omi-contract §3.2)")
    func segmentShape() throws {
        let segment = TranscriptSegment(
            id: "5b0e8c1e-3f7a-4d2b-9c1a-2e6f0b7d9a41", text: "Can you send me the deck by Friday?", speakerID: 1,
            start: 12.34, end: 14.9)
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(segment)) as! [String: Any]
        #expect(Set(object.keys) == [
            "id", "text", "speaker", "speaker_id", "is_user", "person_id", "start", "end", "translations",
            "speech_profile_processed", "stt_provider",
        ])
        #expect(object["speaker"] as? String == "SPEAKER_1" && object["speaker_id"] as? Int == 1)
        #expect(object["person_id"] is NSNull && object["is_user"] as? Bool == false)
        #expect((object["translations"] as? [Any])?.isEmpty == true)
        #expect(object["start"] as? Double == 12.34)
        let generated = TranscriptSegment(text: "x", start: 0, end: 1)
        #expect(UUID(uuidString: generated.id) != nil && generated.id == generated.id.lowercased())
    }
}
