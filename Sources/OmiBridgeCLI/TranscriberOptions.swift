import ArgumentParser
import Transcription

/// The transcriber flags of `transcribe` and `replay --transcribe`. They start from the `transcriber` section of
/// the configuration file (`--config`, else the default file when it exists) and override what they name.
struct TranscriberOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (YAML); its transcriber section is the starting point.")
    var config: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Transcriber backend, or a comma-separated fallback chain (e.g. wyoming,pocketsphinx). Available: "
                + "\(TranscriberFactory.available.joined(separator: ", ")). Default: transcriber.backend, else pocketsphinx."))
    var backend: String?

    @Option(name: .long, help: "pocketsphinx: a JSGF grammar file; only its sentences are recognized.")
    var grammar: String?

    @Option(name: .long, help: "pocketsphinx: comma-separated keywords to spot instead of free speech.")
    var keywords: String?

    @Option(name: .long, help: "command backend: the program to run per utterance (gets a WAV path; prints JSON).")
    var command: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Server URL: http(s)://… for openai (key from $OPENAI_API_KEY), ws(s)://… for deepgram (key from "
                + "$DEEPGRAM_API_KEY), tcp://HOST:PORT for wyoming."))
    var url: String?

    @Option(name: .long, help: "openai/deepgram/wyoming: model name.")
    var model: String?

    @Option(name: .long, help: "openai/deepgram/wyoming: language code, e.g. en.")
    var language: String?

    @Option(name: .customLong("silence-ms"), help: "Silence that ends an utterance, in milliseconds.")
    var silenceMilliseconds: Int?

    var chain: [String]? { backend.map { $0.split(separator: ",").map { String($0.trimmingCharacters(in: .whitespaces)) } } }

    func validate() throws {
        for name in chain ?? [] where !TranscriberFactory.available.contains(name) {
            throw ValidationError("--backend: '\(name)' is not one of \(TranscriberFactory.available.joined(separator: ", "))")
        }
        if let silenceMilliseconds, !(100...5000).contains(silenceMilliseconds) {
            throw ValidationError("--silence-ms: 100…5000")
        }
        if let url {
            let ok = TranscriberSettings.urlCheck(["http", "https", "ws", "wss"])(url) == nil || WyomingAddress(url) != nil
            guard ok else { throw ValidationError("--url: '\(url)' is not an http(s), ws(s) or tcp://HOST:PORT URL") }
        }
    }

    /// The configuration file's transcriber settings with these flags applied.
    func settings() throws(CLIFailure) -> TranscriberSettings { try bridgeSettings().transcriber }

    /// The whole configuration file, its transcriber section with these flags applied.
    func bridgeSettings() throws(CLIFailure) -> BridgeSettings {
        var bridge = try BridgeSettings.load(config)
        var settings = bridge.transcriber
        if let chain { settings.chain = chain }
        if let grammar { settings.grammarFile = grammar }
        if let keywords { settings.pocketsphinx.keywords = keywords.split(separator: ",").map(String.init) }
        if let command { settings.commandProgram = command }
        if let url {
            if let address = WyomingAddress(url) {
                (settings.wyoming.host, settings.wyoming.port) = (address.host, address.port)
            } else if url.lowercased().hasPrefix("ws") {
                settings.deepgram.url = url
            } else {
                settings.openAIURL = url
            }
        }
        if let model { (settings.openAIModel, settings.deepgram.model, settings.wyoming.model) = (model, model, model) }
        if let language {
            (settings.openAILanguage, settings.deepgram.language, settings.wyoming.language) = (language, language, language)
        }
        if let silenceMilliseconds { settings.endpointing.silenceMilliseconds = silenceMilliseconds }
        bridge.transcriber = settings
        return bridge
    }
}

/// `tcp://HOST:PORT`, the form `--url` takes for a Wyoming server.
struct WyomingAddress {
    var host: String
    var port: Int

    init?(_ url: String) {
        guard url.hasPrefix("tcp://") else { return nil }
        let rest = url.dropFirst(6).trimmingSuffix("/")
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]),
            (1...65_535).contains(port), colon != rest.startIndex
        else { return nil }
        host = String(rest[..<colon])
        self.port = port
    }
}

extension Substring {
    fileprivate func trimmingSuffix(_ suffix: String) -> Substring { hasSuffix(suffix) ? dropLast(suffix.count) : self }
}
