#!/usr/bin/env python3
"""Bytes a JVM allocated during a JFR recording of jdk.ThreadAllocationStatistics (scripts/bench/alloc.jfc).

usage: alloc.py RECORDING.jfr   (prints the bytes: per thread, its largest total minus its smallest, summed;
a thread's total only grows). A thread that started during the recording counts from its first total.
"""
import json, subprocess, sys

events = json.loads(subprocess.run(["jfr", "print", "--json", "--events", "jdk.ThreadAllocationStatistics", sys.argv[1]],
                                   check=True, capture_output=True, text=True).stdout)["recording"]["events"]
low, high = {}, {}
for e in events:
    v = e["values"]
    if not v.get("thread"):
        continue
    thread = v["thread"]["javaThreadId"]
    low[thread] = min(low.get(thread, v["allocated"]), v["allocated"])
    high[thread] = max(high.get(thread, 0), v["allocated"])
print(sum(high[t] - low[t] for t in high))
