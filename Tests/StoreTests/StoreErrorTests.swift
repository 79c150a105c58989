import Store
import Testing

@Suite("Store errors")
struct StoreErrorTests {
    @Test("An error names the file, the operation and the reason")
    func describes() {
        let error = StoreError(path: "/var/lib/omi/bridge.sqlite", doing: "opening", reason: "disk I/O error")
        #expect(error.description == "/var/lib/omi/bridge.sqlite: opening: disk I/O error")
    }
}
