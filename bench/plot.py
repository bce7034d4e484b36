#!/usr/bin/env python3
"""SVG plots for BENCHMARKS.md from the CSV files bench/run writes.

Plain SVG, no plotting library: the bench needs nothing beyond python3.
Usage: bench/plot.py RESULTS_DIR
"""
import csv
import math
import sys
from pathlib import Path

W, H, LEFT, RIGHT, TOP, BOTTOM = 720, 420, 80, 170, 40, 60
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]


def read(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def nice_ticks(low, high, count=5):
    span = (high - low) or 1.0
    step = 10 ** math.floor(math.log10(span / count))
    for m in (1, 2, 5, 10):
        if span / (step * m) <= count:
            step *= m
            break
    first = math.floor(low / step) * step
    ticks, t = [], first
    while t <= high + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    return ticks


class Plot:
    def __init__(self, title, xlabel, ylabel, x_log=False):
        self.title, self.xlabel, self.ylabel, self.x_log = title, xlabel, ylabel, x_log
        self.parts = []

    def frame(self, xmin, xmax, ymin, ymax):
        self.xmin, self.xmax, self.ymin, self.ymax = xmin, xmax, ymin, ymax

    def x(self, v):
        if self.x_log:
            v, lo, hi = math.log10(v), math.log10(self.xmin), math.log10(self.xmax)
        else:
            lo, hi = self.xmin, self.xmax
        return LEFT + (v - lo) / ((hi - lo) or 1) * (W - LEFT - RIGHT)

    def y(self, v):
        return H - BOTTOM - (v - self.ymin) / ((self.ymax - self.ymin) or 1) * (H - TOP - BOTTOM)

    def axes(self, xticks=None, xtick_labels=None):
        p = self.parts
        p.append(f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="16">{self.title}</text>')
        p.append(f'<line x1="{LEFT}" y1="{H - BOTTOM}" x2="{W - RIGHT}" y2="{H - BOTTOM}" stroke="black"/>')
        p.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{H - BOTTOM}" stroke="black"/>')
        for t in nice_ticks(self.ymin, self.ymax):
            if self.ymin <= t <= self.ymax:
                y = self.y(t)
                p.append(f'<line x1="{LEFT - 4}" y1="{y}" x2="{W - RIGHT}" y2="{y}" stroke="#ddd"/>')
                p.append(f'<text x="{LEFT - 8}" y="{y + 4}" text-anchor="end" font-size="11">{t:g}</text>')
        if xticks is None:
            xticks = [10 ** e for e in range(math.floor(math.log10(self.xmin)), math.ceil(math.log10(self.xmax)) + 1)] if self.x_log else nice_ticks(self.xmin, self.xmax)
        for i, t in enumerate(xticks):
            x = self.x(t)
            label = xtick_labels[i] if xtick_labels else f"{t:g}"
            p.append(f'<line x1="{x}" y1="{H - BOTTOM}" x2="{x}" y2="{H - BOTTOM + 4}" stroke="black"/>')
            p.append(f'<text x="{x}" y="{H - BOTTOM + 18}" text-anchor="middle" font-size="11">{label}</text>')
        p.append(f'<text x="{(LEFT + W - RIGHT) / 2}" y="{H - 15}" text-anchor="middle" font-size="13">{self.xlabel}</text>')
        p.append(f'<text x="18" y="{(TOP + H - BOTTOM) / 2}" text-anchor="middle" font-size="13" transform="rotate(-90 18 {(TOP + H - BOTTOM) / 2})">{self.ylabel}</text>')

    def legend(self, names):
        for i, name in enumerate(names):
            y = TOP + 10 + 20 * i
            self.parts.append(f'<rect x="{W - RIGHT + 15}" y="{y - 9}" width="12" height="12" fill="{COLOURS[i % len(COLOURS)]}"/>')
            self.parts.append(f'<text x="{W - RIGHT + 33}" y="{y + 2}" font-size="12">{name}</text>')

    def line(self, points, colour, marker=True):
        path = " ".join(f"{self.x(a):.1f},{self.y(b):.1f}" for a, b in points)
        self.parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        if marker:
            for a, b in points:
                self.parts.append(f'<circle cx="{self.x(a):.1f}" cy="{self.y(b):.1f}" r="3" fill="{colour}"/>')

    def save(self, path):
        body = "\n".join(self.parts)
        Path(path).write_text(f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n{body}\n</svg>\n')


def nf_cost(rows, out):
    variants = ["generated", "handwritten", "raw", "interpreter"]
    top = max(float(r[v]) for r in rows for v in variants)
    plot = Plot("NF cost: instructions per packet (callgrind, harness subtracted)", "spec", "instructions / packet")
    plot.frame(0, len(rows), 0, top * 1.1)
    plot.axes(xticks=[i + 0.5 for i in range(len(rows))], xtick_labels=[r["spec"] for r in rows])
    width = 0.8 / len(variants)
    for i, r in enumerate(rows):
        for j, v in enumerate(variants):
            x0, x1 = plot.x(i + 0.1 + j * width), plot.x(i + 0.1 + (j + 1) * width)
            y = plot.y(float(r[v]))
            plot.parts.append(f'<rect x="{x0:.1f}" y="{y:.1f}" width="{x1 - x0 - 1:.1f}" height="{plot.y(0) - y:.1f}" fill="{COLOURS[j]}"/>')
    plot.legend(variants)
    plot.save(out)


def latency(rows, out):
    plot = Plot("Latency vs throughput: NOP on the 82599 model (receive to transmit write-back)", "throughput (Mpps)", "latency (µs)")
    points = [(float(r["mpps"]), float(r["p50_ns"]) / 1e3, float(r["p99_ns"]) / 1e3) for r in rows]
    plot.frame(0, max(p[0] for p in points) * 1.05, 0, max(p[2] for p in points) * 1.1)
    plot.axes()
    plot.line([(a, b) for a, b, _ in points], COLOURS[0])
    plot.line([(a, c) for a, _, c in points], COLOURS[1])
    plot.legend(["median", "99th percentile"])
    plot.save(out)


def scale(rows, out):
    plot = Plot("Scale: instructions per packet vs table size", "prefixes (router) / rules (ACL)", "instructions / packet", x_log=True)
    sizes = [int(r["size"]) for r in rows]
    plot.frame(min(sizes), max(sizes), 0, max(float(r["instructions"]) for r in rows) * 1.15)
    plot.axes()
    kinds = sorted({r["kind"] for r in rows})
    for i, kind in enumerate(kinds):
        plot.line([(int(r["size"]), float(r["instructions"])) for r in rows if r["kind"] == kind], COLOURS[i])
    plot.legend(kinds)
    plot.save(out)


def main():
    results = Path(sys.argv[1])
    for name, draw in [("nf-cost", nf_cost), ("latency", latency), ("scale", scale)]:
        source = results / f"{name}.csv"
        if source.exists():
            draw(read(source), results / f"{name}.svg")


if __name__ == "__main__":
    main()
