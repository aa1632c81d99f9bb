#!/usr/bin/env python3
"""Prints criterion medians as a Markdown table.

Usage: scripts/bench-table.py [CRITERION_DIR]   (default: target/bench/criterion)

Reads <group>/<bench>/new/estimates.json and benchmark.json written by
`cargo bench`; the median is criterion's median of per-iteration sample
times, with its 95 % confidence interval.
"""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/bench/criterion")


def fmt(ns: float) -> str:
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}" if ns / scale < 100 else f"{ns / scale:.1f} {unit}"
    return f"{ns:.3g} ns"


print("| benchmark | median | 95 % CI | per second (1 core) | throughput |")
print("|---|---:|---|---:|---:|")
for est in sorted(root.rglob("new/estimates.json")):
    bench = json.loads((est.parent / "benchmark.json").read_text())
    median = json.loads(est.read_text())["median"]
    m = median["point_estimate"]
    lo, hi = median["confidence_interval"]["lower_bound"], median["confidence_interval"]["upper_bound"]
    tp = ""
    if bench.get("throughput") and "Bytes" in bench["throughput"]:
        tp = f"{bench['throughput']['Bytes'] / m * 1e9 / 1e6:.1f} MB/s"
    print(f"| {bench['full_id']} | {fmt(m)} | {fmt(lo)} – {fmt(hi)} | {1e9 / m:,.0f} | {tp} |")
