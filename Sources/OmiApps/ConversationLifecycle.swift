public import Foundation
public import Transcription

/// When a conversation opens and closes (omi-contract §3.3): the first finalized segment opens one; it closes
/// once no segment has come for the silence timeout (default and minimum 120 s, −1 = 4 h), checked on each
/// `tick` (every 5 s in the service). A pure state machine: the caller passes the time and performs the action.
public struct ConversationLifecycle: Sendable {
    public static let defaultTimeout: Duration = .seconds(120)
    public static let checkInterval: Duration = .seconds(5)

    /// What the owner must do.
    public enum Action: Sendable, Equatable {
        /// The conversation is over: summarize, store and deliver it. Segment times are seconds from `startedAt`.
        case close(startedAt: Date, finishedAt: Date, segments: [TranscriptSegment])
    }

    private struct Open: Sendable {
        var startedAt: Date
        var finishedAt: Date
        /// Stream time (the stage's seconds) at which the conversation started.
        var origin: Double
        var lastActivity: Date
        var segments: [TranscriptSegment]
    }

    public let timeout: Duration
    private var open: Open?

    /// - Parameter timeoutSeconds: the silence timeout; values under 120 become 120 and −1 means 4 hours.
    public init(timeoutSeconds: Int = 120) {
        timeout = timeoutSeconds == -1 ? .seconds(4 * 3600) : .seconds(max(120, timeoutSeconds))
    }

    public var isOpen: Bool { open != nil }

    /// A finalized segment, timed in seconds from `streamStart` (the transcription stage's timeline).
    public mutating func segment(_ segment: TranscriptSegment, streamStart: Date, now: Date) {
        var conversation =
            open
            ?? Open(
                startedAt: streamStart.addingTimeInterval(segment.start),
                finishedAt: streamStart.addingTimeInterval(segment.end), origin: segment.start, lastActivity: now,
                segments: [])
        var rebased = segment
        rebased.start = ((segment.start - conversation.origin) * 1000).rounded() / 1000
        rebased.end = ((segment.end - conversation.origin) * 1000).rounded() / 1000
        conversation.segments.append(rebased)
        conversation.finishedAt = max(conversation.finishedAt, streamStart.addingTimeInterval(segment.end))
        conversation.lastActivity = now
        open = conversation
    }

    /// Closes the conversation when it has been silent for the timeout.
    public mutating func tick(now: Date) -> Action? {
        guard let conversation = open, now.timeIntervalSince(conversation.lastActivity) >= timeout.seconds else {
            return nil
        }
        return close()
    }

    /// Closes what is open now (shutdown: the pipeline is flushed, nothing more will come).
    public mutating func close() -> Action? {
        guard let conversation = open else { return nil }
        open = nil
        return .close(startedAt: conversation.startedAt, finishedAt: conversation.finishedAt, segments: conversation.segments)
    }
}
