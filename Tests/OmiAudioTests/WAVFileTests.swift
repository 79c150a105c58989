import Foundation
import OmiAudio
import Testing

@Suite("WAV and raw PCM I/O")
struct WAVFileTests {
    private func temp(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("omi-wav-\(UUID().uuidString)-\(name)")
    }

    @Test("16 kHz mono PCM16 round-trips bit-exactly and without notes")
    func roundTrip() throws {
        let samples = TestAudio.speechLike(seconds: 0.5) + [Int16.min, Int16.max, 0, -1]
        let url = temp("a.wav")
        defer { try? FileManager.default.removeItem(at: url) }
        try WAVFile.write(samples, to: url)
        let (audio, notes) = try PCMAudio.load(url)
        #expect(audio.samples == samples)
        #expect(notes.isEmpty)
    }

    @Test("Stereo 44.1 kHz float is mixed down and resampled, with a note saying so")
    func converts() throws {
        let frames = 44_100
        var interleaved: [Float] = []
        for i in 0..<frames {
            let v = Float(0.5 * sin(2 * Double.pi * 440 * Double(i) / 44_100))
            interleaved += [v, v]
        }
        let wav = WAVFile.Decoded(
            sampleRate: 44_100, channels: 2, bitsPerSample: 32, isFloat: true, interleaved: interleaved)
        let (audio, notes) = try PCMAudio.fromWAV(wav, source: "in.wav")
        #expect(abs(audio.samples.count - 16_000) <= 2)
        #expect(notes.contains("in.wav: mixed 2 channels down to mono"))
        #expect(notes.contains("in.wav: resampled 44100 Hz to 16000 Hz"))
        let reference = TestAudio.tone(hz: 440, seconds: 1, amplitude: 0.5 * 32768)
        #expect(TestAudio.snr(reference: reference, decoded: audio.samples) > 30)
    }

    @Test("Broken WAV files name the file, the problem and the offset")
    func broken() throws {
        #expect(throws: AudioFileError(path: "x.wav", reason: "not a RIFF/WAVE file at byte offset 0")) {
            try WAVFile.read(Array("garbage!garbage!".utf8), source: "x.wav")
        }
        var adpcm = WAVFile.serialize([1, 2, 3])
        adpcm[20] = 2  // format tag 2 = MS ADPCM
        let error = try #require(throws: AudioFileError.self) { try WAVFile.read(adpcm, source: "y.wav") }
        #expect(error.description == "y.wav: unsupported WAV encoding (format tag 2, 16 bits); use PCM or IEEE float at byte offset 36")
        let noData = Array(WAVFile.serialize([]).prefix(36))
        #expect(throws: AudioFileError.self) { try WAVFile.read(noData, source: "z.wav") }
    }

    @Test("Raw .pcm files are 16 kHz mono PCM16 LE; an odd length is an error")
    func rawPCM() throws {
        let url = temp("a.pcm")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data([1, 0, 0xFF, 0xFF]).write(to: url)
        #expect(try PCMAudio.load(url).audio.samples == [1, -1])
        try Data([1, 0, 2]).write(to: url)
        #expect(throws: AudioFileError.self) { try PCMAudio.load(url) }
    }
}
