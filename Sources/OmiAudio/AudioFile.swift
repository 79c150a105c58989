import CSndFile
import Foundation

/// Audio files through libsndfile: reads anything it knows (WAV in every PCM/float flavour, FLAC, Ogg Vorbis,
/// AIFF, …) and writes PCM16 WAV. `PCMAudio.load` converts what it reads to the pipeline's 16 kHz mono PCM16.
public enum AudioFile {
    /// A file's samples as floats in [-1, 1], channels interleaved.
    public struct Decoded: Sendable {
        public var sampleRate: Int
        public var channels: Int
        /// libsndfile's major/subtype format word, e.g. WAV | PCM_16.
        public var format: Int32
        public var interleaved: [Float]

        public init(sampleRate: Int, channels: Int, format: Int32, interleaved: [Float]) {
            self.sampleRate = sampleRate
            self.channels = channels
            self.format = format
            self.interleaved = interleaved
        }

        /// Whether the samples are 16-bit integers (read without any precision change).
        public var isPCM16: Bool { format & Int32(SF_FORMAT_SUBMASK) == Int32(SF_FORMAT_PCM_16) }

        /// A short name of the sample encoding, for conversion notes.
        public var encodingName: String {
            var info = SF_FORMAT_INFO()
            info.format = format & Int32(SF_FORMAT_SUBMASK)
            guard sf_command(nil, Int32(SFC_GET_FORMAT_INFO), &info, Int32(MemoryLayout<SF_FORMAT_INFO>.size)) == 0,
                let name = info.name
            else { return "format 0x\(String(format, radix: 16))" }
            return String(cString: name)
        }
    }

    public static func read(path: String) throws(AudioFileError) -> Decoded {
        var info = SF_INFO()
        guard let file = sf_open(path, Int32(SFM_READ), &info) else {
            throw AudioFileError(path: path, reason: "cannot read audio: \(String(cString: sf_strerror(nil)))")
        }
        defer { sf_close(file) }
        guard info.channels > 0, info.samplerate > 0 else {
            throw AudioFileError(path: path, reason: "\(info.channels) channels at \(info.samplerate) Hz")
        }
        var samples = [Float](repeating: 0, count: Int(info.frames) * Int(info.channels))
        let read = samples.withUnsafeMutableBufferPointer { sf_readf_float(file, $0.baseAddress, info.frames) }
        samples.removeSubrange((Int(read) * Int(info.channels))...)
        return Decoded(
            sampleRate: Int(info.samplerate), channels: Int(info.channels), format: info.format, interleaved: samples)
    }

    /// Writes mono PCM16 as a WAV file.
    public static func writeWAV(_ samples: [Int16], sampleRate: Int = OmiCodec.outputSampleRate, path: String)
        throws(AudioFileError)
    {
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = 1
        info.format = Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_PCM_16)
        guard let file = sf_open(path, Int32(SFM_WRITE), &info) else {
            throw AudioFileError(path: path, reason: "cannot write: \(String(cString: sf_strerror(nil)))")
        }
        let written = samples.withUnsafeBufferPointer { sf_writef_short(file, $0.baseAddress, sf_count_t($0.count)) }
        let closed = sf_close(file)
        guard written == samples.count, closed == 0 else {
            throw AudioFileError(path: path, reason: "cannot write: short write (\(written) of \(samples.count))")
        }
    }
}

extension AudioFile {
    /// A canonical 44-byte-header PCM16 mono WAV in memory (for uploading an utterance to a recognizer).
    public static func wavBytes(_ samples: [Int16], sampleRate: Int = OmiCodec.outputSampleRate) -> [UInt8] {
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

    /// Writes mono PCM16 as headerless little-endian samples (`.pcm`, the format `PCMAudio.load` reads back).
    public static func writeRawPCM(_ samples: [Int16], path: String) throws(AudioFileError) {
        var bytes = [UInt8]()
        bytes.reserveCapacity(samples.count * 2)
        for s in samples { bytes.appendLittleEndian(s) }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw AudioFileError(path: path, reason: "cannot write")
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
