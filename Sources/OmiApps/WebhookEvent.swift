/// What an app's webhook is called for (`external_integration.triggers_on`, omi-contract §6), and the
/// `X-Omi-Event` names of signed deliveries (§3.6; upstream names `memory_created`, the bridge adds the others).
public enum AppTrigger: String, Sendable, Codable, CaseIterable {
    case memoryCreation = "memory_creation"
    case transcriptProcessed = "transcript_processed"
    case audioBytes = "audio_bytes"

    /// The `X-Omi-Event` header value for deliveries of this trigger.
    public var eventName: String {
        switch self {
        case .memoryCreation: "memory_created"
        case .transcriptProcessed: "transcript_processed"
        case .audioBytes: "audio_bytes"
        }
    }
}
