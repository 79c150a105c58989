public import Foundation

/// Mono PCM16 audio at the pipeline rate (16 kHz), loaded from WAV or raw files.
public struct PCMAudio: Equatable, Sendable {
    public var samples: [Int16]
    public var sampleRate: Int

    public init(samples: [Int16], sampleRate: Int = OmiCodec.outputSampleRate) {
        self.samples = samples
        self.sampleRate = sampleRate
    }

    public var duration: Double { Double(samples.count) / Double(sampleRate) }

    /// Loads `url` as 16 kHz mono PCM16. WAV files of other rates, widths or channel counts are converted and the
    /// conversion is described in `notes` (for the user, not an error). Files ending in `.pcm`, `.raw` or `.s16`
    /// are taken as headerless 16 kHz mono PCM16 LE.
    public static func load(_ url: URL) throws(AudioFileError) -> (audio: PCMAudio, notes: [String]) {
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: url)) } catch {
            throw AudioFileError(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        switch url.pathExtension.lowercased() {
        case "pcm", "raw", "s16":
            guard bytes.count % 2 == 0 else {
                throw AudioFileError(path: url.path, reason: "raw PCM16 file has an odd byte count (\(bytes.count))")
            }
            let samples = stride(from: 0, to: bytes.count, by: 2).map {
                Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8)
            }
            return (PCMAudio(samples: samples), [])
        default:
            let wav = try WAVFile.read(bytes, source: url.path)
            return try fromWAV(wav, source: url.path)
        }
    }

    /// Converts decoded WAV samples to 16 kHz mono PCM16, saying what was converted.
    public static func fromWAV(_ wav: WAVFile.Decoded, source: String) throws(AudioFileError)
        -> (audio: PCMAudio, notes: [String])
    {
        var notes: [String] = []
        var mono = wav.interleaved
        if wav.channels > 1 {
            let frames = wav.interleaved.count / wav.channels
            mono = (0..<frames).map { f in
                var sum: Float = 0
                for c in 0..<wav.channels { sum += wav.interleaved[f * wav.channels + c] }
                return sum / Float(wav.channels)
            }
            notes.append("\(source): mixed \(wav.channels) channels down to mono")
        }
        if wav.sampleRate != OmiCodec.outputSampleRate {
            do {
                mono = try StreamResampler.convert(mono, from: wav.sampleRate, to: OmiCodec.outputSampleRate)
            } catch {
                throw AudioFileError(path: source, reason: error.description)
            }
            notes.append("\(source): resampled \(wav.sampleRate) Hz to \(OmiCodec.outputSampleRate) Hz")
        }
        if wav.isFloat || wav.bitsPerSample != 16 {
            notes.append(
                "\(source): converted \(wav.bitsPerSample)-bit \(wav.isFloat ? "float" : "integer") samples to 16-bit")
        }
        // ×32768 undoes the /32768 of 16-bit input exactly; clamping guards +1.0 and out-of-range floats.
        let samples = mono.map { Int16(clamping: Int(($0 * 32768).rounded())) }
        return (PCMAudio(samples: samples), notes)
    }
}
