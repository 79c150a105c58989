#!/usr/bin/env python3
"""bleak counterpart of `omi-bridge bench-ble`: receive one burst of notifications from the simulator
(`omi-bridge simulate --silent`) and print one JSON line with the same keys, "client": "bleak".

Same CLI (--notify acquire|start --rate R --count N --payload P); the bus comes from DBUS_SYSTEM_BUS_ADDRESS,
which bleak's dbus-fast honours for the system bus.

  python bleak_client.py --stats   prints the simulator's Stats() as JSON (used by bench/ble/run)

Notify path, verified against bleak 3.1.0 (bleak/backends/bluezdbus/client.py, start_notify):
  BleakClient.start_notify(char, cb, bluez={"use_start_notify": False}) calls AcquireNotify, but only if the
  characteristic has the "NotifyAcquired" property; otherwise it silently falls back to StartNotify.
  bluez={"use_start_notify": True} (the default since 3.0.2; before that the default was False) calls StartNotify.
  Because of the silent fallback, the path actually used is checked afterwards with the simulator's counters
  (deliveredViaAcquire / deliveredViaSignal) and the run fails if it is not the one asked for.
"""
import argparse
import asyncio
import json
import resource
import sys
import time

from bleak import BleakClient, BleakScanner
from dbus_fast import BusType, Message, MessageType
from dbus_fast.aio import MessageBus

ADDRESS = "C4:3A:92:0B:5E:01"
AUDIO_SERVICE = "19b10000-e8f2-537e-4f6c-d104768a1214"
AUDIO_DATA = "19b10001-e8f2-537e-4f6c-d104768a1214"
CONTROL = dict(destination="org.bluez", path="/io/omibridge/simulator", interface="io.omibridge.Simulator1")


def cpu_us():
    """User + system CPU time of this process so far, in µs."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return (r.ru_utime + r.ru_stime) * 1e6


async def control(bus, member, signature="", body=()):
    """Calls a method of the simulator's control interface and returns the reply body."""
    reply = await bus.call(Message(member=member, signature=signature, body=list(body), **CONTROL))
    if reply.message_type == MessageType.ERROR:
        raise RuntimeError(f"{CONTROL['interface']}.{member}: {reply.error_name}: {reply.body}")
    return reply.body


async def stats(bus):
    """The simulator's counters, as plain numbers."""
    (d,) = await control(bus, "Stats")
    return {k: v.value for k, v in d.items()}


async def main(args):
    # A second connection to the same bus, only for the simulator's control interface.
    bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
    if args.stats:
        print(json.dumps(await stats(bus), sort_keys=True))
        return

    received = gaps = 0
    last = -1

    def on_notify(_sender, data):
        # The same minimal work as omi-bridge's callback: count, and check the u16 LE packet index for gaps.
        nonlocal received, gaps, last
        if len(data) < 3:
            return
        index = data[0] | data[1] << 8
        if last >= 0 and (index - last) & 0xFFFF != 1:
            gaps += 1
        last = index
        received += 1

    # Discover the Omi by its audio service (StartDiscovery on the adapter), as omi-bridge does; then connect.
    device = await BleakScanner.find_device_by_filter(lambda _d, adv: AUDIO_SERVICE in adv.service_uuids, timeout=10)
    if device is None:
        sys.exit(f"bleak_client: no device with service {AUDIO_SERVICE} (the simulated Omi is {ADDRESS})")
    async with BleakClient(device) as client:
        await client.start_notify(AUDIO_DATA, on_notify, bluez={"use_start_notify": args.notify == "start"})
        before = await stats(bus)

        cpu0 = cpu_us()
        began = time.monotonic()
        await control(bus, "StartBurst", "uuq", (args.rate, args.count, args.payload))
        # Done when everything arrived, or when nothing new arrived for 1 s after the burst should have ended.
        expected_end = args.count / args.rate
        seen, idle_since = 0, time.monotonic()
        while received < args.count:
            await asyncio.sleep(0.02)
            now = time.monotonic()
            if received != seen:
                seen, idle_since = received, now
            elif now - began > expected_end and now - idle_since > 1:
                break
        cpu = cpu_us() - cpu0
        wall = time.monotonic() - began

        after = await stats(bus)
        await client.stop_notify(AUDIO_DATA)
    bus.disconnect()

    # The path bleak really used, from the simulator's own counters.
    via = {k: after[k] - before[k] for k in ("deliveredViaAcquire", "deliveredViaSignal")}
    wanted = "deliveredViaAcquire" if args.notify == "acquire" else "deliveredViaSignal"
    if via[wanted] == 0 or sum(via.values()) != via[wanted]:
        sys.exit(f"bleak_client: asked for --notify {args.notify}, but the simulator delivered {via}")

    print(json.dumps({
        "client": "bleak", "mode": args.notify, "rate": args.rate, "sent": args.count, "received": received,
        "lost": args.count - received, "index_gaps": gaps, "wall_s": wall,
        "cpu_us_per_notification": cpu / received if received else 0,
    }, sort_keys=True))


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--notify", choices=["acquire", "start"], default="acquire")
    p.add_argument("--rate", type=int, default=1000)
    p.add_argument("--count", type=int, default=3000)
    p.add_argument("--payload", type=int, default=80)
    p.add_argument("--stats", action="store_true", help="print the simulator's Stats() and exit")
    asyncio.run(main(p.parse_args()))
