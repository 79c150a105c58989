/// What the reassembler has seen so far. Every notification lands in exactly one of `duplicates`, `malformed`,
/// `orphanFragments` or the frames/fragments that made it into frames.
public struct ReassemblyCounters: Equatable, Sendable, Codable {
    /// Notifications handed to the reassembler, valid or not.
    public var received = 0
    /// Complete frames emitted.
    public var frames = 0
    /// Notifications dropped because they repeated the previous one byte for byte.
    public var duplicates = 0
    /// Notifications missing from the index sequence (gaps between consecutive indices).
    public var lostNotifications = 0
    /// Frames that could not be completed: discarded partial frames plus frames estimated to have started in gaps.
    /// Exact when every frame fits one notification (MTU ≥ 166 for CV1); an estimate otherwise.
    public var lostFrames = 0
    /// Stream resets (index jumped backwards, or the same index with other bytes).
    public var resets = 0
    /// Notifications too short or too long to be Omi packets.
    public var malformed = 0
    /// Fragments with index > 0 that did not continue a frame we had the start of.
    public var orphanFragments = 0
    /// Frames longer than the reassembly buffer; dropped and counted in `lostFrames` too.
    public var oversizedFrames = 0

    public init() {}
}
