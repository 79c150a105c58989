import CPocketSphinx
import Dispatch
import Foundation

/// The embedded default recognizer: CMU pocketsphinx (Debian `libpocketsphinx-dev`, `pocketsphinx-en-us`),
/// with its US English model, or a JSGF grammar or keyword list from config for exact small vocabularies.
/// Recognition runs on its own serial queue, never on Swift's cooperative threads.
public final class PocketSphinxTranscriber: Transcriber, @unchecked Sendable {
    // @unchecked: the decoder pointer is used only on `queue` (serial) after init, and freed in deinit when no
    // call can be running (every call holds a reference to self until it resumes).
    public let name = "pocketsphinx"

    public struct Options: Sendable, Equatable {
        public var modelDirectory = "/usr/share/pocketsphinx/model/en-us"
        /// A JSGF grammar (the text, not a path): only its sentences can be recognized.
        public var grammar: String?
        /// Keyword spotting: one phrase per entry, each with the default threshold 1e-20.
        public var keywords: [String]?

        public init(grammar: String? = nil, keywords: [String]? = nil) {
            self.grammar = grammar
            self.keywords = keywords
        }
    }

    private let decoder: OpaquePointer
    private let queue = DispatchQueue(label: "omi.pocketsphinx")
    private let scratch: URL

    public init(options: Options = Options()) throws(TranscriberError) {
        let fail = { (message: String) in TranscriberError(backend: "pocketsphinx", kind: .notConfigured, message: message) }
        let model = options.modelDirectory
        guard FileManager.default.fileExists(atPath: model + "/en-us/mdef") else {
            throw fail("no acoustic model at \(model)/en-us (install pocketsphinx-en-us: scripts/bootstrap)")
        }
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("omi-ps-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        var arguments = ["-hmm", model + "/en-us", "-dict", model + "/cmudict-en-us.dict", "-logfn", "/dev/null"]
        if let grammar = options.grammar {
            let file = scratch.appendingPathComponent("grammar.jsgf").path
            guard (try? grammar.write(toFile: file, atomically: true, encoding: .utf8)) != nil else {
                throw fail("cannot write the grammar to \(file)")
            }
            arguments += ["-jsgf", file]
        } else if let keywords = options.keywords, !keywords.isEmpty {
            let file = scratch.appendingPathComponent("keywords.txt").path
            let list = keywords.map { "\($0.lowercased()) /1e-20/" }.joined(separator: "\n") + "\n"
            guard (try? list.write(toFile: file, atomically: true, encoding: .utf8)) != nil else {
                throw fail("cannot write the keyword list to \(file)")
            }
            arguments += ["-kws", file]
        } else {
            arguments += ["-lm", model + "/en-us.lm.bin"]
        }
        let argv = arguments.map { strdup($0) }
        defer { for pointer in argv { free(pointer) } }
        var pointers: [UnsafeMutablePointer<CChar>?] = argv
        let config = pointers.withUnsafeMutableBufferPointer {
            cmd_ln_parse_r(nil, ps_args(), Int32(argv.count), $0.baseAddress, 0)
        }
        guard let config else { throw fail("pocketsphinx rejected its configuration \(arguments)") }
        defer { cmd_ln_free_r(config) }
        guard let decoder = ps_init(config) else {
            throw fail("pocketsphinx could not load the model (grammar or keywords invalid?)")
        }
        self.decoder = decoder
    }

    deinit {
        ps_free(decoder)
        try? FileManager.default.removeItem(at: scratch)
    }

    public func transcribe(_ samples: [Int16]) async throws(TranscriberError) -> [RecognizedSpan] {
        let result: Result<String, TranscriberError> = await withCheckedContinuation { continuation in
            queue.async { [self] in continuation.resume(returning: recognize(samples)) }
        }
        let text = try result.get()
        return text.isEmpty ? [] : [RecognizedSpan(text: text)]
    }

    private func recognize(_ samples: [Int16]) -> Result<String, TranscriberError> {
        guard ps_start_utt(decoder) >= 0 else {
            return .failure(TranscriberError(backend: name, kind: .engine, message: "ps_start_utt failed"))
        }
        let processed = samples.withUnsafeBufferPointer { ps_process_raw(decoder, $0.baseAddress, $0.count, 0, 1) }
        ps_end_utt(decoder)
        guard processed >= 0 else {
            return .failure(TranscriberError(backend: name, kind: .engine, message: "ps_process_raw failed"))
        }
        var score: Int32 = 0
        return .success(ps_get_hyp(decoder, &score).map { String(cString: $0) } ?? "")
    }
}
