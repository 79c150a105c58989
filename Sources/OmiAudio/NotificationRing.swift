/// BLE notifications in flight from the reader thread to the decoder thread: variable-length records
/// `[u16 length][u64 timestamp ns][bytes]` packed into an `SPSCRing<UInt8>`.
///
/// The producer copies each notification in with one all-or-nothing write and returns; a full ring drops the
/// notification and counts it (`overflowCount`), because a BLE reader must never block. Consumers copy a record
/// into their own preallocated buffer. Neither side allocates.
public final class NotificationRing: Sendable {
    public static let recordHeaderLength = 10
    public let bytes: SPSCRing<UInt8>

    /// - Parameter capacityBytes: room for about `capacityBytes / (MTU + 10)` notifications.
    public init(capacityBytes: Int = 1 << 18) {
        bytes = SPSCRing(minimumCapacity: capacityBytes)
    }

    /// Producer: appends one notification. Returns false (counted as overflow) when the ring is full.
    @discardableResult
    public func push(_ notification: UnsafeRawBufferPointer, timestampNanos: UInt64) -> Bool {
        guard notification.count <= Int(UInt16.max) else {
            bytes.recordOverflow()
            return false
        }
        return withUnsafeTemporaryAllocation(byteCount: Self.recordHeaderLength, alignment: 8) { head in
            head.storeBytes(of: UInt16(notification.count).littleEndian, toByteOffset: 0, as: UInt16.self)
            head.storeBytes(of: timestampNanos.littleEndian, toByteOffset: 2, as: UInt64.self)
            return bytes.write(
                UnsafeBufferPointer(head.assumingMemoryBound(to: UInt8.self)),
                notification.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// Producer: waits until a notification of `length` bytes fits. Only for producers allowed to block.
    public func waitForSpace(length: Int) -> Bool {
        bytes.waitForSpace(length + Self.recordHeaderLength)
    }

    /// Consumer: copies the oldest notification into `out` (which must hold `OmiPacket.maxLength` bytes or the
    /// longest record) and returns its length and timestamp, or nil when the ring is empty.
    public func pop(into out: UnsafeMutableRawBufferPointer) -> (length: Int, timestampNanos: UInt64)? {
        guard bytes.count >= Self.recordHeaderLength else { return nil }
        var length: UInt16 = 0
        var stamp: UInt64 = 0
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.recordHeaderLength) { head in
            let (a, b) = bytes.readableSegments()
            let n1 = min(a.count, Self.recordHeaderLength)
            head.baseAddress!.update(from: a.baseAddress!, count: n1)
            if n1 < Self.recordHeaderLength {
                (head.baseAddress! + n1).update(from: b.baseAddress!, count: Self.recordHeaderLength - n1)
            }
            let raw = UnsafeRawBufferPointer(head)
            length = UInt16(littleEndian: raw.loadUnaligned(as: UInt16.self))
            stamp = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 2, as: UInt64.self))
        }
        bytes.consume(Self.recordHeaderLength)
        let count = Int(length)
        precondition(count <= out.count, "notification record longer than the consumer's buffer")
        let copied = bytes.read(into: out.bindMemory(to: UInt8.self).extracting(..<count))
        precondition(copied == count, "a record's payload is published together with its header")
        return (count, stamp)
    }

    public var isEmpty: Bool { bytes.count == 0 }
    public var overflowCount: Int { bytes.overflowCount }
}
