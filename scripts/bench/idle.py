#!/usr/bin/env python3
"""Holds N idle client connections through a port for scripts/bench/idle: opens them one by one, each
answering PING with PONG (so the whole path to Redis exists), writes 'ready' to stdout, then waits for
stdin to close and closes them all."""
import socket
import sys

port, count = int(sys.argv[1]), int(sys.argv[2])
held = []
for i in range(count):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(b"PING\r\n")
    reply = b""
    while not reply.endswith(b"\r\n"):
        chunk = s.recv(64)
        if not chunk:
            sys.exit(f"connection {i} closed before PONG")
        reply += chunk
    if reply != b"+PONG\r\n":
        sys.exit(f"connection {i} got {reply!r}")
    held.append(s)
print("ready", flush=True)
sys.stdin.read()
for s in held:
    s.close()
