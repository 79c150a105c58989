import Foundation
import Transcription

/// The `transcriber` section of the configuration file (docs/configuration.md): which backends, in fallback
/// order, each backend's options, and endpointing. Command-line flags of `transcribe`/`replay` override it.
struct TranscriberSettings {
    /// Backends tried in order on each utterance (`backend: deepgram` or `backend: [deepgram, pocketsphinx]`).
    var chain = ["pocketsphinx"]
    var endpointing = EndpointerConfiguration()
    var filterHallucinations = true
    var pocketsphinx = PocketSphinxTranscriber.Options()
    /// A JSGF grammar file; read when the transcriber is built.
    var grammarFile: String?
    var openAIURL: String?
    var openAIModel = "whisper-1"
    var openAILanguage: String?
    var openAITimeout: Duration = .seconds(60)
    var openAIKey = SecretSource(environment: ["OMI_BRIDGE_OPENAI_API_KEY", "OPENAI_API_KEY"])
    var wyoming = WyomingTranscriber.Options()
    var deepgram = DeepgramTranscriber.Options(apiKey: nil)
    var deepgramKey = SecretSource(environment: ["OMI_BRIDGE_DEEPGRAM_API_KEY", "DEEPGRAM_API_KEY"])
    var commandProgram: String?
    var commandArguments: [String] = []
    var commandTimeout: Duration = .seconds(120)

    /// The hallucination filter as configured (off still drops empty results).
    var filter: HallucinationFilter { HallucinationFilter(phrases: filterHallucinations ? HallucinationFilter.knownPhrases : []) }

    static let backends = ["pocketsphinx", "openai", "deepgram", "wyoming", "command"]

    /// Where an API key comes from: `api_key` in the file, else the first environment variable that is set.
    struct SecretSource {
        var inline: String?
        var environment: [String]

        var value: String? {
            if let inline, !inline.isEmpty { return inline }
            let env = ProcessInfo.processInfo.environment
            return environment.lazy.compactMap { env[$0] }.first { !$0.isEmpty }
        }
    }

    /// Reads the section; problems go to `values` with their paths.
    mutating func apply(_ section: [String: Any], _ values: inout ConfigValues) {
        for (key, raw) in section {
            let at = "transcriber.\(key)"
            switch key {
            case "backend":
                guard let names = values.strings(raw, at) else { continue }
                if names.isEmpty { values.problem(at, "names no backend") }
                for name in names where !Self.backends.contains(name) {
                    values.problem(at, "'\(name)' is not one of \(Self.backends.joined(separator: ", "))")
                }
                if !names.isEmpty { chain = names }
            case "silence_ms":
                if let v = values.integer(raw, at, in: 100...5_000) { endpointing.silenceMilliseconds = v }
            case "min_utterance_ms":
                if let v = values.integer(raw, at, in: 0...10_000) { endpointing.minimumUtteranceMilliseconds = v }
            case "max_utterance_ms":
                if let v = values.integer(raw, at, in: 1_000...120_000) { endpointing.maximumUtteranceMilliseconds = v }
            case "padding_ms":
                if let v = values.integer(raw, at, in: 0...1_000) { endpointing.paddingMilliseconds = v }
            case "hallucination_filter":
                if let v = values.bool(raw, at) { filterHallucinations = v }
            case "pocketsphinx": if let keys = values.mapping(raw, at) { applyPocketSphinx(keys, &values) }
            case "openai": if let keys = values.mapping(raw, at) { applyOpenAI(keys, &values) }
            case "deepgram": if let keys = values.mapping(raw, at) { applyDeepgram(keys, &values) }
            case "wyoming": if let keys = values.mapping(raw, at) { applyWyoming(keys, &values) }
            case "command": if let keys = values.mapping(raw, at) { applyCommand(keys, &values) }
            default: values.unknown(at)
            }
        }
        requireSections(&values)
    }

    /// A backend named in the chain must have what it cannot run without.
    func requireSections(_ values: inout ConfigValues) {
        if chain.contains("openai"), openAIURL == nil {
            values.problem("transcriber.openai.url", "required when transcriber.backend names openai (or --url BASE)")
        }
        if chain.contains("deepgram"), deepgramKey.value == nil {
            values.problem(
                "transcriber.deepgram.api_key",
                "required when transcriber.backend names deepgram (or set $\(deepgramKey.environment.joined(separator: " or $")))")
        }
        if chain.contains("command"), commandProgram == nil {
            values.problem("transcriber.command.program", "required when transcriber.backend names command (or --command PROGRAM)")
        }
    }

    private mutating func applyPocketSphinx(_ keys: [String: Any], _ values: inout ConfigValues) {
        for (key, raw) in keys {
            let at = "transcriber.pocketsphinx.\(key)"
            switch key {
            case "model_dir": if let v = values.string(raw, at) { pocketsphinx.modelDirectory = v }
            case "grammar": grammarFile = values.string(raw, at)
            case "keywords": pocketsphinx.keywords = values.strings(raw, at)
            default: values.unknown(at)
            }
        }
    }

    private mutating func applyOpenAI(_ keys: [String: Any], _ values: inout ConfigValues) {
        for (key, raw) in keys {
            let at = "transcriber.openai.\(key)"
            switch key {
            case "url": openAIURL = values.string(raw, at, Self.urlCheck(["http", "https"]))
            case "model": if let v = values.string(raw, at) { openAIModel = v }
            case "language": openAILanguage = values.string(raw, at)
            case "timeout_s": if let v = values.seconds(raw, at, in: 1...600) { openAITimeout = v }
            case "api_key": openAIKey.inline = values.string(raw, at)
            case "api_key_env": if let v = values.string(raw, at) { openAIKey.environment = [v] }
            default: values.unknown(at)
            }
        }
    }

    private mutating func applyDeepgram(_ keys: [String: Any], _ values: inout ConfigValues) {
        for (key, raw) in keys {
            let at = "transcriber.deepgram.\(key)"
            switch key {
            case "url": if let v = values.string(raw, at, Self.urlCheck(["ws", "wss"])) { deepgram.url = v }
            case "model": if let v = values.string(raw, at) { deepgram.model = v }
            case "language": if let v = values.string(raw, at) { deepgram.language = v }
            case "keepalive_s": if let v = values.seconds(raw, at, in: 1...9) { deepgram.keepAliveInterval = v }
            case "timeout_s": if let v = values.seconds(raw, at, in: 1...600) { deepgram.timeout = v }
            case "connect_timeout_s": if let v = values.seconds(raw, at, in: 1...120) { deepgram.connectTimeout = v }
            case "api_key": deepgramKey.inline = values.string(raw, at)
            case "api_key_env": if let v = values.string(raw, at) { deepgramKey.environment = [v] }
            default: values.unknown(at)
            }
        }
    }

    private mutating func applyWyoming(_ keys: [String: Any], _ values: inout ConfigValues) {
        for (key, raw) in keys {
            let at = "transcriber.wyoming.\(key)"
            switch key {
            case "host": if let v = values.string(raw, at, { $0.isEmpty ? "empty" : nil }) { wyoming.host = v }
            case "port": if let v = values.integer(raw, at, in: 1...65_535) { wyoming.port = v }
            case "language": wyoming.language = values.string(raw, at)
            case "model": wyoming.model = values.string(raw, at)
            case "timeout_s": if let v = values.seconds(raw, at, in: 1...600) { wyoming.timeout = v }
            default: values.unknown(at)
            }
        }
    }

    private mutating func applyCommand(_ keys: [String: Any], _ values: inout ConfigValues) {
        for (key, raw) in keys {
            let at = "transcriber.command.\(key)"
            switch key {
            case "program": commandProgram = values.string(raw, at, { $0.isEmpty ? "empty" : nil })
            case "args": if let v = values.strings(raw, at) { commandArguments = v }
            case "timeout_s": if let v = values.seconds(raw, at, in: 1...3_600) { commandTimeout = v }
            default: values.unknown(at)
            }
        }
    }

    /// Accepts `scheme://host…` for one of `schemes`.
    static func urlCheck(_ schemes: [String]) -> (String) -> String? {
        { url in
            let scheme = url.split(separator: ":", maxSplits: 1).first.map { $0.lowercased() } ?? ""
            guard schemes.contains(scheme), url.dropFirst(scheme.count).hasPrefix("://"),
                url.count > scheme.count + 3
            else { return "not a \(schemes.joined(separator: "/")) URL" }
            return nil
        }
    }
}
