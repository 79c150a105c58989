/* bench/ble/libdbus_floor.c: the least a libdbus client can do per StartNotify notification, as a floor for
 * `omi-bridge bench-ble --notify start` (which must use libdbus, omi-bridge's rule 1). Same sequence and JSON line
 * as the other clients: Connect, find the audio characteristic by UUID, match PropertiesChanged on it,
 * StartNotify, StartBurst, then one thread blocking in dbus_connection_read_write and popping each message,
 * reading the "Value" bytes in place and checking the packet index. No coalescing, no handler table, no Swift.
 *   cc -O2 -o floor libdbus_floor.c $(pkg-config --cflags --libs dbus-1)
 *   DBUS_SYSTEM_BUS_ADDRESS=… ./floor RATE COUNT PAYLOAD [COALESCE_US]
 * COALESCE_US > 0 sleeps that long after each batch so more messages are read per wake-up (as omi-bridge does). */
#include <dbus/dbus.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static const char *AUDIO_DATA = "19b10001-e8f2-537e-4f6c-d104768a1214";
static const char *DEVICE = "/org/bluez/hci0/dev_C4_3A_92_0B_5E_01";

static void die(const char *what, DBusError *e) {
    fprintf(stderr, "libdbus_floor: %s: %s\n", what, e && dbus_error_is_set(e) ? e->message : "failed");
    exit(1);
}

/* A blocking method call to org.bluez; exits on an error reply other than `tolerated`. */
static DBusMessage *call_tolerating(const char *tolerated, DBusConnection *c, const char *path, const char *iface,
                                    const char *member, int first, ...) {
    DBusMessage *m = dbus_message_new_method_call("org.bluez", path, iface, member);
    va_list ap;
    va_start(ap, first);
    if (first != DBUS_TYPE_INVALID) dbus_message_append_args_valist(m, first, ap);
    va_end(ap);
    DBusError e;
    dbus_error_init(&e);
    DBusMessage *r = dbus_connection_send_with_reply_and_block(c, m, 10000, &e);
    dbus_message_unref(m);
    if (!r && tolerated && dbus_error_has_name(&e, tolerated)) {
        dbus_error_free(&e);
        return dbus_message_new(DBUS_MESSAGE_TYPE_METHOD_RETURN);
    }
    if (!r) die(member, &e);
    return r;
}
#define call(...) call_tolerating(NULL, __VA_ARGS__)

/* The object path whose GattCharacteristic1.UUID is AUDIO_DATA, from GetManagedObjects (a{oa{sa{sv}}}). */
static char *find_characteristic(DBusConnection *c) {
    DBusMessage *r = call(c, "/", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", DBUS_TYPE_INVALID);
    DBusMessageIter objects, object, ifaces, iface, props, prop, value;
    char *found = NULL;
    dbus_message_iter_init(r, &objects);
    dbus_message_iter_recurse(&objects, &object);
    for (; !found && dbus_message_iter_get_arg_type(&object) == DBUS_TYPE_DICT_ENTRY; dbus_message_iter_next(&object)) {
        DBusMessageIter entry;
        const char *path;
        dbus_message_iter_recurse(&object, &entry);
        dbus_message_iter_get_basic(&entry, &path);
        dbus_message_iter_next(&entry);
        dbus_message_iter_recurse(&entry, &ifaces);
        for (; dbus_message_iter_get_arg_type(&ifaces) == DBUS_TYPE_DICT_ENTRY; dbus_message_iter_next(&ifaces)) {
            const char *name;
            dbus_message_iter_recurse(&ifaces, &iface);
            dbus_message_iter_get_basic(&iface, &name);
            if (strcmp(name, "org.bluez.GattCharacteristic1") != 0) continue;
            dbus_message_iter_next(&iface);
            dbus_message_iter_recurse(&iface, &props);
            for (; dbus_message_iter_get_arg_type(&props) == DBUS_TYPE_DICT_ENTRY; dbus_message_iter_next(&props)) {
                const char *key, *uuid;
                dbus_message_iter_recurse(&props, &prop);
                dbus_message_iter_get_basic(&prop, &key);
                dbus_message_iter_next(&prop);
                dbus_message_iter_recurse(&prop, &value);
                if (strcmp(key, "UUID") == 0 && dbus_message_iter_get_arg_type(&value) == DBUS_TYPE_STRING) {
                    dbus_message_iter_get_basic(&value, &uuid);
                    if (strcmp(uuid, AUDIO_DATA) == 0) found = strdup(path);
                }
            }
        }
    }
    dbus_message_unref(r);
    return found;
}

/* Whether the connection's socket has bytes waiting (libdbus reads at most 2 KiB per read_write). */
static int readable(int fd) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

/* The bytes of "Value" in a PropertiesChanged(s a{sv} as) signal, read in place; NULL if it has none. */
static const unsigned char *value_bytes(DBusMessage *m, int *length) {
    DBusMessageIter args, changed, entry, variant, bytes;
    if (!dbus_message_iter_init(m, &args) || !dbus_message_iter_next(&args)) return NULL;
    dbus_message_iter_recurse(&args, &changed);
    for (; dbus_message_iter_get_arg_type(&changed) == DBUS_TYPE_DICT_ENTRY; dbus_message_iter_next(&changed)) {
        const char *key;
        dbus_message_iter_recurse(&changed, &entry);
        dbus_message_iter_get_basic(&entry, &key);
        if (strcmp(key, "Value") != 0) continue;
        dbus_message_iter_next(&entry);
        dbus_message_iter_recurse(&entry, &variant);
        if (dbus_message_iter_get_arg_type(&variant) != DBUS_TYPE_ARRAY) return NULL;
        const unsigned char *data;
        dbus_message_iter_recurse(&variant, &bytes);
        dbus_message_iter_get_fixed_array(&bytes, &data, length);
        return data;
    }
    return NULL;
}

static double cpu_us(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 + u.ru_utime.tv_usec + u.ru_stime.tv_usec;
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: DBUS_SYSTEM_BUS_ADDRESS=… %s RATE COUNT PAYLOAD [COALESCE_US]\n", argv[0]);
        return 2;
    }
    dbus_uint32_t rate = (dbus_uint32_t)atoi(argv[1]), count = (dbus_uint32_t)atoi(argv[2]);
    dbus_uint16_t payload = (dbus_uint16_t)atoi(argv[3]);
    useconds_t coalesce = argc == 5 ? (useconds_t)atoi(argv[4]) : 0;
    const char *address = getenv("DBUS_SYSTEM_BUS_ADDRESS");
    DBusError e;
    dbus_error_init(&e);
    DBusConnection *c = address ? dbus_connection_open_private(address, &e) : NULL;
    if (!c || !dbus_bus_register(c, &e)) die("connecting to $DBUS_SYSTEM_BUS_ADDRESS", &e);
    dbus_connection_set_exit_on_disconnect(c, FALSE);

    dbus_message_unref(call_tolerating("org.bluez.Error.AlreadyConnected", c, DEVICE, "org.bluez.Device1", "Connect",
                                       DBUS_TYPE_INVALID));
    char *characteristic = NULL;
    for (int tries = 0; !characteristic && tries < 100; tries++) {  /* services resolve just after Connect */
        characteristic = find_characteristic(c);
        if (!characteristic) usleep(50000);
    }
    if (!characteristic) die("no audio characteristic after Connect", NULL);
    char rule[512];
    snprintf(rule, sizeof rule,
             "type='signal',sender='org.bluez',path='%s',interface='org.freedesktop.DBus.Properties',"
             "member='PropertiesChanged',arg0='org.bluez.GattCharacteristic1'", characteristic);
    dbus_bus_add_match(c, rule, &e);
    if (dbus_error_is_set(&e)) die("AddMatch", &e);
    dbus_message_unref(call(c, characteristic, "org.bluez.GattCharacteristic1", "StartNotify", DBUS_TYPE_INVALID));

    long received = 0, gaps = 0;
    int last = -1;
    double cpu0 = cpu_us(), began = now_s(), expected_end = (double)count / rate, last_seen = began;
    dbus_message_unref(call(c, "/io/omibridge/simulator", "io.omibridge.Simulator1", "StartBurst", DBUS_TYPE_UINT32,
                            &rate, DBUS_TYPE_UINT32, &count, DBUS_TYPE_UINT16, &payload, DBUS_TYPE_INVALID));
    int fd = -1;
    dbus_connection_get_unix_fd(c, &fd);
    while (received < count) {
        if (!dbus_connection_read_write(c, 200)) break;
        DBusMessage *m;
        int popped = 0, rounds = 0;
    more:
        while ((m = dbus_connection_pop_message(c)) != NULL) {
            popped++;
            int length = 0;
            const unsigned char *data;
            if (dbus_message_get_type(m) == DBUS_MESSAGE_TYPE_SIGNAL && (data = value_bytes(m, &length)) && length >= 3) {
                int index = data[0] | data[1] << 8;
                if (last >= 0 && ((index - last) & 0xFFFF) != 1) gaps++;
                last = index;
                received++;
                last_seen = now_s();
            }
            dbus_message_unref(m);
        }
        if (++rounds < 256 && readable(fd)) {  /* drain what the socket holds before sleeping again */
            dbus_connection_read_write(c, 0);
            goto more;
        }
        if (popped && coalesce) usleep(coalesce);
        double t = now_s();
        if (t - began > expected_end && t - last_seen > 2) break;
    }
    double cpu = cpu_us() - cpu0, wall = now_s() - began;
    dbus_message_unref(call(c, characteristic, "org.bluez.GattCharacteristic1", "StopNotify", DBUS_TYPE_INVALID));
    printf("{\"client\": \"libdbus-c\", \"coalesce_us\": %u, \"mode\": \"start\", \"rate\": %u, \"sent\": %u, \"received\": %ld, "
           "\"lost\": %ld, \"index_gaps\": %ld, \"wall_s\": %.3f, \"cpu_us_per_notification\": %.3f}\n",
           (unsigned)coalesce, rate, count, received, (long)count - received, gaps, wall, received ? cpu / received : 0.0);
    dbus_message_unref(call(c, DEVICE, "org.bluez.Device1", "Disconnect", DBUS_TYPE_INVALID));
    free(characteristic);
    dbus_connection_close(c);
    dbus_connection_unref(c);
    return 0;
}
