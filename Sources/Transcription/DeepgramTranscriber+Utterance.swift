import NIOCore
import WSClient

/// One utterance on an open connection: audio out, final results in.
extension DeepgramTranscriber {
    // MARK: - One utterance

    enum UtteranceFailure: Error {
        /// The socket closed or broke: worth one retry on a fresh connection.
        case lost(TranscriberError.Kind, String)
        /// Deepgram answered, but with an error, garbage or nothing in time: no retry.
        case failed(TranscriberError)
    }

    func run(_ samples: [Int16], on conn: DeepgramConnection) async throws(UtteranceFailure) -> [RecognizedSpan] {
        let streamStart = Double(conn.samplesSent) / 16_000
        do {
            // 100 ms frames of little-endian PCM16, then a flush.
            for chunkStart in stride(from: 0, to: samples.count, by: 1600) {
                let chunk = samples[chunkStart..<min(chunkStart + 1600, samples.count)]
                var buffer = ByteBuffer()
                buffer.reserveCapacity(chunk.count * 2)
                for sample in chunk { buffer.writeInteger(sample, endianness: .little) }
                try await conn.writer.write(.binary(buffer))
                conn.samplesSent += chunk.count
            }
            try await conn.writer.write(.text(#"{"type":"Finalize"}"#))
        } catch {
            throw .lost(.badResponse, "sending audio failed: \(error)")
        }
        let streamEnd = Double(conn.samplesSent) / 16_000
        let deadline = startDeadline(options.timeout, on: conn.mailbox)
        defer { deadline.cancel() }
        var finals: [DeepgramMessage.Results] = []
        while true {
            switch await conn.mailbox.receive() {
            case .deadline(let t):
                guard t == deadline.token else { continue }
                throw .failed(fail(.timeout, "no final result within \(options.timeout) after Finalize"))
            case .opened:
                continue
            case .message(.binary(let buffer)):
                throw .failed(fail(.badResponse, "unexpected binary message of \(buffer.readableBytes) bytes"))
            case .message(.text(let text)):
                let message: DeepgramMessage
                do { message = try DeepgramMessage(parsing: text) } catch {
                    throw .failed(fail(.badResponse, error.description))
                }
                switch message {
                case .other: continue
                case .error(let description): throw .failed(fail(.serverError, "Deepgram error: \(description)"))
                case .results(let result):
                    // Only final results of this utterance's audio count; one ending at or before its start
                    // belongs to the previous utterance (a late flush answer).
                    guard result.isFinal, result.end > streamStart + 0.0005 else { continue }
                    finals.append(result)
                    // Done when the flush answers, or when the finals already cover all audio sent (Deepgram
                    // need not answer a Finalize with nothing left to flush).
                    if result.fromFinalize || result.end >= streamEnd - 0.1 {
                        return DeepgramMessage.Results.spans(finals, offset: streamStart)
                    }
                }
            case .closed(let code, let reason):
                let description = Self.describe(code, reason)
                switch code {
                case 1008: throw .failed(fail(.badResponse, "Deepgram closed the stream: \(description)"))
                case 1011: throw .lost(.serverError, "Deepgram closed the stream: \(description)")
                default: throw .lost(.badResponse, "the server closed the socket (\(description))")
                }
            case .failed(let error):
                throw .lost(.badResponse, "the socket failed: \(error)")
            }
        }
    }
}
