public import ArgumentParser
import BlueZ
import DBusKit

/// Options shared by the commands that talk to BlueZ.
struct BLEOptions: ParsableArguments {
    @Option(name: .long, help: "D-Bus address of the bus BlueZ is on (default: $DBUS_SYSTEM_BUS_ADDRESS or the system bus).")
    var bus: String?

    @Option(name: .long, help: "Bluetooth adapter to use, e.g. hci0 (default: the first powered one).")
    var adapter: String?

    var dbusBus: DBusBus { bus.map(DBusBus.address) ?? .system }

    func validate() throws {
        if let bus, !bus.contains(":") {
            throw ValidationError("--bus: '\(bus)' is not a D-Bus address (e.g. unix:path=/run/dbus/system_bus_socket)")
        }
    }

    /// Connects to BlueZ, turning failures into one-line CLI errors that say what to do.
    func client() async throws(CLIFailure) -> BlueZClient {
        do { return try await BlueZClient(bus: dbusBus) } catch { throw CLIFailure(error.message) }
    }
}

extension NotifyMode: ExpressibleByArgument {}
