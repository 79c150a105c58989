import Foundation
import OmiApps
import Testing

@Suite("Circuit breaker (omi-contract §3.1)")
struct CircuitBreakerTests {
    /// `#expect` cannot call a mutating method on its operand, so calls go through this.
    static func allow(_ breaker: inout CircuitBreaker, _ now: Date) -> Bool { breaker.shouldAllow(now: now) }

    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    static func at(_ s: TimeInterval) -> Date { t0.addingTimeInterval(s) }

    /// A breaker that has just opened at t0 after five failures.
    static func opened() -> CircuitBreaker {
        var b = CircuitBreaker()
        for _ in 0..<5 {
            #expect(Self.allow(&b, t0))
            b.record(success: false, now: t0)
        }
        return b
    }

    @Test("four failures keep it closed and counting; the fifth opens it for 30 s")
    func opensAfterFive() {
        var b = CircuitBreaker()
        for n in 1...4 {
            b.record(success: false, now: Self.t0)
            #expect(b.state == .closed(failures: n))
            #expect(Self.allow(&b, Self.t0))
        }
        b.record(success: false, now: Self.t0)
        #expect(b.state == .open(until: Self.at(30)))
        #expect(!Self.allow(&b, Self.t0))
    }

    @Test("a success between failures resets the count: failures must be consecutive")
    func successResetsCount() {
        var b = CircuitBreaker()
        for _ in 0..<4 { b.record(success: false, now: Self.t0) }
        b.record(success: true, now: Self.t0)
        #expect(b.state == .closed(failures: 0))
        for _ in 0..<4 { b.record(success: false, now: Self.t0) }
        #expect(b.state == .closed(failures: 4))
    }

    @Test("open refuses at 29.999 s and lets exactly one probe through at 30 s")
    func boundaryAndSingleProbe() {
        var b = Self.opened()
        #expect(!Self.allow(&b, Self.at(29.999)))
        #expect(b.state == .open(until: Self.at(30)))
        #expect(Self.allow(&b, Self.at(30)))
        #expect(b.state == .halfOpen)
        #expect(!Self.allow(&b, Self.at(30)))
        #expect(!Self.allow(&b, Self.at(100)))
    }

    @Test("a successful probe closes the breaker")
    func probeSuccess() {
        var b = Self.opened()
        #expect(Self.allow(&b, Self.at(31)))
        b.record(success: true, now: Self.at(31.5))
        #expect(b.state == .closed(failures: 0))
        #expect(Self.allow(&b, Self.at(31.5)))
    }

    @Test("a failed probe re-opens for 30 s from the failure")
    func probeFailure() {
        var b = Self.opened()
        #expect(Self.allow(&b, Self.at(30)))
        b.record(success: false, now: Self.at(32))
        #expect(b.state == .open(until: Self.at(62)))
        #expect(!Self.allow(&b, Self.at(61.999)))
        #expect(Self.allow(&b, Self.at(62)))
        #expect(b.state == .halfOpen)
    }

    @Test("a late success while open resets it; a late failure while open does not extend the window")
    func lateOutcomesWhileOpen() {
        var late = Self.opened()
        late.record(success: false, now: Self.at(10))
        #expect(late.state == .open(until: Self.at(30)))
        late.record(success: true, now: Self.at(11))
        #expect(late.state == .closed(failures: 0))
        #expect(Self.allow(&late, Self.at(11)))
    }

    @Test("a custom threshold and duration are honoured")
    func custom() {
        var b = CircuitBreaker(failureThreshold: 2, openDuration: 5)
        b.record(success: false, now: Self.t0)
        b.record(success: false, now: Self.t0)
        #expect(b.state == .open(until: Self.at(5)))
    }

    @Test(
        "keys drop the query and the fragment",
        arguments: [
            ("https://a.example/hook?uid=1", "https://a.example/hook"),
            ("https://a.example/hook?x=1&uid=2#frag", "https://a.example/hook"),
            ("https://a.example/hook#frag?notquery", "https://a.example/hook"),
            ("https://a.example/hook", "https://a.example/hook"),
            ("http://127.0.0.1:8080/p/q/", "http://127.0.0.1:8080/p/q/"),
        ])
    func keys(url: String, key: String) {
        #expect(CircuitBreaker.key(for: url) == key)
    }

    @Test("the registry shares one breaker per key and keeps other keys apart")
    func registry() {
        let registry = CircuitBreakerRegistry()
        for n in 0..<5 {
            #expect(registry.shouldAllow(url: "https://a.example/hook?uid=\(n)", now: Self.t0))
            registry.record(url: "https://a.example/hook?uid=\(n)", success: false, now: Self.t0)
        }
        #expect(!registry.shouldAllow(url: "https://a.example/hook?uid=other", now: Self.at(1)))
        #expect(registry.state(for: "https://a.example/hook") == .open(until: Self.at(30)))
        #expect(registry.shouldAllow(url: "https://b.example/hook?uid=1", now: Self.at(1)))
        #expect(registry.state(for: "https://never.example/") == .closed(failures: 0))
        #expect(registry.snapshot() == ["https://a.example/hook": .open(until: Self.at(30))])
        #expect(registry.shouldAllow(url: "https://a.example/hook", now: Self.at(30)))
        registry.record(url: "https://a.example/hook?uid=9", success: true, now: Self.at(30.2))
        #expect(registry.snapshot().isEmpty)
    }
}
