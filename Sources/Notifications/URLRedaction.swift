public import Foundation

/// URLs as reasons, logs and summaries may show them: without user, password, query or fragment, so a token in
/// a webhook URL (`?token=…`, `user:secret@host`) never reaches `last_error`, a log line or `config check`.
public enum URLRedaction {
    /// `url` without user, password, query or fragment: safe for reasons and logs.
    public static func redacted(_ url: String) -> String {
        if var components = URLComponents(string: url) {
            components.user = nil
            components.password = nil
            components.query = nil
            components.fragment = nil
            if let string = components.string { return string }
        }
        // Not parseable: cut the query and fragment, and everything before an `@` in the authority.
        var rest = Substring(url.prefix { $0 != "?" && $0 != "#" })
        let scheme = rest.range(of: "://").map { rest[..<$0.upperBound] } ?? ""
        rest = rest.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" }
        if let at = authority.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        return String(scheme + rest)
    }
}
