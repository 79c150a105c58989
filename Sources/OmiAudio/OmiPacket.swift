/// One BLE notification from the Omi audio characteristic (`19B10001`): a 3-byte header and codec bytes.
///
/// omi-contract §2.1: bytes 0–1 are the packet index (u16 little-endian, +1 per notification, wrapping),
/// byte 2 is the fragment index inside one codec frame (0 starts a frame), the rest is payload.
public struct OmiPacket: Equatable, Sendable {
    /// Size of the header that precedes the codec bytes.
    public static let headerLength = 3
    /// The largest notification the bridge accepts: the largest ATT MTU (517) — firmware sends up to `MTU` bytes
    /// (omi-contract §8, "MTU off-by-3"), so anything longer cannot have come from a device.
    public static let maxLength = 517

    public var index: UInt16
    public var fragment: UInt8

    /// Parses the header of `bytes`, which must be one whole notification.
    public init(header bytes: UnsafeRawBufferPointer) throws(OmiPacketError) {
        guard bytes.count >= Self.headerLength else { throw .tooShort(length: bytes.count) }
        guard bytes.count <= Self.maxLength else { throw .tooLong(length: bytes.count) }
        index = UInt16(bytes[0]) | UInt16(bytes[1]) << 8
        fragment = bytes[2]
    }

    public init(index: UInt16, fragment: UInt8) {
        self.index = index
        self.fragment = fragment
    }

    /// Writes the 3-byte header into `out`, which must hold at least 3 bytes.
    public func writeHeader(into out: UnsafeMutableRawBufferPointer) {
        out[0] = UInt8(truncatingIfNeeded: index)
        out[1] = UInt8(truncatingIfNeeded: index >> 8)
        out[2] = fragment
    }
}

/// Why a notification could not be parsed as an Omi audio packet.
public enum OmiPacketError: Error, Equatable, Sendable, CustomStringConvertible {
    case tooShort(length: Int)
    case tooLong(length: Int)

    public var description: String {
        switch self {
        case .tooShort(let length):
            "audio notification of \(length) bytes is shorter than the 3-byte Omi header"
        case .tooLong(let length):
            "audio notification of \(length) bytes is longer than any ATT MTU (\(OmiPacket.maxLength))"
        }
    }
}
