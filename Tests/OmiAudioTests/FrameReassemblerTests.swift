import OmiAudio
import Testing

/// Records what the reassembler emits, as values.
private enum Seen: Equatable {
    case frame([UInt8])
    case lost(Int)
    case reset
}

private func packet(_ index: UInt16, _ fragment: UInt8, _ payload: [UInt8]) -> [UInt8] {
    [UInt8(index & 0xFF), UInt8(index >> 8), fragment] + payload
}

private func run(_ packets: [[UInt8]], mtu: Int = 23, finish: Bool = true) -> ([Seen], ReassemblyCounters) {
    var reassembler = FrameReassembler(mtu: mtu)
    var seen: [Seen] = []
    let record: (FrameReassembler.Event) -> Void = { event in
        switch event {
        case .frame(let bytes): seen.append(.frame(Array(bytes)))
        case .lost(let count): seen.append(.lost(count))
        case .reset: seen.append(.reset)
        }
    }
    for p in packets { p.withUnsafeBytes { reassembler.ingest($0, emit: record) } }
    if finish { reassembler.finish(emit: record) }
    return (seen, reassembler.counters)
}

/// A full-size fragment for MTU 23 (20 payload bytes).
private func full(_ byte: UInt8) -> [UInt8] { [UInt8](repeating: byte, count: 20) }

@Suite("FrameReassembler (omi-contract §2.1)")
struct FrameReassemblerTests {
    @Test("Fragments join into one frame; a short fragment ends it at once")
    func joinsFragments() {
        let (seen, counters) = run(
            [packet(0, 0, full(1)), packet(1, 1, full(2)), packet(2, 2, [3, 3])], finish: false)
        #expect(seen == [.frame(full(1) + full(2) + [3, 3])])
        #expect(counters.frames == 1 && counters.received == 3)
    }

    @Test("A frame of only full fragments is completed by the next start, or by finish")
    func fullFragmentsWaitForNextStart() {
        let (seen, _) = run([packet(0, 0, full(1)), packet(1, 1, full(2)), packet(2, 0, [9])], finish: false)
        #expect(seen == [.frame(full(1) + full(2)), .frame([9])])
        let (tail, _) = run([packet(0, 0, full(1))], finish: true)
        #expect(tail == [.frame(full(1))])
    }

    @Test("Index wraps from 65535 to 0 without loss or reset")
    func wraparound() {
        let (seen, counters) = run([packet(65534, 0, [1]), packet(65535, 0, [2]), packet(0, 0, [3]), packet(1, 0, [4])])
        #expect(seen == [.frame([1]), .frame([2]), .frame([3]), .frame([4])])
        #expect(counters.lostNotifications == 0 && counters.resets == 0)
    }

    @Test("A fragmented frame can straddle the wrap")
    func fragmentAcrossWrap() {
        let (seen, _) = run([packet(65535, 0, full(1)), packet(0, 1, [2])])
        #expect(seen == [.frame(full(1) + [2])])
    }

    @Test("An identical repeat is a duplicate and is dropped")
    func duplicates() {
        let (seen, counters) = run([packet(5, 0, [1]), packet(5, 0, [1]), packet(5, 0, [1]), packet(6, 0, [2])])
        #expect(seen == [.frame([1]), .frame([2])])
        #expect(counters.duplicates == 2 && counters.resets == 0 && counters.received == 4)
    }

    @Test("Same index with other bytes is a stream reset")
    func sameIndexOtherBytesResets() {
        let (seen, counters) = run([packet(5, 0, [1]), packet(5, 0, [7])])
        #expect(seen == [.frame([1]), .reset, .frame([7])])
        #expect(counters.resets == 1 && counters.duplicates == 0)
    }

    @Test("A backwards jump (delta ≥ 0x8000) is a stream reset that discards the open frame")
    func backwardsJumpResets() {
        let (seen, counters) = run([packet(100, 0, full(1)), packet(3, 0, [5]), packet(4, 0, [6])])
        #expect(seen == [.reset, .frame([5]), .frame([6])])
        #expect(counters.resets == 1 && counters.lostFrames == 1 && counters.lostNotifications == 0)
    }

    @Test("Gaps count exactly the missing notifications; unfragmented frames lost equal them", arguments: [1, 2, 7, 0x7FFE])
    func gapsCountExact(missing: Int) {
        let next = UInt16(truncatingIfNeeded: 10 + missing + 1)
        let (seen, counters) = run([packet(10, 0, [1]), packet(next, 0, [2])])
        #expect(counters.lostNotifications == missing)
        #expect(counters.lostFrames == missing)
        #expect(seen == [.frame([1]), .lost(missing), .frame([2])])
    }

    @Test("A gap inside a fragmented frame loses that frame only")
    func gapInsideFrame() {
        // Frame A = fragments 0,1,2 (1 is lost); frame B starts right after.
        let (seen, counters) = run([packet(0, 0, full(1)), packet(2, 2, [3]), packet(3, 0, [4])])
        #expect(counters.lostNotifications == 1 && counters.lostFrames == 1)
        #expect(seen == [.lost(1), .frame([4])])
        #expect(counters.orphanFragments == 1)
    }

    @Test("Fragments out of order discard the frame and count it lost")
    func outOfOrderFragments() {
        // Contiguous indices but fragment numbers skip (0 → 2): the frame is discarded.
        let (seen, counters) = run([packet(0, 0, full(1)), packet(1, 2, full(2)), packet(2, 0, [3])])
        #expect(seen == [.lost(1), .frame([3])])
        #expect(counters.lostFrames == 1)
    }

    @Test("A fragment without a start is ignored until the next start")
    func fragmentWithoutStart() {
        let (seen, counters) = run([packet(0, 1, full(1)), packet(1, 2, [2]), packet(2, 0, [3])])
        #expect(seen == [.frame([3])])
        #expect(counters.orphanFragments == 2 && counters.lostFrames == 0)
    }

    @Test("Malformed notifications are counted and skipped")
    func malformed() {
        let (seen, counters) = run([[1, 2], [], packet(0, 0, [1]), [UInt8](repeating: 0, count: 600)])
        #expect(seen == [.frame([1])])
        #expect(counters.malformed == 3 && counters.received == 4)
    }

    @Test("10^5 random byte strings never crash and every notification is accounted for")
    func fuzz() {
        var random = SplitMix64(seed: 2026)
        var reassembler = FrameReassembler(mtu: 64)
        var frames = 0
        for _ in 0..<100_000 {
            let length = Int(random.next() % 80)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if length >= 3 && random.next() % 4 != 0 { bytes[2] = UInt8(random.next() % 3) }  // plausible fragments
            bytes.withUnsafeBytes { reassembler.ingest($0) { if case .frame = $0 { frames += 1 } } }
        }
        let c = reassembler.counters
        #expect(c.received == 100_000)
        #expect(c.frames == frames && frames > 0)
        #expect(c.malformed > 0 && c.resets > 0)
    }
}
