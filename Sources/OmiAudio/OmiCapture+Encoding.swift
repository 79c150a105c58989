/// What `OmiCapture.encode` produced, with the ground truth tests and `omi-bridge encode` report.
public struct CaptureEncoding: Sendable {
    public var capture: OmiCapture
    /// Codec frames encoded (the input length rounded up to whole frames).
    public var frames: Int
    /// Notifications the device would have sent, before loss.
    public var notificationsSent: Int
    /// Indices (into the sent sequence) of the notifications loss injection removed.
    public var droppedNotifications: [Int]
    /// Frames with at least one notification removed, by frame number.
    public var damagedFrames: [Int]
}

extension OmiCapture {
    /// Encodes 16 kHz mono audio into a device-shaped capture: firmware encoder settings, MTU fragmentation,
    /// notifications stamped at their frame's real-time position, and optional seeded loss.
    public static func encode(
        _ audio: PCMAudio, codec: OmiCodec = .opus20ms, mtu: Int = 247, loss: LossInjector? = nil,
        firstIndex: UInt16 = 0, startUnixNanos: Int64 = 0
    ) throws(AudioSetupError) -> CaptureEncoding {
        var samples = audio.samples
        if codec.sampleRate != audio.sampleRate {
            samples = try StreamResampler.convert(
                samples.map { Float($0) / 32768 }, from: audio.sampleRate, to: codec.sampleRate
            ).map { Int16(clamping: Int(($0 * 32768).rounded())) }
        }
        let frames = try OmiEncoder(codec: codec).encode(samples)
        var packetizer = OmiPacketizer(mtu: mtu, firstIndex: firstIndex)
        var loss = loss
        var capture = OmiCapture(codec: codec, mtu: mtu, startUnixNanos: startUnixNanos)
        var sent = 0
        var dropped: [Int] = []
        var damaged: [Int] = []
        let frameNanos = UInt64(codec.frameSamples) * 1_000_000_000 / UInt64(codec.sampleRate)
        for (number, frame) in frames.enumerated() {
            var frameDamaged = false
            for packet in packetizer.packetize(frame) {
                defer { sent += 1 }
                if loss?.shouldDrop() == true {
                    dropped.append(sent)
                    frameDamaged = true
                    continue
                }
                capture.records.append(Record(timestampNanos: UInt64(number) * frameNanos, bytes: packet))
            }
            if frameDamaged { damaged.append(number) }
        }
        return CaptureEncoding(
            capture: capture, frames: frames.count, notificationsSent: sent, droppedNotifications: dropped,
            damagedFrames: damaged)
    }
}
