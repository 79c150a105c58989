import Foundation
import OmiApps
import Synchronization
import Testing

/// A generator that answers a fixed string (or fails) and remembers every prompt it got.
final class FixedGenerator: TextGenerator {
    struct Failure: Error, CustomStringConvertible { var description: String { "model down" } }
    let reply: String?
    let prompts = Mutex<[String]>([])
    init(_ reply: String?) { self.reply = reply }
    func generate(prompt: String) async throws -> String {
        prompts.withLock { $0.append(prompt) }
        guard let reply else { throw Failure() }
        return reply
    }
}

@Suite("Proactive notification processing (omi-contract §4)")
struct ProactiveProcessorTests {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)  // 2023-11-14 22:13:20 UTC
    static let app = ProactiveProcessor.App(
        id: "app1", name: "Coach", scopes: ["user_name", "user_facts", "user_context"])
    static let context = StaticProactiveContext(name: "Ada", facts: "likes tea", context: "met Bob", chat: "hi")

    static func processor(
        _ reply: String? = "Drink water!", cap: Int = 9, strip: Bool = true
    ) throws -> (ProactiveProcessor, FixedGenerator) {
        let generator = FixedGenerator(reply)
        let processor = ProactiveProcessor(
            context: context, generator: generator, limiter: try ProactiveLimiter(dailyCap: cap),
            stripFourSpaces: strip)
        return (processor, generator)
    }

    static func request(_ prompt: String = "Hello {{user_name}}", params: [String] = ["user_name"]) -> ProactiveRequest
    {
        ProactiveRequest(prompt: prompt, params: params)
    }

    @Test("a request is rendered, generated and sent with the title \"<app name> says\"")
    func sent() async throws {
        let (p, g) = try Self.processor()
        let d = await p.process(app: Self.app, request: Self.request(), userID: "u1", now: Self.t0)
        #expect(d.outcome == .sent)
        #expect(d.title == "Coach says")
        #expect(d.body == "Drink water!")
        #expect(d.renderedPrompt == "Hello Ada")
        #expect(d.filledValues == ["user_name": "Ada"])
        #expect(d.generatorOutput == "Drink water!")
        #expect(g.prompts.withLock { $0 } == ["Hello Ada"])
        #expect(p.limiterState.sentToday(user: "u1", now: Self.t0) == 1)
    }

    @Test("without the capability, or for {}, nothing happens")
    func capabilityAndEmpty() async throws {
        let (p, g) = try Self.processor()
        var noCap = Self.app
        noCap.hasCapability = false
        #expect(
            await p.process(app: noCap, request: Self.request(), userID: "u1", now: Self.t0).outcome == .noCapability)
        let empty = try JSONDecoder().decode(ProactiveRequest.self, from: Data("{}".utf8))
        #expect(await p.process(app: Self.app, request: empty, userID: "u1", now: Self.t0).outcome == .empty)
        #expect(g.prompts.withLock { $0 }.isEmpty)
    }

    @Test("the rate limit refuses at 29.9 s and allows at 30 s, per (user, app)")
    func rateLimit() async throws {
        let (p, _) = try Self.processor()
        _ = await p.process(app: Self.app, request: Self.request(), userID: "u1", now: Self.t0)
        let early = await p.process(app: Self.app, request: Self.request(), userID: "u1", now: Self.t0 + 29.9)
        #expect(early.outcome == .rateLimited(retryAt: Self.t0 + 30))
        var other = Self.app
        other.id = "app2"
        #expect(
            await p.process(app: other, request: Self.request(), userID: "u1", now: Self.t0 + 29.9).outcome == .sent)
        #expect(
            await p.process(app: Self.app, request: Self.request(), userID: "u2", now: Self.t0 + 29.9).outcome == .sent)
        #expect(
            await p.process(app: Self.app, request: Self.request(), userID: "u1", now: Self.t0 + 30).outcome == .sent)
    }

    @Test("the daily cap: 9 sent, the 10th refused, the next UTC day allowed again")
    func dailyCap() async throws {
        let (p, _) = try Self.processor()
        let dayStart = Date(timeIntervalSince1970: 19_675 * 86_400)  // 2023-11-13 00:00:00 UTC
        for n in 0..<9 {
            let d = await p.process(
                app: Self.app, request: Self.request(), userID: "u1", now: dayStart + Double(n) * 60)
            #expect(d.outcome == .sent)
        }
        let tenth = await p.process(app: Self.app, request: Self.request(), userID: "u1", now: dayStart + 86_399)
        #expect(tenth.outcome == .dailyCapReached)
        #expect(p.limiterState.sentToday(user: "u1", now: dayStart + 86_399) == 9)
        var other = Self.app
        other.id = "app2"
        #expect(
            await p.process(app: other, request: Self.request(), userID: "u1", now: dayStart + 86_399).outcome
                == .dailyCapReached)
        #expect(
            await p.process(app: Self.app, request: Self.request(), userID: "u2", now: dayStart + 86_399).outcome
                == .sent)
        // The cap is per user and shared by all apps; exempt users skip it.
        let exempt = await p.process(
            app: Self.app, request: Self.request(), userID: "u1", now: dayStart + 86_399 - 60, capExempt: true)
        #expect(exempt.outcome == .sent)
        let nextDay = await p.process(app: Self.app, request: Self.request(), userID: "u1", now: dayStart + 86_400)
        #expect(nextDay.outcome == .sent)
    }

    @Test("the cap is configurable within 1…1000 only")
    func capRange() throws {
        #expect(throws: ProactiveLimiter.InvalidDailyCap(value: 0)) { try ProactiveLimiter(dailyCap: 0) }
        #expect(throws: ProactiveLimiter.InvalidDailyCap(value: 1001)) { try ProactiveLimiter(dailyCap: 1001) }
        #expect(try ProactiveLimiter(dailyCap: 1).dailyCap == 1)
        #expect(try ProactiveLimiter(dailyCap: 1000).dailyCap == 1000)
        #expect(try ProactiveLimiter().dailyCap == 9)
    }

    @Test("a prompt of 128,000 characters passes; 128,001 gives the user-facing message and sets nothing")
    func promptLength() async throws {
        let (p, g) = try Self.processor()
        let ok = await p.process(
            app: Self.app, request: Self.request(String(repeating: "é", count: 127_999)), userID: "u1", now: Self.t0)
        #expect(ok.outcome == .sent)
        let (p2, g2) = try Self.processor()
        let edge = await p2.process(
            app: Self.app, request: Self.request(String(repeating: "a", count: 128_000)), userID: "u1", now: Self.t0)
        #expect(edge.outcome == .sent)
        let (p3, g3) = try Self.processor()
        let long = await p3.process(
            app: Self.app, request: Self.request(String(repeating: "é", count: 128_001)), userID: "u1", now: Self.t0)
        #expect(long.outcome == .promptTooLong)
        #expect(long.title == "Coach says")
        #expect(long.body == "Prompt too long: 128001/128000 characters. Please shorten.")
        #expect(long.shouldDeliver)
        #expect(g3.prompts.withLock { $0 }.isEmpty)
        #expect(p3.limiterState.sentToday(user: "u1", now: Self.t0) == 0)
        #expect(
            await p3.process(app: Self.app, request: Self.request(), userID: "u1", now: Self.t0 + 1).outcome == .sent)
        _ = (g, g2)
    }

    @Test("output of 4 characters is dropped without setting the timestamp; 5 is sent")
    func outputLength() async throws {
        let (p, _) = try Self.processor("abcd")
        let short = await p.process(app: Self.app, request: Self.request(), userID: "u1", now: Self.t0)
        #expect(short.outcome == .outputTooShort)
        #expect(!short.shouldDeliver)
        #expect(p.limiterState.check(user: "u1", app: "app1", now: Self.t0) == .allowed)
        #expect(p.limiterState.sentToday(user: "u1", now: Self.t0) == 0)
        let (p5, _) = try Self.processor("abcde")
        #expect(await p5.process(app: Self.app, request: Self.request(), userID: "u1", now: Self.t0).outcome == .sent)
        let (pe, _) = try Self.processor("")
        #expect(
            await pe.process(app: Self.app, request: Self.request(), userID: "u1", now: Self.t0).outcome
                == .outputTooShort)
    }

    @Test("a failing generator is recorded and sets nothing")
    func generatorFailure() async throws {
        let (p, _) = try Self.processor(nil)
        let d = await p.process(app: Self.app, request: Self.request(), userID: "u1", now: Self.t0)
        #expect(d.outcome == .generatorFailed("model down"))
        #expect(p.limiterState.check(user: "u1", app: "app1", now: Self.t0) == .allowed)
    }

    @Test("only declared and requested scopes are filled; other placeholders stay literal")
    func scopeFiltering() async throws {
        let (p, _) = try Self.processor()
        let prompt = "{{user_name}}|{{user_facts}}|{{user_context}}|{{user_chat}}"
        let d = await p.process(
            app: Self.app, request: Self.request(prompt, params: ["user_name", "user_chat", "user_context"]),
            userID: "u1", now: Self.t0)
        // user_facts declared but not requested; user_chat requested but not declared.
        #expect(d.renderedPrompt == "Ada|{{user_facts}}|met Bob|{{user_chat}}")
        #expect(d.filteredScopes == ["user_name", "user_context"])
        #expect(d.ignoredParams == ["user_chat"])
        #expect(d.filledValues == ["user_name": "Ada", "user_context": "met Bob"])
    }

    @Test("four-space runs are removed (also from substituted data) and the result trimmed; the switch turns it off")
    func fourSpaces() async throws {
        let context = "a    b      c        d"  // 4, 6 and 8 spaces
        let prompt = "  Hi {{user_name}}:    \(context)\n "
        let (on, _) = try Self.processor()
        let d = await on.process(app: Self.app, request: Self.request(prompt), userID: "u1", now: Self.t0)
        #expect(d.renderedPrompt == "Hi Ada:ab  cd")
        let (off, _) = try Self.processor(strip: false)
        let e = await off.process(app: Self.app, request: Self.request(prompt), userID: "u1", now: Self.t0)
        #expect(e.renderedPrompt == "Hi Ada:    a    b      c        d")
        let spacedName = ProactiveProcessor(
            context: StaticProactiveContext(name: "A    da"), generator: FixedGenerator("hello"),
            limiter: try ProactiveLimiter())
        let f = await spacedName.process(app: Self.app, request: Self.request(), userID: "u1", now: Self.t0)
        #expect(f.renderedPrompt == "Hello Ada")
        #expect(f.filledValues["user_name"] == "A    da")
    }

    @Test("the decision round-trips through JSON")
    func codable() async throws {
        let (p, _) = try Self.processor()
        let d = await p.process(app: Self.app, request: Self.request(), userID: "u1", now: Self.t0)
        let limited = await p.process(app: Self.app, request: Self.request(), userID: "u1", now: Self.t0 + 1)
        for decision in [d, limited] {
            let json = try JSONEncoder().encode(decision)
            #expect(try JSONDecoder().decode(ProactiveDecision.self, from: json) == decision)
        }
    }

    @Test("the preview generator is deterministic, marked, at least 5 characters, and counts the prompt")
    func preview() async throws {
        let g = PreviewTextGenerator()
        #expect(try await g.generate(prompt: "") == "[preview — no model configured]  (0 chars)")
        let long = String(repeating: "x", count: 250)
        let reply = try await g.generate(prompt: long)
        #expect(reply == "[preview — no model configured] \(String(repeating: "x", count: 200))… (250 chars)")
        #expect(try await g.generate(prompt: "héllo") == "[preview — no model configured] héllo (5 chars)")
        let p = ProactiveProcessor(context: Self.context, limiter: try ProactiveLimiter())
        let d = await p.process(app: Self.app, request: Self.request(), userID: "u1", now: Self.t0)
        #expect(d.outcome == .sent)
        #expect(d.body == "[preview — no model configured] Hello Ada (9 chars)")
    }
}
