#!/usr/bin/env python3
"""Draws a benchmark's CSV (written by bench/common/plot.h) as a PNG.

    plot.py memory  CSV PNG   columns: releases, rss_mib, peak_mib, baseline_mib
    plot.py latency CSV PNG   columns: ms (one latency per line)

Needs matplotlib (Debian python3-matplotlib).
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def memory(data, ax):
    n = [int(r["releases"]) for r in data]
    for key, label in (("rss_mib", "RSS after sync"), ("peak_mib", "peak RSS (VmHWM)"),
                       ("baseline_mib", "RSS with no objects")):
        ax.plot(n, [float(r[key]) for r in data], marker="o", label=label)
    ax.axhline(100 / 1.048576, color="red", linestyle="--", label="goal: 100 MB at 10,000")
    ax.set_xlabel("Releases (each with its target Deployment)")
    ax.set_ylabel("MiB")
    ax.set_title("ferry-operator memory after syncing N Releases")


def latency(data, ax):
    ms = sorted(float(r["ms"]) for r in data)
    ax.plot(ms, [(i + 1) / len(ms) for i in range(len(ms))], drawstyle="steps-post")
    ax.axvline(50, color="red", linestyle="--", label="goal: p99 < 50 ms")
    ax.axhline(0.99, color="grey", linestyle=":", label="p99")
    ax.set_xlim(0, max(60.0, ms[-1] * 1.05))
    ax.set_xlabel("Release version change -> canary Deployment seen (ms)")
    ax.set_ylabel("fraction of changes")
    ax.set_title("ferry-operator canary latency, CDF over %d changes" % len(ms))


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("memory", "latency"):
        sys.exit(__doc__)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    {"memory": memory, "latency": latency}[sys.argv[1]](rows(sys.argv[2]), ax)
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(sys.argv[3], dpi=100)


if __name__ == "__main__":
    main()
