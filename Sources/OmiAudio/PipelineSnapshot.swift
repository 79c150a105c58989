import Synchronization

/// A point-in-time copy of the pipeline's counters, for logs, `replay --json`, metrics and the dashboard.
public struct PipelineSnapshot: Equatable, Sendable, Codable {
    public var codec: UInt8
    public var mtu: Int
    public var reassembly: ReassemblyCounters
    public var decode: DecodeCounters
    /// Notifications refused because the decoder fell behind (input ring full).
    public var inputOverflows: Int
    /// Decoded chunks refused because the consumer fell behind (PCM ring full).
    public var outputOverflows: Int

    /// Seconds of audio emitted at 16 kHz.
    public var decodedSeconds: Double { Double(decode.samplesOut) / Double(OmiCodec.outputSampleRate) }
}

/// Counters the decoder thread publishes after every notification and any thread may read. Relaxed atomics: each
/// value is exact on its own; a snapshot taken mid-stream may mix values from consecutive notifications.
final class PipelineCounters: Sendable {
    private let values: InlineArray<16, Atomic<Int>>

    private enum Slot: Int, CaseIterable {
        case received, frames, duplicates, lostNotifications, lostFrames, resets, malformed, orphanFragments
        case oversizedFrames, decodedFrames, concealedFrames, droppedFrames, decodeErrors, discontinuities
        case samplesOut, outputOverflows
    }

    init() {
        values = InlineArray { _ in Atomic<Int>(0) }
    }

    func publish(_ r: ReassemblyCounters, _ d: DecodeCounters, outputOverflows: Int) {
        set(.received, r.received)
        set(.frames, r.frames)
        set(.duplicates, r.duplicates)
        set(.lostNotifications, r.lostNotifications)
        set(.lostFrames, r.lostFrames)
        set(.resets, r.resets)
        set(.malformed, r.malformed)
        set(.orphanFragments, r.orphanFragments)
        set(.oversizedFrames, r.oversizedFrames)
        set(.decodedFrames, d.decodedFrames)
        set(.concealedFrames, d.concealedFrames)
        set(.droppedFrames, d.droppedFrames)
        set(.decodeErrors, d.decodeErrors)
        set(.discontinuities, d.discontinuities)
        set(.samplesOut, Int(d.samplesOut))
        set(.outputOverflows, outputOverflows)
    }

    func read() -> (ReassemblyCounters, DecodeCounters, outputOverflows: Int) {
        var r = ReassemblyCounters()
        r.received = get(.received)
        r.frames = get(.frames)
        r.duplicates = get(.duplicates)
        r.lostNotifications = get(.lostNotifications)
        r.lostFrames = get(.lostFrames)
        r.resets = get(.resets)
        r.malformed = get(.malformed)
        r.orphanFragments = get(.orphanFragments)
        r.oversizedFrames = get(.oversizedFrames)
        var d = DecodeCounters()
        d.decodedFrames = get(.decodedFrames)
        d.concealedFrames = get(.concealedFrames)
        d.droppedFrames = get(.droppedFrames)
        d.decodeErrors = get(.decodeErrors)
        d.discontinuities = get(.discontinuities)
        d.samplesOut = Int64(get(.samplesOut))
        return (r, d, get(.outputOverflows))
    }

    private func set(_ slot: Slot, _ value: Int) { values[slot.rawValue].store(value, ordering: .relaxed) }
    private func get(_ slot: Slot) -> Int { values[slot.rawValue].load(ordering: .relaxed) }
}
