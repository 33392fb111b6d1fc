#!/usr/bin/env python3
"""Connect-to-first-PONG latency: N sequential new connections to PORT (on HOST, default 127.0.0.1), each sending PING and waiting
for +PONG. Prints "median p99 rate": milliseconds, and connections per second over the whole run. With --tls CAFILE, each
connection is a new TLS session (no resumption) verified against CAFILE, so the rate is full handshakes per second.

usage: connect.py [--tls CAFILE] PORT N [HOST]
"""
import socket, ssl, statistics, sys, time

args = sys.argv[1:]
tls = None
if args[:1] == ["--tls"]:
    tls = ssl.create_default_context(cafile=args[1])
    tls.check_hostname = False
    args = args[2:]
port, n = int(args[0]), int(args[1])
host = args[2] if len(args) > 2 else "127.0.0.1"
samples = []
began = time.perf_counter()
for _ in range(n):
    start = time.perf_counter()
    with socket.create_connection((host, port), timeout=10) as raw:
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s = tls.wrap_socket(raw) if tls else raw
        s.sendall(b"PING\r\n")
        reply = b""
        while not reply.endswith(b"\r\n"):
            chunk = s.recv(64)
            if not chunk:
                sys.exit("connection closed before PONG")
            reply += chunk
        if reply != b"+PONG\r\n":
            sys.exit("unexpected reply %r" % reply)
    samples.append((time.perf_counter() - start) * 1000)
elapsed = time.perf_counter() - began
samples.sort()
print("%.2f %.2f %.0f" % (statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))], n / elapsed))
