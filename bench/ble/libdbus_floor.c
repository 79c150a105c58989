/* bench/ble/libdbus_floor.c: the least a C client can do per notification, as a floor for `omi-bridge bench-ble`
 * (which must use libdbus, omi-bridge's rule 1). Same sequence and JSON line as the other clients: Connect, find
 * the audio characteristic by UUID, subscribe, StartBurst, read, check the packet index. No handler table, no Swift.
 *   StartNotify (the default): match PropertiesChanged on the characteristic, StartNotify, then one thread blocking
 *     in dbus_connection_read_write and popping each message, reading the "Value" bytes in place.
 *   AcquireNotify (--acquire): AcquireNotify, then recvmmsg on the socket into one buffer, with the pause policy of
 *     omi-bridge's reader (Sources/BlueZ/GattNotifications.swift); COALESCE_US is its cap below 20k/s.
 *   cc -O2 -o floor libdbus_floor.c $(pkg-config --cflags --libs dbus-1)
 *   DBUS_SYSTEM_BUS_ADDRESS=… ./floor [--acquire] RATE COUNT PAYLOAD [COALESCE_US]
 * COALESCE_US > 0 sleeps that long after each batch so more messages are read per wake-up (as omi-bridge does). */
#define _GNU_SOURCE
#include <dbus/dbus.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
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

static long now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000L + t.tv_nsec / 1000;
}

static double now_s(void) { return now_us() / 1e6; }


/* One packet's header: counts it, and a gap when its index does not follow the last one's. */
static void count_packet(const unsigned char *data, int *last, long *received, long *gaps) {
    int index = data[0] | data[1] << 8;
    if (*last >= 0 && ((index - *last) & 0xFFFF) != 1) (*gaps)++;
    *last = index;
    (*received)++;
}

enum { BATCH = 64, SLOT = 1024 };

/* AcquireNotify: the datagrams of the acquired socket, read like omi-bridge's reader: drain with recvmmsg (64 per
 * call), then pause for about 32 datagrams at the estimated rate (at most `cap` µs), above 20k/s for about 100 (at
 * most 3 ms); no pause after a poll that blocked 20 ms or more. Counts into *received and *gaps. */

static void read_acquired(int fd, long count, double expected_end, long cap, long *received, long *gaps) {
    static unsigned char buffer[BATCH * SLOT];
    struct mmsghdr messages[BATCH];
    struct iovec iov[BATCH];
    int last = -1;
    long rate = 0, previous = 0, last_wake = now_us(), began = last_wake, last_seen = last_wake;
    while (*received < count) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        long polled = now_us();
        int ready = poll(&p, 1, 200);
        long blocked = now_us() - polled;
        if (ready < 0) break;
        if (p.revents & (POLLHUP | POLLERR)) break;
        long drained = 0;
        while (ready > 0) {
            for (int i = 0; i < BATCH; i++) {
                iov[i] = (struct iovec){.iov_base = buffer + i * SLOT, .iov_len = SLOT};
                messages[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
            }
            int n = recvmmsg(fd, messages, BATCH, MSG_DONTWAIT, NULL);
            if (n <= 0) break;
            for (int i = 0; i < n; i++) {
                if (messages[i].msg_len >= 3) count_packet(buffer + i * SLOT, &last, received, gaps);
            }
            drained += n;
            if (n < BATCH) break;
        }
        long now = now_us();
        if (drained) last_seen = now;
        if (drained > 0 && previous > 0 && blocked < 20000) {
            long instant = drained * 1000000 / (now - last_wake > 1 ? now - last_wake : 1);
            rate = instant > rate * 15 / 16 ? instant : rate * 15 / 16;
        } else if (drained > 0 && blocked >= 20000) {
            rate = 0;
        }
        previous = drained;
        if (drained > 0 && drained < BATCH && rate > 0) {
            long limit = rate > 20000 ? 3000 : cap, target = rate > 20000 ? 100 : 32;
            long pause = target * 1000000 / rate < limit ? target * 1000000 / rate : limit;
            if (pause > 50) usleep((useconds_t)pause);
        }
        last_wake = now;
        if ((now - began) / 1e6 > expected_end && now - last_seen > 2000000) break;
    }
}

/* StartNotify: PropertiesChanged signals, popped one by one, the socket drained before each pause. */
static void read_signals(DBusConnection *c, long count, double expected_end, useconds_t coalesce, long *received,
                         long *gaps) {
    int last = -1, fd = -1;
    double began = now_s(), last_seen = began;
    dbus_connection_get_unix_fd(c, &fd);
    while (*received < count) {
        if (!dbus_connection_read_write(c, 200)) break;
        DBusMessage *m;
        int popped = 0, rounds = 0;
    more:
        while ((m = dbus_connection_pop_message(c)) != NULL) {
            popped++;
            int length = 0;
            const unsigned char *data;
            if (dbus_message_get_type(m) == DBUS_MESSAGE_TYPE_SIGNAL && (data = value_bytes(m, &length)) && length >= 3) {
                count_packet(data, &last, received, gaps);
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
}

/* AcquireNotify(a{sv}) → (h fd, q mtu): the socket, which libdbus has dup'ed for us. */
static int acquire_notify(DBusConnection *c, const char *characteristic) {
    DBusMessage *m = dbus_message_new_method_call("org.bluez", characteristic, "org.bluez.GattCharacteristic1",
                                                  "AcquireNotify");
    DBusMessageIter args, options;
    dbus_message_iter_init_append(m, &args);
    dbus_message_iter_open_container(&args, DBUS_TYPE_ARRAY, "{sv}", &options);
    dbus_message_iter_close_container(&args, &options);
    DBusError e;
    dbus_error_init(&e);
    DBusMessage *r = dbus_connection_send_with_reply_and_block(c, m, 10000, &e);
    dbus_message_unref(m);
    int fd = -1;
    dbus_uint16_t mtu = 0;
    if (!r || !dbus_message_get_args(r, &e, DBUS_TYPE_UNIX_FD, &fd, DBUS_TYPE_UINT16, &mtu, DBUS_TYPE_INVALID))
        die("AcquireNotify", &e);
    dbus_message_unref(r);
    return fd;
}

int main(int argc, char **argv) {
    int acquire = argc > 1 && strcmp(argv[1], "--acquire") == 0;
    if (acquire) argc--, argv++;
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: DBUS_SYSTEM_BUS_ADDRESS=… libdbus_floor [--acquire] RATE COUNT PAYLOAD [COALESCE_US]\n");
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
    long received = 0, gaps = 0;
    double expected_end = (double)count / rate;
    int fd = -1;
    if (acquire) {
        fd = acquire_notify(c, characteristic);
    } else {
        char rule[512];
        snprintf(rule, sizeof rule,
                 "type='signal',sender='org.bluez',path='%s',interface='org.freedesktop.DBus.Properties',"
                 "member='PropertiesChanged',arg0='org.bluez.GattCharacteristic1'", characteristic);
        dbus_bus_add_match(c, rule, &e);
        if (dbus_error_is_set(&e)) die("AddMatch", &e);
        dbus_message_unref(call(c, characteristic, "org.bluez.GattCharacteristic1", "StartNotify", DBUS_TYPE_INVALID));
    }
    double cpu0 = cpu_us(), began = now_s();
    dbus_message_unref(call(c, "/io/omibridge/simulator", "io.omibridge.Simulator1", "StartBurst", DBUS_TYPE_UINT32,
                            &rate, DBUS_TYPE_UINT32, &count, DBUS_TYPE_UINT16, &payload, DBUS_TYPE_INVALID));
    if (acquire)
        read_acquired(fd, count, expected_end, coalesce ? (long)coalesce : 20000, &received, &gaps);
    else
        read_signals(c, count, expected_end, coalesce, &received, &gaps);
    double cpu = cpu_us() - cpu0, wall = now_s() - began;
    if (acquire)
        close(fd);  /* releases the acquisition, as StopNotify does for the other path */
    else
        dbus_message_unref(call(c, characteristic, "org.bluez.GattCharacteristic1", "StopNotify", DBUS_TYPE_INVALID));
    printf("{\"client\": \"libdbus-c\", \"coalesce_us\": %u, \"mode\": \"%s\", \"rate\": %u, \"sent\": %u, "
           "\"received\": %ld, \"lost\": %ld, \"index_gaps\": %ld, \"wall_s\": %.3f, \"cpu_us_per_notification\": %.3f}\n",
           (unsigned)coalesce, acquire ? "acquire" : "start", rate, count, received, (long)count - received, gaps, wall,
           received ? cpu / received : 0.0);
    dbus_message_unref(call(c, DEVICE, "org.bluez.Device1", "Disconnect", DBUS_TYPE_INVALID));
    free(characteristic);
    dbus_connection_close(c);
    dbus_connection_unref(c);
    return 0;
}
