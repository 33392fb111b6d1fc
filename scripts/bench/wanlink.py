#!/usr/bin/env python3
"""A WAN link in user space: moves IP packets between a TUN device in one network namespace and one in
another, each after DELAY_MS (each way), in order. Used where the kernel has no netem qdisc.

usage: wanlink.py NS_A TUN_A NS_B TUN_B DELAY_MS   (as root; the TUN devices exist, made persistent)
"""
import ctypes, fcntl, heapq, os, select, struct, sys, time

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
libc = ctypes.CDLL(None, use_errno=True)


def open_tun(namespace, name):
    """Opens the TUN device NAME of network namespace NAMESPACE (this process then stays in it)."""
    with open("/var/run/netns/" + namespace) as ns:
        if libc.setns(ns.fileno(), CLONE_NEWNET) != 0:
            sys.exit("setns %s: %s" % (namespace, os.strerror(ctypes.get_errno())))
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    os.set_blocking(fd, False)
    return fd


def main():
    ns_a, tun_a, ns_b, tun_b, delay_ms = sys.argv[1:6]
    delay = float(delay_ms) / 1000
    a, b = open_tun(ns_a, tun_a), open_tun(ns_b, tun_b)
    other = {a: b, b: a}
    queue, seq = [], 0  # (due, seq, fd to write, packet): seq keeps equal due times in arrival order
    print("ready", flush=True)
    while True:
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else None
        readable, _, _ = select.select([a, b], [], [], timeout)
        now = time.monotonic()
        for fd in readable:
            while True:
                try:
                    packet = os.read(fd, 65536)
                except BlockingIOError:
                    break
                seq += 1
                heapq.heappush(queue, (now + delay, seq, other[fd], packet))
        while queue and queue[0][0] <= time.monotonic():
            _, _, fd, packet = heapq.heappop(queue)
            try:
                os.write(fd, packet)
            except BlockingIOError:
                pass  # a full device queue drops the packet, as a congested link would


if __name__ == "__main__":
    main()
