/// One finished stretch of speech.
public struct Utterance: Sendable, Equatable {
    /// Timeline position (16 kHz samples since the stream started, gaps included) of the first speech frame.
    public var start: Int64
    /// Timeline position just after the last speech frame.
    public var end: Int64
    /// The audio to recognize: from `audioStart`, with `paddingMilliseconds` before and after the speech.
    public var audio: [Int16]
    public var audioStart: Int64
    /// Timeline position at which the endpointer closed it (the end of the silence that ended it, or the cut): the
    /// audio up to here had to arrive before anyone could know the utterance was over.
    public var decidedAt: Int64

    public var startSeconds: Double { Double(start) / 16_000 }
    public var endSeconds: Double { Double(end) / 16_000 }
}

/// What the endpointer noticed.
public enum EndpointEvent: Sendable, Equatable {
    case speechStarted(at: Int64)
    case utterance(Utterance)
}

/// Cuts a 16 kHz PCM stream into utterances: speech must last `onset` to start one, and `silence` of non-speech
/// ends it, so pauses between words (shorter than `silence`) never split one. Time is counted in samples of the
/// stream's timeline (concealed and missing audio included), so it is exact and needs no clock.
public struct Endpointer: Sendable {
    public let configuration: EndpointerConfiguration
    private var vad: VoiceActivityDetector
    /// Timeline position of the next sample fed.
    public private(set) var position: Int64 = 0
    /// Position just after the last speech frame (nil before any speech).
    public private(set) var lastSpeechEnd: Int64?

    private var partial: [Int16] = []
    private var audio: [Int16] = []
    private var audioStart: Int64 = 0
    private var onsetRun = 0
    private var candidateStart: Int64 = 0
    private var utteranceStart: Int64?
    private var silenceRun = 0

    public init(configuration: EndpointerConfiguration = EndpointerConfiguration()) {
        self.configuration = configuration
        vad = VoiceActivityDetector(configuration: configuration)
    }

    /// Samples of timeline since the last speech (or since the start): what a conversation's silence timeout
    /// watches.
    public var silenceSamples: Int64 { position - (lastSpeechEnd ?? 0) }

    /// Whether an utterance is in progress.
    public var inSpeech: Bool { utteranceStart != nil }

    /// Feeds audio; returns what happened, in order.
    public mutating func feed(_ samples: UnsafeBufferPointer<Int16>) -> [EndpointEvent] {
        var events: [EndpointEvent] = []
        let frame = configuration.frameSamples
        var offset = 0
        if !partial.isEmpty {
            let take = min(frame - partial.count, samples.count)
            partial.append(contentsOf: samples[0..<take])
            offset = take
            if partial.count == frame {
                let whole = partial
                partial.removeAll(keepingCapacity: true)
                whole.withUnsafeBufferPointer { process($0, &events) }
            }
        }
        while samples.count - offset >= frame {
            process(UnsafeBufferPointer(rebasing: samples[offset..<(offset + frame)]), &events)
            offset += frame
        }
        if offset < samples.count { partial.append(contentsOf: samples[offset...]) }
        return events
    }

    public mutating func feed(_ samples: [Int16]) -> [EndpointEvent] {
        samples.withUnsafeBufferPointer { feed($0) }
    }

    /// `missing` samples of audio never arrived (a gap beyond concealment): time moves on. A gap at least as
    /// long as the silence threshold ends the utterance in progress; a shorter one is bridged with silence.
    public mutating func skip(_ missing: Int64) -> [EndpointEvent] {
        var events: [EndpointEvent] = []
        guard missing > 0 else { return events }
        if utteranceStart != nil && missing < Int64(configuration.frames(configuration.silenceMilliseconds) * configuration.frameSamples) {
            audio.append(contentsOf: repeatElement(0, count: Int(missing)))
            position += missing
            silenceRun += Int(missing) / configuration.frameSamples
            return events
        }
        finish(&events)
        position += missing
        audio.removeAll(keepingCapacity: true)
        audioStart = position
        onsetRun = 0
        return events
    }

    /// Ends the stream: an utterance in progress is finished.
    public mutating func flush() -> [EndpointEvent] {
        var events: [EndpointEvent] = []
        finish(&events)
        return events
    }

    // MARK: Frames

    private mutating func process(_ frame: UnsafeBufferPointer<Int16>, _ events: inout [EndpointEvent]) {
        let c = configuration
        let frameStart = position
        audio.append(contentsOf: frame)
        position += Int64(frame.count)
        let speech = vad.isSpeech(frame)
        if let start = utteranceStart {
            if speech {
                lastSpeechEnd = position
                silenceRun = 0
            } else {
                silenceRun += 1
                if silenceRun >= c.frames(c.silenceMilliseconds) { finish(&events) }
            }
            if utteranceStart != nil, position - start >= Int64(c.maximumUtteranceMilliseconds * 16) {
                finish(&events)
                if speech { begin(at: position, &events) }
            }
        } else if speech {
            if onsetRun == 0 { candidateStart = frameStart }
            onsetRun += 1
            if onsetRun >= c.frames(c.onsetMilliseconds) {
                lastSpeechEnd = position
                begin(at: candidateStart, &events)
            }
        } else {
            onsetRun = 0
            trimIdleAudio()
        }
    }

    private mutating func begin(at start: Int64, _ events: inout [EndpointEvent]) {
        utteranceStart = start
        silenceRun = 0
        onsetRun = 0
        events.append(.speechStarted(at: start))
    }

    private mutating func finish(_ events: inout [EndpointEvent]) {
        guard let start = utteranceStart else { return }
        utteranceStart = nil
        let end = lastSpeechEnd ?? position
        let c = configuration
        if end - start >= Int64(c.minimumUtteranceMilliseconds * 16) {
            let padding = Int64(c.paddingMilliseconds * 16)
            let from = max(start - padding, audioStart)
            let to = min(end + padding, audioStart + Int64(audio.count))
            let slice = Array(audio[Int(from - audioStart)..<Int(to - audioStart)])
            events.append(.utterance(Utterance(start: start, end: end, audio: slice, audioStart: from, decidedAt: position)))
        }
        trimIdleAudio()
    }

    /// While idle only the pre-roll (padding + onset) needs keeping.
    private mutating func trimIdleAudio() {
        let keep = configuration.frameSamples * (configuration.frames(configuration.paddingMilliseconds)
            + configuration.frames(configuration.onsetMilliseconds) + 1)
        if audio.count > 2 * keep {
            let drop = audio.count - keep
            audio.removeFirst(drop)
            audioStart += Int64(drop)
        }
    }
}
