/// What a recognizer heard in one utterance. Times, when the backend gives them, are seconds from the start of
/// the audio it was given; otherwise the whole utterance is one span.
public struct RecognizedSpan: Sendable, Equatable {
    public var text: String
    public var start: Double?
    public var end: Double?
    /// Diarized speaker number, if the backend diarizes.
    public var speaker: Int?
    /// Only a backend with a speech profile can say the wearer spoke.
    public var isUser: Bool?

    public init(text: String, start: Double? = nil, end: Double? = nil, speaker: Int? = nil, isUser: Bool? = nil) {
        self.text = text
        self.start = start
        self.end = end
        self.speaker = speaker
        self.isUser = isUser
    }
}

/// A speech recognizer. Backends get one utterance of 16 kHz mono PCM16 at a time (with padding) and return what
/// they heard; the transcription stage turns that into timed Omi segments.
public protocol Transcriber: Sendable {
    /// The backend's name in config and `stt_provider`.
    var name: String { get }
    func transcribe(_ samples: [Int16]) async throws(TranscriberError) -> [RecognizedSpan]
    /// The spans, which backend produced them, and the failures of backends tried before it (chains override this).
    func transcribeReporting(_ samples: [Int16]) async throws(TranscriberError)
        -> (spans: [RecognizedSpan], backend: String, failures: [TranscriberError])
}

extension Transcriber {
    public func transcribeReporting(_ samples: [Int16]) async throws(TranscriberError)
        -> (spans: [RecognizedSpan], backend: String, failures: [TranscriberError])
    {
        (try await transcribe(samples), name, [])
    }
}

/// A transcription failure, specific enough to act on. The pipeline keeps the audio and tries the next backend.
public struct TranscriberError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case unreachable, timeout, authentication, badResponse, serverError, engine, notConfigured
    }

    public var backend: String
    public var kind: Kind
    public var message: String

    public init(backend: String, kind: Kind, message: String) {
        self.backend = backend
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(backend): \(kind.rawValue): \(message)" }
}

/// Tries each backend in turn on the same utterance: the first that succeeds wins. Every failure is kept so the
/// caller can report them (e.g. `deepgram: unreachable: …; pocketsphinx answered`).
public struct FallbackTranscriber: Transcriber {
    public let chain: [any Transcriber]
    public var name: String { chain.map(\.name).joined(separator: "→") }

    public init(_ chain: [any Transcriber]) {
        precondition(!chain.isEmpty, "a fallback chain needs at least one transcriber")
        self.chain = chain
    }

    public func transcribe(_ samples: [Int16]) async throws(TranscriberError) -> [RecognizedSpan] {
        try await transcribeReporting(samples).spans
    }

    /// The spans, which backend produced them, and the failures before it.
    public func transcribeReporting(_ samples: [Int16]) async throws(TranscriberError)
        -> (spans: [RecognizedSpan], backend: String, failures: [TranscriberError])
    {
        var failures: [TranscriberError] = []
        for backend in chain {
            do {
                return (try await backend.transcribe(samples), backend.name, failures)
            } catch {
                failures.append(error)
            }
        }
        throw TranscriberError(
            backend: name, kind: failures.last?.kind ?? .engine,
            message: failures.map(\.description).joined(separator: "; "))
    }
}
