/// Splits codec frames into Omi notifications for a given MTU (omi-contract §2.1, §8): each notification is the
/// 3-byte header plus at most `MTU − 3` codec bytes, the index increments on every notification and wraps.
public struct OmiPacketizer: Sendable {
    public let mtu: Int
    public private(set) var nextIndex: UInt16

    /// - Parameters:
    ///   - mtu: the ATT MTU, 23…517.
    ///   - firstIndex: where the packet index starts (tests start near 65535 to exercise the wrap).
    public init(mtu: Int, firstIndex: UInt16 = 0) {
        precondition((23...OmiPacket.maxLength).contains(mtu), "ATT MTU must be 23…517, got \(mtu)")
        self.mtu = mtu
        nextIndex = firstIndex
    }

    public var maxPayload: Int { mtu - OmiPacket.headerLength }

    /// The notifications carrying one frame, in order. An empty frame still takes one notification.
    public mutating func packetize(_ frame: [UInt8]) -> [[UInt8]] {
        var packets: [[UInt8]] = []
        var offset = 0
        var fragment: UInt8 = 0
        repeat {
            let n = min(maxPayload, frame.count - offset)
            var packet = [UInt8(truncatingIfNeeded: nextIndex), UInt8(truncatingIfNeeded: nextIndex >> 8), fragment]
            packet.append(contentsOf: frame[offset..<(offset + n)])
            packets.append(packet)
            nextIndex &+= 1
            fragment &+= 1
            offset += n
        } while offset < frame.count
        return packets
    }
}
