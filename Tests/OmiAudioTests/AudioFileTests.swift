import Foundation
import OmiAudio
import Testing

@Suite("Audio file I/O (libsndfile) and conversion to 16 kHz mono")
struct AudioFileTests {
    private func temp(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("omi-audio-\(UUID().uuidString)-\(name)").path
    }

    @Test("16 kHz mono PCM16 WAV round-trips bit-exactly and without notes")
    func roundTrip() throws {
        let samples = TestAudio.speechLike(seconds: 0.5) + [Int16.min, Int16.max, 0, -1]
        let path = temp("a.wav")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try AudioFile.writeWAV(samples, path: path)
        let header = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(12)
        #expect(Array(header.prefix(4)) == Array("RIFF".utf8) && Array(header.suffix(4)) == Array("WAVE".utf8))
        let (audio, notes) = try PCMAudio.load(path: path)
        #expect(audio.samples == samples)
        #expect(notes.isEmpty)
    }

    @Test("espeak-ng's 22.05 kHz WAV is resampled to 16 kHz with a note, keeping its duration")
    func resamplesRealFile() throws {
        let path = temp("speech.wav")
        defer { try? FileManager.default.removeItem(atPath: path) }
        // ChildProcess (posix_spawn + waitpid), not Foundation's Process, whose waitUntilExit needs a free dispatch
        // worker to notice the exit: this synchronous test holds one of the cooperative pool's.
        let outcome = try ChildProcess.runBlocking("/usr/bin/espeak-ng", ["-w", path, "testing one two three"], timeout: .seconds(60)).get()
        #expect(outcome.status == 0)
        let original = try AudioFile.read(path: path)
        #expect(original.sampleRate == 22_050)
        let (audio, notes) = try PCMAudio.load(path: path)
        #expect(notes == ["\(path): resampled 22050 Hz to 16000 Hz"])
        let expected = Double(original.interleaved.count) * 16_000 / 22_050
        #expect(abs(Double(audio.samples.count) - expected) <= 2)
    }

    @Test("Stereo 44.1 kHz float is mixed down and resampled, with notes saying so")
    func converts() throws {
        var interleaved: [Float] = []
        for i in 0..<44_100 {
            let v = Float(0.5 * sin(2 * Double.pi * 440 * Double(i) / 44_100))
            interleaved += [v, v]
        }
        let file = AudioFile.Decoded(
            sampleRate: 44_100, channels: 2, format: 0x01_0006 /* WAV | FLOAT */, interleaved: interleaved)
        let (audio, notes) = try PCMAudio.converting(file, source: "in.wav")
        #expect(abs(audio.samples.count - 16_000) <= 2)
        #expect(notes.contains("in.wav: mixed 2 channels down to mono"))
        #expect(notes.contains("in.wav: resampled 44100 Hz to 16000 Hz"))
        #expect(notes.contains { $0.hasPrefix("in.wav: converted") && $0.hasSuffix("samples to 16-bit PCM") })
        let reference = TestAudio.tone(hz: 440, seconds: 1, amplitude: 0.5 * 32768)
        #expect(TestAudio.snr(reference: reference, decoded: audio.samples) > 30)
    }

    @Test("Unreadable files name the file and libsndfile's reason")
    func broken() throws {
        let path = temp("x.wav")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("garbage!garbage!garbage!".utf8).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: AudioFileError.self) { try PCMAudio.load(path: path) }
        #expect(error.path == path)
        #expect(error.description.hasPrefix("\(path): cannot read audio: "))
        let missing = try #require(throws: AudioFileError.self) { try PCMAudio.load(path: "/nonexistent/a.wav") }
        #expect(missing.path == "/nonexistent/a.wav")
    }

    @Test("Raw .pcm files are 16 kHz mono PCM16 LE; an odd length is an error")
    func rawPCM() throws {
        let path = temp("a.pcm")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data([1, 0, 0xFF, 0xFF]).write(to: URL(fileURLWithPath: path))
        #expect(try PCMAudio.load(path: path).audio.samples == [1, -1])
        try Data([1, 0, 2]).write(to: URL(fileURLWithPath: path))
        #expect(throws: AudioFileError(path: path, reason: "raw PCM16 file has an odd byte count (3)")) {
            try PCMAudio.load(path: path)
        }
    }
}
