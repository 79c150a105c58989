import OmiApps

/// Logs each notification the apps produce (`notification app.proactive: title: body`), then hands it on: what
/// `run` and `make demo` print as the notifications happen.
struct LoggedDelivery: NotificationDelivery {
    let next: any NotificationDelivery
    let log: @Sendable (String) -> Void

    func deliver(_ notification: BridgeNotification) async {
        log("notification \(notification.category): \(notification.title): \(notification.body)")
        await next.deliver(notification)
    }
}

/// Hands each notification to `observe`, then on.
struct ObservedDelivery: NotificationDelivery {
    let next: any NotificationDelivery
    let observe: @Sendable (BridgeNotification) -> Void

    func deliver(_ notification: BridgeNotification) async {
        observe(notification)
        await next.deliver(notification)
    }
}
