/// Decodes reassembled Omi frames to 16 kHz mono PCM16 (omi-contract §2.2, §2.3).
///
/// Implementations own their C state, reuse preallocated buffers, and allocate nothing per frame. They are used
/// from one thread at a time (the pipeline's decoder thread).
public protocol FrameDecoder: AnyObject {
    var codec: OmiCodec { get }
    /// The most samples one `decode` or `conceal` call can write.
    var maxOutputSamples: Int { get }
    /// Decodes one frame into `out`, returning the number of samples written.
    func decode(_ frame: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<Int16>) throws(FrameDecodeError)
        -> Int
    /// Writes one frame of concealment (Opus PLC, or silence for PCM codecs) and returns the sample count.
    func conceal(into out: UnsafeMutableBufferPointer<Int16>) -> Int
    /// Forgets all decoder history, after a stream reset.
    func reset()
}

/// Why one frame could not be decoded. The pipeline conceals such a frame and keeps going.
public struct FrameDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    public var codec: OmiCodec
    public var frameLength: Int
    public var reason: String

    public var description: String { "\(codec): cannot decode \(frameLength)-byte frame: \(reason)" }
}

/// Makes the decoder for `codec`.
public func makeFrameDecoder(for codec: OmiCodec) throws(AudioSetupError) -> any FrameDecoder {
    switch codec {
    case .opus10ms, .opus20ms: try OpusFrameDecoder(codec: codec)
    case .pcm16, .pcm8, .muLaw16, .muLaw8: try PCMFrameDecoder(codec: codec)
    }
}

/// A C library refused to set up (out of memory, bad parameters); names the library and its error.
public struct AudioSetupError: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
