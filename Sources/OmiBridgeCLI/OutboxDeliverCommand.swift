import ArgumentParser
import Foundation
import OmiApps
import Store

/// `omi-bridge outbox deliver`: sends what the outbox holds for the configured apps — what a crash or an
/// unreachable app left pending — with the same idempotency keys, retries and breaker as the daemon.
struct OutboxDeliverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver",
        abstract: "Deliver the pending webhook deliveries now (memory_creation), as the daemon would.",
        discussion: "Without --watch: one attempt for everything due now; what fails stays queued for its retry "
            + "(with backoff). With --watch: keeps delivering as items come due, until SIGINT/SIGTERM.")

    @Option(name: .long, help: "Configuration file (YAML): apps, storage.path.")
    var config: String?

    @Flag(name: .long, help: "Keep running, delivering as items come due, until interrupted.")
    var watch = false

    func run() async throws {
        let settings = try BridgeSettings.load(config)
        let database: BridgeDatabase
        do { database = try BridgeDatabase(path: settings.storagePath) } catch { throw CLIFailure(error.description) }
        let router = try AppsSession.router(
            settings, database: database, delivery: FeedDelivery(database: database, log: AppsSession.stderr),
            log: AppsSession.stderr)
        let client = WebhookClient()
        let deliverer = OutboxDeliverer(
            store: database.outbox, apps: settings.apps.apps, uid: settings.apps.uid, client: client,
            breakers: CircuitBreakerRegistry(), sink: router)
        if watch {
            let running = Task { await deliverer.run() }
            await SignalTrap.waitForTermination()
            running.cancel()
            await running.value
        } else {
            let attempted = await deliverer.deliverDue(limit: 100_000)
            print("outbox: \(attempted) attempted")
        }
        await client.shutdown()
        let pending = (try? database.outbox.pendingCount()) ?? 0
        let dead = (try? database.outbox.deadLetters().count) ?? 0
        print("outbox: \(pending) pending, \(dead) dead letters (omi-bridge outbox list)")
    }
}
