public import Foundation

extension WebhookSigner {
    /// The headers of a signed delivery (omi-contract §3.6): `X-Omi-Signature` over the exact body at `now`,
    /// `X-Omi-Event`, and `X-Omi-Delivery` equal to `Idempotency-Key`. Empty when the app has no secret: then
    /// nothing is added, as upstream sends no extra headers to unsigned destinations.
    /// Public for the notification centre's webhook channel, which signs the same way.
    public static func headers(
        body: [UInt8], uid: String, secrets: [String], event: String, delivery: String, now: Date
    ) -> [String: String] {
        guard !secrets.isEmpty else { return [:] }
        return [
            "X-Omi-Signature": signatureHeader(body: body, uid: uid, timestamp: Int(now.timeIntervalSince1970), secrets: secrets),
            "X-Omi-Event": event, "X-Omi-Delivery": delivery, "Idempotency-Key": delivery,
        ]
    }
}
