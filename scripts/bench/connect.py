#!/usr/bin/env python3
"""Connect-to-first-PONG latency: N sequential new connections to PORT (on HOST, default 127.0.0.1), each sending PING and waiting
for +PONG. Prints "median p99" in milliseconds.

usage: connect.py PORT N [HOST]
"""
import socket, statistics, sys, time

port, n = int(sys.argv[1]), int(sys.argv[2])
samples = []
host = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"
for _ in range(n):
    start = time.perf_counter()
    with socket.create_connection((host, port), timeout=10) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
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
samples.sort()
print("%.2f %.2f" % (statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]))
