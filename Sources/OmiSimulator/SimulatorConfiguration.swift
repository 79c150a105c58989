public import OmiAudio

/// How the simulated Omi behaves. Defaults imitate a CV1 on BlueZ 5.66.
public struct SimulatorConfiguration: Sendable {
    public var adapter = "hci0"
    public var adapterAddress = "00:1A:7D:DA:71:13"
    public var deviceAddress = "C4:3A:92:0B:5E:01"
    /// Older units advertise "Friend"; the bridge must not match on the name.
    public var deviceName = "Omi"
    public var codec: OmiCodec = .opus20ms
    public var mtu = 247
    public var features: OmiGATT.Features = .cv1
    public var firmware = "3.0.21"
    public var battery: UInt8 = 87
    /// Battery percent lost per simulated minute of connection.
    public var batteryDrainPerMinute = 0.5
    /// Audio timeline speed: 1 = real time. Tests use more to run fast.
    public var speed = 1.0
    /// Start the audio again from the beginning at the end (packet indices keep counting).
    public var loop = true
    /// Export the device before any discovery (BlueZ knows it from an earlier session).
    public var knownDevice = false
    /// Adapter starts powered.
    public var powered = true
    /// Export an adapter at all (false: a machine without Bluetooth hardware).
    public var adapterPresent = true

    public init() {}

    public var adapterPath: String { "/org/bluez/\(adapter)" }
    public var devicePath: String { adapterPath + "/dev_" + deviceAddress.replacingOccurrences(of: ":", with: "_") }
}

/// Packet loss the simulator applies to audio notifications.
public enum SimulatedLoss: Sendable, Equatable {
    case none
    /// Each notification independently with probability `p`.
    case uniform(Double)
    /// Gilbert–Elliott: enter a burst with probability `p`, bursts last `meanLength` notifications on average.
    case burst(p: Double, meanLength: Double)
}

/// What the simulator did, for tests and `Stats()`.
public struct SimulatorStats: Sendable, Equatable {
    /// Audio notifications delivered to a subscriber.
    public var delivered = 0
    public var deliveredViaAcquire = 0
    public var deliveredViaSignal = 0
    /// Notifications removed by the loss model.
    public var droppedByLoss = 0
    /// Notifications due while no subscriber was connected (the gap a disconnect creates).
    public var missedWhileDisconnected = 0
    /// AcquireNotify socket full: the datagram could not be written.
    public var socketFull = 0
    public var connects = 0
    public var refusedConnects = 0
    public var disconnects = 0
    /// The frame timeline reached the end of the audio (without `loop`).
    public var finished = false
    public var timeWrites: [UInt32] = []
    public var hapticWrites: [UInt8] = []

    public init() {}
}
