/// Request URLs exactly as the Omi backend builds them (omi-contract §3.1, §3.2, §3.4, §8).
public enum WebhookURL {
    /// `url + ('&uid=' if '?' in url else '?uid=') + uid` (omi-contract §3.1).
    public static func withUID(_ url: String, uid: String) -> String {
        url + (url.contains("?") ? "&uid=" : "?uid=") + uid
    }

    /// `transcript_processed`: `?uid=` in `backend` mode (and for the bare array); `?session_id=&uid=` in
    /// `documented` mode (omi-contract §3.2).
    public static func transcript(
        _ url: String, uid: String, sessionID: String, contract: AppManifest.TranscriptContract
    ) -> String {
        switch contract {
        case .backend, .documentedArray: withUID(url, uid: uid)
        case .documented: url + (url.contains("?") ? "&" : "?") + "session_id=\(sessionID)&uid=\(uid)"
        }
    }

    /// `audio_bytes`: `webhook_url + "?sample_rate=<sr>&uid=<uid>"`. Upstream always appends `?`, which gives
    /// `url?a=1?sample_rate=…` for a URL that has a query; the bridge joins with `&` unless `upstreamQuirk`.
    public static func audioBytes(_ url: String, uid: String, sampleRate: Int, upstreamQuirk: Bool) -> String {
        let join = upstreamQuirk || !url.contains("?") ? "?" : "&"
        return url + join + "sample_rate=\(sampleRate)&uid=\(uid)"
    }
}
