import Synchronization
import Transcription

/// A scenario's `transcript: exact` recognizer: the audio still goes through the simulated Omi, BLE, Opus and the
/// endpointer, but each utterance is "recognized" as the next `say` text, so an app is tested against exactly the
/// words of the scenario rather than a speech recognizer's guess. Utterances beyond the script recognize nothing.
final class ScriptedTranscriber: Transcriber {
    let name = "scenario-script"
    private let script: Mutex<[String]>

    init(_ texts: [String]) { script = Mutex(texts.reversed()) }

    func transcribe(_ samples: [Int16]) async throws(TranscriberError) -> [RecognizedSpan] {
        guard let text = script.withLock({ $0.popLast() }) else { return [] }
        return [RecognizedSpan(text: text)]
    }
}
