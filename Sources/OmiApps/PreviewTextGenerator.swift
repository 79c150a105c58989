/// The offline default `TextGenerator`: no model, a deterministic and clearly marked summary of the prompt,
/// so webhook authors see exactly what a model would have been given.
///
/// The reply is `[preview — no model configured] <first 200 characters of the prompt>… (N chars)`, where N
/// counts Unicode scalars as upstream's Python `len` does; it is always at least 5 characters, so it passes
/// step 9 and the whole pipeline can be exercised without a model.
public struct PreviewTextGenerator: TextGenerator {
    /// The marker every preview starts with.
    public static let marker = "[preview — no model configured]"
    /// How much of the prompt is quoted.
    public var excerptLength: Int

    public init(excerptLength: Int = 200) {
        self.excerptLength = max(0, excerptLength)
    }

    public func generate(prompt: String) async throws -> String {
        preview(of: prompt)
    }

    /// The reply, synchronously.
    public func preview(of prompt: String) -> String {
        let scalars = prompt.unicodeScalars
        let count = scalars.count
        var excerpt = String(String.UnicodeScalarView(scalars.prefix(excerptLength)))
        if count > excerptLength { excerpt += "…" }
        return "\(Self.marker) \(excerpt) (\(count) chars)"
    }
}
