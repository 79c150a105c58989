import Foundation
public import Transcription

/// Request bodies exactly as the Omi backend sends them: compact JSON, UTF-8 unescaped (omi-contract §3.2, §3.4,
/// §3.6). These bytes are what is sent and what is signed.
public enum WebhookPayloads {
    /// `transcript_processed`: `{"session_id", "segments"}`, or in `documented-array` mode a bare array of
    /// segments that also carry `speakerId` (omi-contract §3.2). `sessionID` is the uid in `backend` mode.
    public static func transcript(
        _ segments: [TranscriptSegment], sessionID: String, contract: AppManifest.TranscriptContract
    ) -> [UInt8] {
        switch contract {
        case .backend, .documented: encode(TranscriptBody(session_id: sessionID, segments: segments))
        case .documentedArray: encode(segments.map(ArraySegment.init))
        }
    }

    /// `audio_bytes`: raw PCM16 little-endian mono (omi-contract §3.4).
    public static func audio(_ samples: some Collection<Int16>) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(samples.count * 2)
        for sample in samples {
            let bits = UInt16(bitPattern: sample)
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
        }
        return bytes
    }

    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // The values are plain strings and numbers; encoding them cannot fail.
        return (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }

    private struct TranscriptBody: Encodable {
        var session_id: String
        var segments: [TranscriptSegment]
    }

    /// A segment as the Integrations docs page shows it: the segment fields plus `speakerId`.
    private struct ArraySegment: Encodable {
        var segment: TranscriptSegment

        enum Keys: String, CodingKey { case speakerId }

        func encode(to encoder: any Encoder) throws {
            try segment.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(segment.speakerID, forKey: .speakerId)
        }
    }
}
