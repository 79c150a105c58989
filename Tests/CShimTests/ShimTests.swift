import CDBus
import COpus
import Testing

@Suite("C shims")
struct ShimTests {
    @Test("D-Bus type codes are re-exported with their wire characters")
    func dbusTypeCodes() {
        let codes: [(Int32, Character)] = [
            (omi_dbus_type_byte, "y"), (omi_dbus_type_boolean, "b"), (omi_dbus_type_string, "s"),
            (omi_dbus_type_object_path, "o"), (omi_dbus_type_unix_fd, "h"), (omi_dbus_type_array, "a"),
            (omi_dbus_type_variant, "v"), (omi_dbus_type_struct, "r"), (omi_dbus_type_dict_entry, "e"),
        ]
        for (code, char) in codes { #expect(code == Int32(char.asciiValue!)) }
        #expect(dbus_signature_validate_single("a{sv}", nil) != 0)
        #expect(dbus_signature_validate_single("a{sv", nil) == 0)
    }

    @Test("Opus ctl wrappers reach libopus")
    func opusCtl() throws {
        var error: Int32 = 0
        let encoder = try #require(opus_encoder_create(16_000, 1, OPUS_APPLICATION_RESTRICTED_LOWDELAY, &error))
        defer { opus_encoder_destroy(encoder) }
        #expect(omi_opus_encoder_set_bitrate(encoder, 32_000) == OPUS_OK)
        #expect(omi_opus_encoder_set_complexity(encoder, 42) == OPUS_BAD_ARG)
        var lookahead: Int32 = 0
        #expect(omi_opus_encoder_get_lookahead(encoder, &lookahead) == OPUS_OK)
        #expect(lookahead == 40)  // 2.5 ms at 16 kHz: CELT-only low delay
    }
}
