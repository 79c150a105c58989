import Foundation

/// A fresh directory under the system temporary directory for one test, removed by ``remove()``.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("omi-store-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of `name` inside the directory (not created).
    func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// A fixed instant plus `seconds`: tests pass times in and never read the clock.
func instant(_ seconds: Double = 0) -> Date {
    Date(timeIntervalSince1970: 1_750_000_000 + seconds)
}
