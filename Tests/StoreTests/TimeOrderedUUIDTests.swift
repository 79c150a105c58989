import Foundation
import Testing

@testable import Store

@Suite("Time-ordered ids of the notification centre")
struct TimeOrderedUUIDTests {
    @Test("Version 7 and the RFC variant, the current Unix milliseconds first, distinct random bits")
    func layout() {
        let before = UInt64(Date().timeIntervalSince1970 * 1_000)
        let ids = (0..<1_000).map { _ in UUID.timeOrdered() }
        let after = UInt64(Date().timeIntervalSince1970 * 1_000) + 1
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
            #expect(bytes[6] >> 4 == 7)
            #expect(bytes[8] >> 6 == 0b10)
            let milliseconds = bytes[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            #expect((before...after).contains(milliseconds))
        }
    }

    @Test("Ids made in later milliseconds sort after earlier ones, as strings too (the index order)")
    func ordered() {
        let first = UUID.timeOrdered()
        var next = UUID.timeOrdered()
        while next.uuidString.prefix(13) == first.uuidString.prefix(13) { next = UUID.timeOrdered() }  // the next ms
        #expect(first.uuidString < next.uuidString)
    }
}
