/// Turns Omi audio notifications back into codec frames (omi-contract §2.1).
///
/// A pure state machine: `ingest` classifies one notification and reports what happened through `emit`, which
/// the owner turns into decoder calls. It owns two preallocated buffers and allocates nothing per packet.
///
/// Rules, in the contract's order:
/// 1. `delta = (index − last) & 0xFFFF`: 1 contiguous; 0 with identical bytes a duplicate (dropped); 0 with other
///    bytes or ≥ 0x8000 a stream reset (all state flushed); 2…0x7FFF means `delta − 1` notifications were lost.
/// 2. Fragment 0 completes the pending frame and starts a new one.
/// 3. Fragment k > 0 is appended only if contiguous and k = previous + 1; otherwise the pending frame is discarded
///    and counted lost.
/// 4. A fragment shorter than `MTU − 3` ends its frame, which is emitted at once.
///
/// Across a gap the pending frame is discarded even when it might have been complete: its last fragment was full
/// size (otherwise it was emitted already), so the missing notifications may have been its continuation, and a
/// truncated Opus frame decodes to noise. How many whole frames started inside a gap is exact when frames are not
/// fragmented and estimated from the stream's running notifications-per-frame ratio when they are.
public struct FrameReassembler: ~Copyable {
    /// What one notification caused. Several events may follow from one notification, in order.
    public enum Event {
        /// A complete codec frame; the bytes are valid only during the callback.
        case frame(UnsafeRawBufferPointer)
        /// `count` frames are missing at this point of the stream; a decoder conceals or skips them.
        case lost(count: Int)
        /// The stream restarted (device reset or reconnect): decoder state must be reset, time is discontinuous.
        case reset
    }

    /// Largest frame accepted: an Opus packet is at most 1275 bytes; PCM frames are one notification.
    public static let maxFrameLength = 4096

    /// Largest codec payload of one fragment, `MTU − 3`; 0 when unknown (frames then end only at the next start).
    public let maxFragmentPayload: Int
    public private(set) var counters = ReassemblyCounters()

    private let frame: UnsafeMutableRawBufferPointer
    private var frameLength = 0
    /// A frame is being collected (its start was seen and nothing since broke it).
    private var frameOpen = false
    /// The open frame was already emitted because its last fragment was short (rule 4).
    private var frameEmitted = false
    private var fragmentsInFrame = 0

    private let previous: UnsafeMutableRawBufferPointer
    private var previousLength = 0
    private var lastIndex: UInt16 = 0
    private var lastFragmentInFrame: UInt8 = 0
    private var haveLast = false

    /// Notifications that went into completed frames, for the notifications-per-frame estimate.
    private var fragmentsInCompletedFrames = 0

    /// - Parameter mtu: the negotiated ATT MTU; pass 0 when unknown.
    public init(mtu: Int) {
        maxFragmentPayload = mtu > OmiPacket.headerLength ? mtu - OmiPacket.headerLength : 0
        frame = .allocate(byteCount: Self.maxFrameLength, alignment: 16)
        previous = .allocate(byteCount: OmiPacket.maxLength, alignment: 16)
    }

    deinit {
        frame.deallocate()
        previous.deallocate()
    }

    /// Feeds one whole notification.
    public mutating func ingest(_ bytes: UnsafeRawBufferPointer, emit: (Event) -> Void) {
        counters.received += 1
        let packet: OmiPacket
        do {
            packet = try OmiPacket(header: bytes)
        } catch {
            counters.malformed += 1
            return
        }
        let payload = UnsafeRawBufferPointer(rebasing: bytes[OmiPacket.headerLength...])

        if haveLast {
            let delta = packet.index &- lastIndex
            if delta == 0 {
                if bytes.elementsEqual(UnsafeRawBufferPointer(rebasing: previous[..<previousLength])) {
                    counters.duplicates += 1
                    return
                }
                reset(emit: emit)
            } else if delta >= 0x8000 {
                reset(emit: emit)
            } else if delta > 1 {
                gap(missing: Int(delta) - 1, next: packet.fragment, emit: emit)
            }
        }
        remember(bytes, packet)

        if packet.fragment == 0 {
            closeFrame(emit: emit)
            frameOpen = true
            frameEmitted = false
            frameLength = 0
            fragmentsInFrame = 0
        } else if !frameOpen || frameEmitted || Int(packet.fragment) != Int(lastFragmentInFrame) + 1 {
            // A continuation we cannot place: the start is missing, the frame already ended, or fragments skipped.
            if frameOpen && !frameEmitted {
                counters.lostFrames += 1
                emit(.lost(count: 1))
            } else {
                counters.orphanFragments += 1
            }
            frameOpen = false
            return
        }
        append(payload, fragment: packet.fragment, emit: emit)
    }

    /// Emits a frame that is still open at the end of the input (a replay's last frame).
    public mutating func finish(emit: (Event) -> Void) {
        closeFrame(emit: emit)
        frameOpen = false
    }

    // MARK: - Steps

    private mutating func append(_ payload: UnsafeRawBufferPointer, fragment: UInt8, emit: (Event) -> Void) {
        guard frameLength + payload.count <= Self.maxFrameLength else {
            counters.oversizedFrames += 1
            counters.lostFrames += 1
            emit(.lost(count: 1))
            frameOpen = false
            return
        }
        if payload.count > 0 {
            UnsafeMutableRawBufferPointer(rebasing: frame[frameLength..<(frameLength + payload.count)])
                .copyMemory(from: payload)
        }
        frameLength += payload.count
        fragmentsInFrame += 1
        lastFragmentInFrame = fragment
        if maxFragmentPayload > 0 && payload.count < maxFragmentPayload {
            deliverFrame(emit: emit)
            frameEmitted = true
        }
    }

    /// Rule 2: a new start (or the end of input) completes the frame being collected.
    private mutating func closeFrame(emit: (Event) -> Void) {
        if frameOpen && !frameEmitted && fragmentsInFrame > 0 {
            deliverFrame(emit: emit)
        }
        frameEmitted = true
    }

    private mutating func deliverFrame(emit: (Event) -> Void) {
        counters.frames += 1
        fragmentsInCompletedFrames += fragmentsInFrame
        emit(.frame(UnsafeRawBufferPointer(rebasing: frame[..<frameLength])))
    }

    private mutating func gap(missing: Int, next fragment: UInt8, emit: (Event) -> Void) {
        counters.lostNotifications += missing
        let pendingUnfinished = frameOpen && !frameEmitted
        var lost = pendingUnfinished ? 1 : 0
        // When `fragment > missing` the next packet continues the frame that was pending before the gap, so that
        // frame is the only loss. Otherwise the gap held the rest of the pending frame, whole frames, and the head
        // of the next packet's frame.
        if Int(fragment) <= missing {
            let perFrame = counters.frames > 0 ? Double(fragmentsInCompletedFrames) / Double(counters.frames) : 1
            let pendingRest = pendingUnfinished ? max(0, perFrame - Double(fragmentsInFrame)) : 0
            let started = Int((max(0, Double(missing - Int(fragment)) - pendingRest) / perFrame).rounded())
            lost += max(started, fragment > 0 ? 1 : 0)
        }
        frameOpen = false
        frameEmitted = true
        if lost > 0 {
            counters.lostFrames += lost
            emit(.lost(count: lost))
        }
    }

    private mutating func reset(emit: (Event) -> Void) {
        counters.resets += 1
        if frameOpen && !frameEmitted { counters.lostFrames += 1 }
        frameOpen = false
        frameEmitted = true
        emit(.reset)
    }

    private mutating func remember(_ bytes: UnsafeRawBufferPointer, _ packet: OmiPacket) {
        UnsafeMutableRawBufferPointer(rebasing: previous[..<bytes.count]).copyMemory(from: bytes)
        previousLength = bytes.count
        lastIndex = packet.index
        haveLast = true
    }
}
