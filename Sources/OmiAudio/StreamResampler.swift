import CSampleRate

/// Sample-rate conversion through libsamplerate. One instance converts one continuous stream; it keeps filter
/// state between calls and works in buffers preallocated at init, so `process` does not allocate.
public final class StreamResampler {
    public let inputRate: Int
    public let outputRate: Int
    private let state: OpaquePointer
    private let inputFloats: UnsafeMutableBufferPointer<Float>
    private let outputFloats: UnsafeMutableBufferPointer<Float>
    private let ratio: Double

    /// - Parameters:
    ///   - maxInputFrames: the most samples one `process` call will be given.
    ///   - highQuality: libsamplerate's medium sinc converter instead of its fastest one.
    public init(from inputRate: Int, to outputRate: Int, maxInputFrames: Int, highQuality: Bool = false)
        throws(AudioSetupError)
    {
        let quality = Int32(highQuality ? SRC_SINC_MEDIUM_QUALITY : SRC_SINC_FASTEST)
        guard inputRate > 0, outputRate > 0 else {
            throw AudioSetupError("libsamplerate: invalid rates \(inputRate) → \(outputRate) Hz")
        }
        var error: Int32 = 0
        guard let state = src_new(quality, 1, &error) else {
            throw AudioSetupError("libsamplerate: src_new failed: \(String(cString: src_strerror(error)))")
        }
        self.state = state
        self.inputRate = inputRate
        self.outputRate = outputRate
        ratio = Double(outputRate) / Double(inputRate)
        inputFloats = .allocate(capacity: maxInputFrames)
        outputFloats = .allocate(capacity: Int((Double(maxInputFrames) * ratio).rounded(.up)) + 256)
    }

    deinit {
        src_delete(state)
        inputFloats.deallocate()
        outputFloats.deallocate()
    }

    /// Converts `input` (at most `maxInputFrames` samples) and writes what the filter releases into `out`.
    /// Returns the number of samples written. With `endOfInput` the filter's tail is flushed too.
    public func process(
        _ input: UnsafeBufferPointer<Int16>, into out: UnsafeMutableBufferPointer<Int16>, endOfInput: Bool = false
    ) -> Int {
        let count = min(input.count, inputFloats.count)
        if count > 0 { src_short_to_float_array(input.baseAddress, inputFloats.baseAddress, Int32(count)) }
        var data = SRC_DATA()
        data.data_in = UnsafePointer(inputFloats.baseAddress)
        data.data_out = outputFloats.baseAddress
        data.input_frames = count
        data.output_frames = min(outputFloats.count, out.count)
        data.end_of_input = endOfInput ? 1 : 0
        data.src_ratio = ratio
        guard src_process(state, &data) == 0 else { return 0 }
        let produced = Int(data.output_frames_gen)
        if produced > 0 { src_float_to_short_array(outputFloats.baseAddress, out.baseAddress, Int32(produced)) }
        return produced
    }

    /// Forgets filter history (after a stream reset).
    public func reset() { src_reset(state) }

    /// Converts a whole signal at once, with a high-quality converter. For files, not the hot path.
    public static func convert(_ samples: [Float], from inputRate: Int, to outputRate: Int) throws(AudioSetupError)
        -> [Float]
    {
        guard inputRate != outputRate else { return samples }
        let ratio = Double(outputRate) / Double(inputRate)
        var output = [Float](repeating: 0, count: Int((Double(samples.count) * ratio).rounded(.up)) + 16)
        var produced = 0
        let status: Int32 = samples.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                var data = SRC_DATA()
                data.data_in = input.baseAddress
                data.data_out = out.baseAddress
                data.input_frames = input.count
                data.output_frames = out.count
                data.src_ratio = ratio
                data.end_of_input = 1
                let status = src_simple(&data, Int32(SRC_SINC_MEDIUM_QUALITY), 1)
                produced = Int(data.output_frames_gen)
                return status
            }
        }
        guard status == 0 else {
            throw AudioSetupError("libsamplerate: \(String(cString: src_strerror(status)))")
        }
        output.removeSubrange(produced...)
        return output
    }
}
