/// The Omi GATT profile (omi-contract §1): UUIDs in BlueZ's lowercase form, shared by the BLE client and the
/// simulator so both sides agree by construction.
public enum OmiGATT {
    static func omi(_ short: String) -> String { "\(short)-e8f2-537e-4f6c-d104768a1214" }
    static func sig(_ short: String) -> String { "0000\(short)-0000-1000-8000-00805f9b34fb" }

    public static let audioService = omi("19b10000")
    public static let audioData = omi("19b10001")
    public static let audioCodec = omi("19b10002")
    public static let settingsService = omi("19b10010")
    public static let dimRatio = omi("19b10011")
    public static let micGain = omi("19b10012")
    public static let charging = omi("19b10013")
    public static let featuresService = omi("19b10020")
    public static let features = omi("19b10021")
    public static let timeSyncService = omi("19b10030")
    public static let timeSyncWrite = omi("19b10031")
    public static let timeSyncRead = omi("19b10032")
    public static let batteryService = sig("180f")
    public static let batteryLevel = sig("2a19")
    public static let deviceInfoService = sig("180a")
    public static let modelNumber = sig("2a24")
    public static let firmwareRevision = sig("2a26")
    public static let hardwareRevision = sig("2a27")
    public static let manufacturerName = sig("2a29")
    public static let buttonService = "23ba7924-0000-1000-7450-346eac492e92"
    public static let buttonEvent = "23ba7925-0000-1000-7450-346eac492e92"
    public static let hapticService = "cab1ab95-2ea5-4f4d-bb56-874b72cfc984"
    public static let hapticWrite = "cab1ab96-2ea5-4f4d-bb56-874b72cfc984"
    public static let storageService = "30295780-4301-eabd-2904-2849adfeae43"
    public static let storageCommand = "30295781-4301-eabd-2904-2849adfeae43"
    public static let storageStatus = "30295782-4301-eabd-2904-2849adfeae43"

    /// Feature bits of characteristic `19B10021` (`features.h`).
    public struct Features: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let speaker = Features(rawValue: 1 << 0)
        public static let accelerometer = Features(rawValue: 1 << 1)
        public static let button = Features(rawValue: 1 << 2)
        public static let battery = Features(rawValue: 1 << 3)
        public static let usb = Features(rawValue: 1 << 4)
        public static let haptic = Features(rawValue: 1 << 5)
        public static let offlineStorage = Features(rawValue: 1 << 6)
        public static let ledDimming = Features(rawValue: 1 << 7)
        public static let micGain = Features(rawValue: 1 << 8)
        public static let deviceName = Features(rawValue: 1 << 10)

        /// What a CV1 reports.
        public static let cv1: Features = [.button, .battery, .usb, .haptic, .offlineStorage, .ledDimming, .micGain]
    }

    /// Button events (first i32 of the 8-byte button notification).
    public enum ButtonEvent: Int32, Sendable, CaseIterable {
        case singleTap = 1, doubleTap = 2, longPress = 3, down = 4, up = 5
    }

    /// Below this ATT MTU the firmware sends no audio (`MINIMAL_PACKET_SIZE`).
    public static let minimumStreamingMTU = 100
    /// From this MTU a CV1 frame (≤ 160 B) always fits one notification.
    public static let recommendedMTU = 166
}
