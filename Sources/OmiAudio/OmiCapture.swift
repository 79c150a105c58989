public import Foundation

/// A recording of raw Omi audio notifications: the `.omicap` format (docs/omicap.md).
///
/// Little-endian throughout. A 32-byte header — magic `OMICAP\r\n`, u16 version (1), u16 header length, u8 codec
/// id, u8 flags (0), u16 MTU, i64 capture start (Unix ns, 0 = unknown), 8 reserved bytes — then one record per
/// notification: u64 monotonic ns since the capture started, u16 length, the notification bytes as received.
/// Readers skip header bytes beyond those they know (a longer header length), so version 1 can grow fields.
public struct OmiCapture: Equatable, Sendable {
    public static let magic: [UInt8] = Array("OMICAP\r\n".utf8)
    public static let version: UInt16 = 1
    public static let headerLength = 32
    public static let recordHeaderLength = 10

    public struct Record: Equatable, Sendable {
        public var timestampNanos: UInt64
        public var bytes: [UInt8]

        public init(timestampNanos: UInt64, bytes: [UInt8]) {
            self.timestampNanos = timestampNanos
            self.bytes = bytes
        }
    }

    public var codec: OmiCodec
    public var mtu: Int
    public var startUnixNanos: Int64
    public var records: [Record]

    public init(codec: OmiCodec, mtu: Int, startUnixNanos: Int64 = 0, records: [Record] = []) {
        self.codec = codec
        self.mtu = mtu
        self.startUnixNanos = startUnixNanos
        self.records = records
    }

    /// Seconds from the first to the last notification.
    public var duration: Double {
        guard let first = records.first, let last = records.last else { return 0 }
        return Double(last.timestampNanos - first.timestampNanos) / 1e9
    }

    /// The file's bytes.
    public func serialized() -> [UInt8] {
        var out = Self.header(codec: codec, mtu: mtu, startUnixNanos: startUnixNanos)
        out.reserveCapacity(out.count + records.reduce(0) { $0 + $1.bytes.count + Self.recordHeaderLength })
        for record in records { Self.appendRecord(record, to: &out) }
        return out
    }

    public static func header(codec: OmiCodec, mtu: Int, startUnixNanos: Int64) -> [UInt8] {
        var out = magic
        out.appendLittleEndian(version)
        out.appendLittleEndian(UInt16(headerLength))
        out.append(codec.rawValue)
        out.append(0)
        out.appendLittleEndian(UInt16(clamping: mtu))
        out.appendLittleEndian(UInt64(bitPattern: startUnixNanos))
        out.append(contentsOf: repeatElement(0, count: 8))
        return out
    }

    public static func appendRecord(_ record: Record, to out: inout [UInt8]) {
        out.appendLittleEndian(record.timestampNanos)
        out.appendLittleEndian(UInt16(record.bytes.count))
        out.append(contentsOf: record.bytes)
    }

    /// Parses a whole file. A damaged file throws `OmiCaptureError` naming the byte offset; `partial` on the
    /// error holds every record before the damage so callers can still use them.
    public init(bytes: [UInt8], source: String = "capture") throws(OmiCaptureError) {
        var reader = ByteReader(bytes)
        let fail = { (offset: Int, problem: OmiCaptureError.Problem, partial: OmiCapture?) in
            OmiCaptureError(source: source, offset: offset, problem: problem, partial: partial)
        }
        guard bytes.count >= Self.headerLength else { throw fail(0, .truncatedHeader(length: bytes.count), nil) }
        guard Array(bytes[0..<8]) == Self.magic else { throw fail(0, .badMagic, nil) }
        reader.offset = 8
        let version = reader.u16()
        guard version == Self.version else { throw fail(8, .unsupportedVersion(version), nil) }
        let headerLength = Int(reader.u16())
        guard headerLength >= Self.headerLength, headerLength <= bytes.count else {
            throw fail(10, .badHeaderLength(headerLength), nil)
        }
        let codecID = reader.u8()
        let codec: OmiCodec
        do { codec = try OmiCodec(id: codecID) } catch { throw fail(12, .unknownCodec(codecID), nil) }
        _ = reader.u8()
        let mtu = Int(reader.u16())
        let start = Int64(bitPattern: reader.u64())
        self.init(codec: codec, mtu: mtu, startUnixNanos: start)
        reader.offset = headerLength

        var lastStamp: UInt64 = 0
        while reader.remaining > 0 {
            let recordOffset = reader.offset
            guard reader.remaining >= Self.recordHeaderLength else {
                throw fail(recordOffset, .truncatedRecord, self)
            }
            let stamp = reader.u64()
            let length = Int(reader.u16())
            guard length <= OmiPacket.maxLength else { throw fail(recordOffset, .recordTooLong(length), self) }
            guard stamp >= lastStamp else { throw fail(recordOffset, .timeWentBackwards, self) }
            guard reader.remaining >= length else { throw fail(recordOffset, .truncatedRecord, self) }
            records.append(Record(timestampNanos: stamp, bytes: reader.bytes(length)))
            lastStamp = stamp
        }
    }

    /// Reads and parses a file.
    public init(contentsOf url: URL) throws(OmiCaptureError) {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw OmiCaptureError(source: url.path, offset: 0, problem: .unreadable(error.localizedDescription))
        }
        try self.init(bytes: [UInt8](data), source: url.path)
    }
}

/// A damaged or unreadable `.omicap`.
public struct OmiCaptureError: Error, CustomStringConvertible, Sendable {
    public enum Problem: Equatable, Sendable {
        case unreadable(String)
        case truncatedHeader(length: Int)
        case badMagic
        case unsupportedVersion(UInt16)
        case badHeaderLength(Int)
        case unknownCodec(UInt8)
        case truncatedRecord
        case recordTooLong(Int)
        case timeWentBackwards
    }

    public var source: String
    /// Byte offset of the header field or record at fault.
    public var offset: Int
    public var problem: Problem
    /// The records read before the damage (nil when the header itself is bad).
    public var partial: OmiCapture?

    public init(source: String, offset: Int, problem: Problem, partial: OmiCapture? = nil) {
        self.source = source
        self.offset = offset
        self.problem = problem
        self.partial = partial
    }

    public var description: String {
        let what: String =
            switch problem {
            case .unreadable(let reason): "cannot read: \(reason)"
            case .truncatedHeader(let length): "not an .omicap file: \(length) bytes is shorter than the header"
            case .badMagic: "not an .omicap file (bad magic)"
            case .unsupportedVersion(let v): "unsupported .omicap version \(v) (this build reads 1)"
            case .badHeaderLength(let n): "corrupt header: header length \(n)"
            case .unknownCodec(let id): "corrupt header: \(OmiCodecError.unknownID(id))"
            case .truncatedRecord: "truncated record"
            case .recordTooLong(let n): "corrupt record: length \(n) exceeds \(OmiPacket.maxLength)"
            case .timeWentBackwards: "corrupt record: timestamp earlier than the previous record's"
            }
        let kept = partial.map { " (\($0.records.count) records before it are intact)" } ?? ""
        return "\(source): \(what) at byte offset \(offset)\(kept)"
    }
}
