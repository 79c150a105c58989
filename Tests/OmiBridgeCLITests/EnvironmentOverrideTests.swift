import Foundation
import Testing

/// `OMI_BRIDGE_<SECTION>__<KEY>` overrides, through the binary.
@Suite("Configuration from the environment")
struct EnvironmentOverrideTests {
    @Test("An override wins over the file, keeps its YAML type, and works without a file; problems name the variable")
    func overrides() async throws {
        let store = try StoreFixture(extra: "user: {uid: from_file}\n")
        defer { store.remove() }
        var environment = ProcessInfo.processInfo.environment
        environment["OMI_BRIDGE_USER__UID"] = "from_env"
        environment["OMI_BRIDGE_NOTIFICATIONS__CHANNELS__NTFY__TOPIC"] = "alerts"
        environment["OMI_BRIDGE_NOTIFICATIONS__CHANNELS__DESKTOP__ENABLED"] = "false"
        environment["OMI_BRIDGE_NTFY_TOKEN"] = "tk_not_an_override"  // no __: a secret, not a config path
        let ok = try await CLI.run(["config", "check", "--config", store.config], environment: environment)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("uid from_env"), "\(ok.stdout)")
        #expect(ok.stdout.contains("notifications: in_app, device_haptic, ntfy (https://ntfy.sh, topic alerts)"), "\(ok.stdout)")

        let home = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        var bare = ProcessInfo.processInfo.environment
        bare["XDG_CONFIG_HOME"] = home.path  // no file there
        bare["XDG_STATE_HOME"] = home.path
        bare["OMI_BRIDGE_USER__UID"] = "env_only"
        let envOnly = try await CLI.run(["config", "check"], environment: bare)
        #expect(envOnly.status == 0, "\(envOnly.stderr)")
        #expect(envOnly.stdout.contains("uid env_only"), "\(envOnly.stdout)")

        environment["OMI_BRIDGE_SERVER__LISTEN"] = "nowhere"
        environment["OMI_BRIDGE_SERVER__DIRECT_RATE_LIMIT_MODE"] = "[1, 2]"
        environment["OMI_BRIDGE_USER__UID__DEEPER"] = "x"
        let bad = try await CLI.run(["config", "check", "--config", store.config], environment: environment)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("server.listen: 'nowhere' is not HOST:PORT like 127.0.0.1:8765 (set by OMI_BRIDGE_SERVER__LISTEN)"), "\(bad.stderr)")
        #expect(bad.stderr.contains("server.direct_rate_limit_mode: must be a string (set by OMI_BRIDGE_SERVER__DIRECT_RATE_LIMIT_MODE)"), "\(bad.stderr)")
        #expect(bad.stderr.contains("user.uid.deeper: cannot be set"), "\(bad.stderr)")
    }
}
