import Foundation
import OmiAudio
import Testing

@Suite("SPSCRing")
struct SPSCRingTests {
    @Test("Capacity rounds up to a power of two; a full ring refuses and counts the overflow")
    func capacityAndOverflow() {
        let ring = SPSCRing<Int>(minimumCapacity: 5)
        #expect(ring.capacity == 8)
        for i in 0..<8 { #expect(ring.write(i)) }
        #expect(ring.write(99) == false)
        #expect(ring.overflowCount == 1)
        #expect(ring.read() == 0)
        #expect(ring.write(8))
        #expect((0..<8).map { _ in ring.read() } == Array(1...8))
        #expect(ring.read() == nil)
    }

    @Test("Reads are zero-copy in two segments when the data wraps")
    func twoSegments() {
        let ring = SPSCRing<UInt8>(minimumCapacity: 8)
        [1, 2, 3, 4, 5, 6].withUnsafeBufferPointer { _ = ring.write($0) }
        ring.consume(5)
        [7, 8, 9, 10, 11].withUnsafeBufferPointer { _ = ring.write($0) }
        let (a, b) = ring.readableSegments()
        #expect(Array(a) == [6, 7, 8])
        #expect(Array(b) == [9, 10, 11])
        // A multi-part write is all or nothing.
        [1, 2].withUnsafeBufferPointer { x in [3, 4, 5].withUnsafeBufferPointer { y in #expect(!ring.write(x, y)) } }
        #expect(ring.count == 6)
    }

    @Test("Two threads move 10^7 items with no loss or reordering")
    func stress() async {
        let ring = SPSCRing<UInt64>(minimumCapacity: 4096)
        let total: UInt64 = 10_000_000
        let producer = Thread {
            var next: UInt64 = 0
            var chunk = [UInt64](repeating: 0, count: 97)
            var sizer = SplitMix64(seed: 1)
            while next < total {
                let n = Int(min(UInt64(1 + sizer.next() % 97), total - next))
                for i in 0..<n { chunk[i] = next &+ UInt64(i) }
                chunk.withUnsafeBufferPointer { all in
                    let part = UnsafeBufferPointer(rebasing: all[..<n])
                    while !ring.write(part) { _ = ring.waitForSpace(n) }
                }
                next += UInt64(n)
            }
            ring.close()
        }
        producer.start()

        var expected: UInt64 = 0
        var checksum: UInt64 = 0
        var outOfOrder = 0
        while true {
            let (a, b) = ring.readableSegments()
            for segment in [a, b] {
                for value in segment {
                    if value != expected { outOfOrder += 1 }
                    checksum = checksum &* 31 &+ value
                    expected += 1
                }
            }
            if a.count + b.count > 0 {
                ring.consume(a.count + b.count)
            } else if ring.isClosed && ring.count == 0 {
                break
            } else {
                _ = ring.waitForData()
            }
        }
        var reference: UInt64 = 0
        for value in 0..<total { reference = reference &* 31 &+ value }
        #expect(expected == total)
        #expect(outOfOrder == 0)
        #expect(checksum == reference)
    }

    @Test("NotificationRing keeps record boundaries and timestamps across the wrap")
    func notificationRing() {
        let ring = NotificationRing(capacityBytes: 64)
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: 600, alignment: 8)
        defer { out.deallocate() }
        for round in 0..<50 {
            let payload = (0..<(round % 20 + 3)).map { UInt8(truncatingIfNeeded: $0 + round) }
            #expect(payload.withUnsafeBytes { ring.push($0, timestampNanos: UInt64(round) * 1000) })
            let popped = ring.pop(into: out)
            #expect(popped?.length == payload.count)
            #expect(popped?.timestampNanos == UInt64(round) * 1000)
            #expect(Array(out[..<payload.count]) == payload)
        }
        let big = [UInt8](repeating: 1, count: 60)
        #expect(!big.withUnsafeBytes { ring.push($0, timestampNanos: 0) })
        #expect(ring.overflowCount == 1)
    }
}
