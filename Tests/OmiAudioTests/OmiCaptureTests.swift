import Foundation
import OmiAudio
import Testing

@Suite(".omicap format")
struct OmiCaptureTests {
    static let capture = OmiCapture(
        codec: .opus20ms, mtu: 185, startUnixNanos: 1_700_000_000_000_000_000,
        records: [
            .init(timestampNanos: 0, bytes: [0, 0, 0, 1, 2, 3]),
            .init(timestampNanos: 20_000_000, bytes: [1, 0, 0]),
            .init(timestampNanos: 20_000_000, bytes: [2, 0, 0] + [UInt8](repeating: 9, count: 182)),
        ])

    @Test("Serialize and parse round trip, header fields included")
    func roundTrip() throws {
        let bytes = Self.capture.serialized()
        #expect(bytes.count == 32 + 3 * 10 + 6 + 3 + 185)
        #expect(Array(bytes[0..<8]) == Array("OMICAP\r\n".utf8))
        #expect(try OmiCapture(bytes: bytes) == Self.capture)
    }

    @Test("A truncated record reports its byte offset and keeps the records before it")
    func truncated() throws {
        let bytes = Self.capture.serialized()
        let cut = Array(bytes.dropLast(5))
        let error = try #require(throws: OmiCaptureError.self) { try OmiCapture(bytes: cut, source: "t.omicap") }
        #expect(error.problem == .truncatedRecord)
        #expect(error.offset == 32 + 16 + 13)
        #expect(error.partial?.records == Array(Self.capture.records.prefix(2)))
        #expect(error.description == "t.omicap: truncated record at byte offset 61 (2 records before it are intact)")
    }

    @Test("Corruption is reported at the offset of the bad field", arguments: [
        (0, OmiCaptureError.Problem.badMagic),
        (8, .unsupportedVersion(0x0107)),
        (12, .unknownCodec(99)),
    ])
    func corruptHeader(offset: Int, problem: OmiCaptureError.Problem) throws {
        var bytes = Self.capture.serialized()
        switch problem {
        case .badMagic: bytes[0] = 0x42
        case .unsupportedVersion: bytes[9] = 0x01; bytes[8] = 0x07
        default: bytes[12] = 99
        }
        let error = try #require(throws: OmiCaptureError.self) { try OmiCapture(bytes: bytes) }
        #expect(error.problem == problem && error.offset == offset)
    }

    @Test("Record length beyond the largest MTU and timestamps going backwards are corruption")
    func corruptRecords() throws {
        var long = Self.capture.serialized()
        long[32 + 8] = 0xFF
        long[32 + 9] = 0x7F
        let e1 = try #require(throws: OmiCaptureError.self) { try OmiCapture(bytes: long) }
        #expect(e1.problem == .recordTooLong(0x7FFF) && e1.offset == 32)

        var backwards = Self.capture
        backwards.records[2].timestampNanos = 5
        let e2 = try #require(throws: OmiCaptureError.self) { try OmiCapture(bytes: backwards.serialized()) }
        #expect(e2.problem == .timeWentBackwards && e2.offset == 32 + 16 + 13)
    }

    @Test("Unknown files are refused clearly")
    func notACapture() throws {
        let error = try #require(throws: OmiCaptureError.self) { try OmiCapture(bytes: Array("hello".utf8)) }
        #expect(error.problem == .truncatedHeader(length: 5) && error.partial == nil)
        let missing = try #require(throws: OmiCaptureError.self) {
            try OmiCapture(contentsOf: URL(fileURLWithPath: "/nonexistent/x.omicap"))
        }
        #expect(missing.description.hasPrefix("/nonexistent/x.omicap: cannot read"))
    }
}
