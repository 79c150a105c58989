/// Where one channel attempt of a notification stands (omi-contract §7). A `queued` delivery is retried until it
/// is `sent` or gives up as `failed`; both of those are final.
public enum DeliveryStatus: String, Sendable, Equatable, CaseIterable {
    /// Waiting for its first attempt or for a retry at `nextAttemptAt`.
    case queued
    /// Delivered; never attempted again.
    case sent
    /// Given up (retries exhausted, a failure not worth retrying), or never attempted because a category limit
    /// suppressed it; `lastError` says which.
    case failed
}
