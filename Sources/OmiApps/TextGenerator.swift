/// The language model that turns a rendered proactive prompt into notification text (omi-contract §4 step 8:
/// the prompt is sent as a single user message; the model is configurable).
public protocol TextGenerator: Sendable {
    /// The model's reply to `prompt` as one user message.
    func generate(prompt: String) async throws -> String
}
