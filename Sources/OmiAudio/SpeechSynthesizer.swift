import Foundation

/// Speech from espeak-ng (Debian `espeak-ng`, installed by scripts/bootstrap), as 16 kHz mono PCM16: the demo's
/// and simulator's default audio, and the test harness's utterances.
public enum SpeechSynthesizer {
    public static let executable = "/usr/bin/espeak-ng"

    /// Speaks `text` at `wordsPerMinute` with `voice` (espeak-ng voice name, e.g. `en-us`).
    public static func speak(_ text: String, voice: String = "en-us", wordsPerMinute: Int = 160) throws(AudioFileError)
        -> PCMAudio
    {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("omi-speech-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: url) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-v", voice, "-s", String(wordsPerMinute), "-w", url.path, "--", text]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch {
            throw AudioFileError(path: executable, reason: "cannot run espeak-ng (install it: scripts/bootstrap): \(error)")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw AudioFileError(path: executable, reason: "espeak-ng failed with status \(process.terminationStatus)")
        }
        return try PCMAudio.load(path: url.path).audio
    }
}
