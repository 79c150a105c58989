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
        let arguments = ["-v", voice, "-s", String(wordsPerMinute), "-w", url.path, "--", text]
        switch ChildProcess.runBlocking(executable, arguments, timeout: .seconds(60)) {
        case .failure(let failure):
            throw AudioFileError(path: executable, reason: "\(failure) (install espeak-ng: scripts/bootstrap)")
        case .success(let outcome) where outcome.status != 0:
            throw AudioFileError(
                path: executable,
                reason: "espeak-ng failed (\(outcome.status.map { "status \($0)" } ?? "killed")): "
                    + String(decoding: outcome.stderr, as: UTF8.self))
        case .success:
            break
        }
        return try PCMAudio.load(path: url.path).audio
    }
}
