public import Foundation

/// RIFF/WAVE reading and writing. Reads PCM 8/16/24/32-bit and IEEE float 32/64 (plain or WAVE_FORMAT_EXTENSIBLE),
/// any channel count and rate; `PCMAudio.load` converts to the pipeline's 16 kHz mono PCM16.
public enum WAVFile {
    /// The samples of a WAV file as floats in [-1, 1], channels interleaved.
    public struct Decoded: Sendable {
        public var sampleRate: Int
        public var channels: Int
        public var bitsPerSample: Int
        public var isFloat: Bool
        public var interleaved: [Float]

        public init(sampleRate: Int, channels: Int, bitsPerSample: Int, isFloat: Bool, interleaved: [Float]) {
            self.sampleRate = sampleRate
            self.channels = channels
            self.bitsPerSample = bitsPerSample
            self.isFloat = isFloat
            self.interleaved = interleaved
        }
    }

    public static func read(_ bytes: [UInt8], source: String) throws(AudioFileError) -> Decoded {
        func fail(_ offset: Int, _ reason: String) -> AudioFileError {
            AudioFileError(path: source, reason: "\(reason) at byte offset \(offset)")
        }
        guard bytes.count >= 12, Array(bytes[0..<4]) == Array("RIFF".utf8), Array(bytes[8..<12]) == Array("WAVE".utf8)
        else { throw fail(0, "not a RIFF/WAVE file") }
        var reader = ByteReader(bytes)
        reader.offset = 12
        var format: (tag: UInt16, channels: Int, rate: Int, bits: Int)?
        while reader.remaining >= 8 {
            let chunkOffset = reader.offset
            let id = String(decoding: reader.bytes(4), as: UTF8.self)
            let size = Int(reader.u32())
            switch id {
            case "fmt ":
                guard size >= 16, reader.remaining >= 16 else { throw fail(chunkOffset, "truncated fmt chunk") }
                let start = reader.offset
                var tag = reader.u16()
                let channels = Int(reader.u16())
                let rate = Int(reader.u32())
                _ = reader.u32()
                _ = reader.u16()
                let bits = Int(reader.u16())
                if tag == 0xFFFE {
                    guard size >= 40, reader.remaining >= 24 else {
                        throw fail(chunkOffset, "truncated WAVE_FORMAT_EXTENSIBLE fmt chunk")
                    }
                    reader.offset = start + 24
                    tag = reader.u16()  // first two bytes of the sub-format GUID
                }
                guard channels > 0, rate > 0 else {
                    throw fail(chunkOffset, "fmt chunk has \(channels) channels at \(rate) Hz")
                }
                format = (tag, channels, rate, bits)
                reader.offset = min(bytes.count, start + size + size % 2)
            case "data":
                guard let format else { throw fail(chunkOffset, "data chunk before fmt chunk") }
                // Streams written while recording often leave the size at 0 or 0xFFFFFFFF: take what is there.
                let available = size == 0 || size > reader.remaining ? reader.remaining : size
                let samples = try decodeSamples(
                    Array(bytes[reader.offset..<(reader.offset + available)]), tag: format.tag, bits: format.bits,
                    fail: { fail(chunkOffset, $0) })
                return Decoded(
                    sampleRate: format.rate, channels: format.channels, bitsPerSample: format.bits,
                    isFloat: format.tag == 3, interleaved: samples)
            default:
                reader.offset = min(bytes.count, reader.offset + size + size % 2)
            }
        }
        throw fail(reader.offset, "no data chunk")
    }

    private static func decodeSamples(
        _ data: [UInt8], tag: UInt16, bits: Int, fail: (String) -> AudioFileError
    ) throws(AudioFileError) -> [Float] {
        switch (tag, bits) {
        case (1, 8): return data.map { (Float($0) - 128) / 128 }
        case (1, 16):
            return stride(from: 0, to: data.count - 1, by: 2).map {
                Float(Int16(bitPattern: UInt16(data[$0]) | UInt16(data[$0 + 1]) << 8)) / 32768
            }
        case (1, 24):
            return stride(from: 0, to: data.count - 2, by: 3).map {
                let v = Int32(bitPattern: UInt32(data[$0]) << 8 | UInt32(data[$0 + 1]) << 16 | UInt32(data[$0 + 2]) << 24)
                return Float(v >> 8) / 8_388_608
            }
        case (1, 32):
            return stride(from: 0, to: data.count - 3, by: 4).map { Float(int32(data, $0)) / 2_147_483_648 }
        case (3, 32):
            return stride(from: 0, to: data.count - 3, by: 4).map { Float(bitPattern: UInt32(bitPattern: int32(data, $0))) }
        case (3, 64):
            return stride(from: 0, to: data.count - 7, by: 8).map {
                Float(Double(bitPattern: UInt64(UInt32(bitPattern: int32(data, $0)))
                    | UInt64(UInt32(bitPattern: int32(data, $0 + 4))) << 32))
            }
        default:
            throw fail("unsupported WAV encoding (format tag \(tag), \(bits) bits); use PCM or IEEE float")
        }
    }

    private static func int32(_ d: [UInt8], _ i: Int) -> Int32 {
        Int32(bitPattern: UInt32(d[i]) | UInt32(d[i + 1]) << 8 | UInt32(d[i + 2]) << 16 | UInt32(d[i + 3]) << 24)
    }

    /// A canonical 44-byte-header PCM16 mono WAV.
    public static func serialize(_ samples: [Int16], sampleRate: Int = OmiCodec.outputSampleRate) -> [UInt8] {
        var out: [UInt8] = Array("RIFF".utf8)
        out.appendLittleEndian(UInt32(36 + samples.count * 2))
        out += Array("WAVEfmt ".utf8)
        out.appendLittleEndian(UInt32(16))
        out.appendLittleEndian(UInt16(1))
        out.appendLittleEndian(UInt16(1))
        out.appendLittleEndian(UInt32(sampleRate))
        out.appendLittleEndian(UInt32(sampleRate * 2))
        out.appendLittleEndian(UInt16(2))
        out.appendLittleEndian(UInt16(16))
        out += Array("data".utf8)
        out.appendLittleEndian(UInt32(samples.count * 2))
        out.reserveCapacity(out.count + samples.count * 2)
        for s in samples { out.appendLittleEndian(s) }
        return out
    }

    public static func write(_ samples: [Int16], sampleRate: Int = OmiCodec.outputSampleRate, to url: URL)
        throws(AudioFileError)
    {
        do { try Data(serialize(samples, sampleRate: sampleRate)).write(to: url) } catch {
            throw AudioFileError(path: url.path, reason: "cannot write: \(error.localizedDescription)")
        }
    }
}

/// An audio file that cannot be read or written; names the file.
public struct AudioFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
