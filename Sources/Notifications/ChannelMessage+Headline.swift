extension ChannelMessage {
    /// The title, then the subtitle after an em dash when there is one: what the one-line surfaces show (a desktop
    /// bubble's summary, an ntfy title), which have no field of their own for a subtitle.
    var headline: String {
        guard let subtitle, !subtitle.isEmpty else { return title }
        return title.isEmpty ? subtitle : "\(title) — \(subtitle)"
    }
}
