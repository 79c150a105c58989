import Foundation

/// Mono PCM16 audio at the pipeline rate (16 kHz), loaded from audio or raw files.
public struct PCMAudio: Equatable, Sendable {
    public var samples: [Int16]
    public var sampleRate: Int

    public init(samples: [Int16], sampleRate: Int = OmiCodec.outputSampleRate) {
        self.samples = samples
        self.sampleRate = sampleRate
    }

    public var duration: Double { Double(samples.count) / Double(sampleRate) }

    /// Loads `path` as 16 kHz mono PCM16. Files of other rates, encodings or channel counts are converted and the
    /// conversion is described in `notes` (for the user, not an error). Files ending in `.pcm`, `.raw` or `.s16`
    /// are taken as headerless 16 kHz mono PCM16 LE; anything else goes to libsndfile (WAV, FLAC, Ogg, AIFF…).
    public static func load(path: String) throws(AudioFileError) -> (audio: PCMAudio, notes: [String]) {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "pcm", "raw", "s16":
            let bytes: [UInt8]
            do { bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
                throw AudioFileError(path: path, reason: "cannot read: \(error.localizedDescription)")
            }
            guard bytes.count % 2 == 0 else {
                throw AudioFileError(path: path, reason: "raw PCM16 file has an odd byte count (\(bytes.count))")
            }
            let samples = stride(from: 0, to: bytes.count, by: 2).map {
                Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8)
            }
            return (PCMAudio(samples: samples), [])
        default:
            return try converting(AudioFile.read(path: path), source: path)
        }
    }

    /// Converts decoded samples to 16 kHz mono PCM16, saying what was converted.
    public static func converting(_ file: AudioFile.Decoded, source: String) throws(AudioFileError)
        -> (audio: PCMAudio, notes: [String])
    {
        var notes: [String] = []
        var mono = file.interleaved
        if file.channels > 1 {
            let frames = file.interleaved.count / file.channels
            mono = (0..<frames).map { f in
                var sum: Float = 0
                for c in 0..<file.channels { sum += file.interleaved[f * file.channels + c] }
                return sum / Float(file.channels)
            }
            notes.append("\(source): mixed \(file.channels) channels down to mono")
        }
        if file.sampleRate != OmiCodec.outputSampleRate {
            do {
                mono = try StreamResampler.convert(mono, from: file.sampleRate, to: OmiCodec.outputSampleRate)
            } catch {
                throw AudioFileError(path: source, reason: error.description)
            }
            notes.append("\(source): resampled \(file.sampleRate) Hz to \(OmiCodec.outputSampleRate) Hz")
        }
        if !file.isPCM16 {
            notes.append("\(source): converted \(file.encodingName) samples to 16-bit PCM")
        }
        // ×32768 undoes libsndfile's /32768 of 16-bit input exactly; clamping guards +1.0 and out-of-range floats.
        let samples = mono.map { Int16(clamping: Int(($0 * 32768).rounded())) }
        return (PCMAudio(samples: samples), notes)
    }
}
