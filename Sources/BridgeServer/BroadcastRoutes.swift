import Foundation
import Hummingbird
import Notifications
import Store

/// `POST /v1/notifications/broadcast` (admin keys: it reaches every user) and `GET …/broadcast/{job_id}`
/// (omi-contract §7). The request is validated whole, stored as a job and sent asynchronously; the answer is
/// `{success:true, job_id}` at once.
struct BroadcastRoutes: Sendable {
    let api: NotificationCentreAPI?
    let jobs: BroadcastJobStore

    func register(on group: RouterGroup<BridgeRequestContext>) {
        group.post { request, context in
            try context.requireAdmin()
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            let body = try BodyObject(Data(buffer.readableBytesView))
            try body.rejectUnknown(allowing: ["title", "content", "subtitle", "user_ids", "event_category", "channels"])
            let broadcast = BroadcastRequest(
                title: try body.string("title", required: true, maxLength: NotificationLimits.title) ?? "",
                content: try body.string("content", required: true, maxLength: NotificationLimits.message) ?? "",
                subtitle: try body.string("subtitle", maxLength: NotificationLimits.subtitle),
                userIDs: try body.strings("user_ids", maxCount: BroadcastRequest.maxUsers, maxLength: 200),
                eventCategory: try body.category("event_category"), channels: try body.channels("channels"))
            guard let api else {
                throw APIError(
                    status: .internalServerError, kind: .internalServerError,
                    message: "No notification dispatcher is configured.")
            }
            let job = try await api.broadcasts.submit(broadcast)
            return try JSONResponse.make(JobBody(success: true, jobID: job.id))
        }
        group.get("{job_id}") { _, context in
            let id = try context.parameters.require("job_id")
            guard let job = try jobs.job(id: id) else {
                throw APIError(status: .notFound, kind: .notFound, message: "No broadcast job \(id).")
            }
            return try JSONResponse.make(BroadcastJobBody(job))
        }
    }
}
