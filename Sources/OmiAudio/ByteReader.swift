/// Little-endian reads over a byte array, for file formats. Callers check `remaining` before reading.
struct ByteReader {
    let storage: [UInt8]
    var offset = 0

    init(_ storage: [UInt8]) { self.storage = storage }

    var remaining: Int { storage.count - offset }

    mutating func u8() -> UInt8 {
        defer { offset += 1 }
        return storage[offset]
    }

    mutating func u16() -> UInt16 { UInt16(truncatingIfNeeded: read(2)) }
    mutating func u32() -> UInt32 { UInt32(truncatingIfNeeded: read(4)) }
    mutating func u64() -> UInt64 { read(8) }

    mutating func bytes(_ count: Int) -> [UInt8] {
        defer { offset += count }
        return Array(storage[offset..<(offset + count)])
    }

    private mutating func read(_ width: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<width { value |= UInt64(storage[offset + i]) << (8 * UInt64(i)) }
        offset += width
        return value
    }
}

extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        for i in 0..<(T.bitWidth / 8) { append(UInt8(truncatingIfNeeded: value >> (8 * i))) }
    }
}
