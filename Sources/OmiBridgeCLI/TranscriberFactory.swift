import Foundation
import Transcription

/// Builds the configured transcriber: each backend of `settings.chain`, wrapped in a `FallbackTranscriber` when
/// there are several (the first that answers an utterance wins).
enum TranscriberFactory {
    static var available: [String] { TranscriberSettings.backends }

    static func make(_ settings: TranscriberSettings) throws(CLIFailure) -> any Transcriber {
        var problems = ConfigValues()
        settings.requireSections(&problems)
        if let problem = problems.problems.first { throw CLIFailure(problem, exitCode: 2) }
        var chain: [any Transcriber] = []
        for name in settings.chain { chain.append(try backend(name, settings)) }
        return chain.count == 1 ? chain[0] : FallbackTranscriber(chain)
    }

    private static func backend(_ name: String, _ settings: TranscriberSettings) throws(CLIFailure) -> any Transcriber {
        switch name {
        case "openai":
            var options = OpenAITranscriber.Options(
                baseURL: settings.openAIURL ?? "", model: settings.openAIModel, language: settings.openAILanguage,
                apiKey: settings.openAIKey.value)
            options.timeout = settings.openAITimeout
            return OpenAITranscriber(options: options)
        case "deepgram":
            var options = settings.deepgram
            options.apiKey = settings.deepgramKey.value
            return DeepgramTranscriber(options: options)
        case "wyoming":
            return WyomingTranscriber(options: settings.wyoming)
        case "command":
            return CommandTranscriber(
                executable: settings.commandProgram ?? "", arguments: settings.commandArguments,
                timeout: settings.commandTimeout)
        case "pocketsphinx":
            var options = settings.pocketsphinx
            if let grammarFile = settings.grammarFile {
                guard let text = try? String(contentsOfFile: grammarFile, encoding: .utf8) else {
                    throw CLIFailure("\(grammarFile): cannot read the grammar file")
                }
                options.grammar = text
            }
            do { return try PocketSphinxTranscriber(options: options) } catch { throw CLIFailure(error.description) }
        default:
            throw CLIFailure("transcriber backend '\(name)' is not one of \(available.joined(separator: ", "))", exitCode: 2)
        }
    }
}
