import OmiApps

/// Hands each notification to `observe` (the log line, the dashboard, a scenario's record), then on.
struct ObservedDelivery: NotificationDelivery {
    let next: any NotificationDelivery
    let observe: @Sendable (BridgeNotification) -> Void

    func deliver(_ notification: BridgeNotification) async {
        observe(notification)
        await next.deliver(notification)
    }
}
