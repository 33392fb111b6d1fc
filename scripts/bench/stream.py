#!/usr/bin/env python3
"""Raw stream throughput: sends SIZE bytes into PORT and measures them arriving at a discard sink.

usage: stream.py SINK_PORT SEND_PORT SIZE_BYTES   (prints MB/s, 1 MB = 10^6 bytes)
The sink listens on SINK_PORT; the path under test carries SEND_PORT -> ... -> SINK_PORT.
"""
import socket, sys, threading, time

sink_port, send_port, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", sink_port))
srv.listen(1)
result = {}

def sink():
    conn, _ = srv.accept()
    buf = bytearray(1 << 20)
    got, start = 0, None
    while True:
        n = conn.recv_into(buf)
        if n == 0:
            break
        if start is None:
            start = time.perf_counter()
        got += n
    result["bytes"], result["secs"] = got, time.perf_counter() - start

t = threading.Thread(target=sink)
t.start()
out = socket.create_connection(("127.0.0.1", send_port))
chunk = b"\0" * (1 << 20)
left = size
while left > 0:
    n = min(left, len(chunk))
    out.sendall(chunk[:n])
    left -= n
out.shutdown(socket.SHUT_WR)
t.join(600)
out.close()
if result.get("bytes") != size:
    sys.exit("stream lost data: %s of %d bytes" % (result.get("bytes"), size))
print("%.0f" % (size / result["secs"] / 1e6))
