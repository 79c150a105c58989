/// Drops notifications at random to imitate a lossy radio link, reproducibly from a seed.
public struct LossInjector: Sendable {
    public let probability: Double
    private var random: SplitMix64
    public private(set) var dropped = 0

    public init(probability: Double, seed: UInt64) {
        precondition((0...1).contains(probability), "loss probability must be 0…1")
        self.probability = probability
        random = SplitMix64(seed: seed)
    }

    /// Whether the next notification is lost.
    public mutating func shouldDrop() -> Bool {
        let drop = probability > 0 && random.nextUnitInterval() < probability
        if drop { dropped += 1 }
        return drop
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator. The standard library has none that takes a seed,
/// and loss patterns must be reproducible from the command line (`--seed`).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1).
    public mutating func nextUnitInterval() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}
