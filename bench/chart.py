"""Draws bench/compare.sh's results as one SVG: req/s and p99 latency per query and server,
grouped bars on log scales (the bare-HTTP limit is an order of magnitude above the GraphQL
servers, and p99 spans 1 ms to hundreds). Python stdlib only, so the chart needs no packages.

    python3 bench/chart.py bench/results/results.json   # writes bench/results/throughput.svg
"""
import json
import math
import sys
from html import escape
from pathlib import Path

SERVERS = [("bare", "bare-HTTP limit", "#9e9e9e"), ("plain", "plain async-graphql (in-memory, no cache)", "#4f9d5d"),
           ("scs-cold", "scs-series (cold)", "#7fb3e0"), ("scs-warm", "scs-series (warm)", "#1f63a8"),
           ("apollo", "Apollo Server", "#e0822b")]
W, PANEL_H, TOP, LEFT, RIGHT = 1000, 300, 70, 70, 20
BAR, GAP = 26, 4  # bar width, gap between bars of a group


def compact(v):
    return f"{v / 1000:.3g}k" if v >= 1000 else f"{v:.3g}"


def panel(out, rows, queries, key, title, y0):
    """One panel of grouped bars for rows[key], on a log axis from y0 down PANEL_H pixels."""
    values = [r[key] for r in rows if r[key] > 0]
    lo, hi = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
    hi += hi == lo
    y = lambda v: y0 + PANEL_H - (math.log10(v) - lo) / (hi - lo) * PANEL_H
    out.append(f'<text x="{LEFT}" y="{y0 - 10}" class="t">{escape(title)}</text>')
    for e in range(lo, hi + 1):  # grid at 1, 2 and 5 of each decade
        for m in (1, 2, 5):
            v = m * 10**e
            if e == hi and m > 1:
                break
            cls = "major" if m == 1 else "minor"
            out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="{cls}"/>')
            out.append(f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" class="ax">{compact(v)}</text>')
    group = (W - LEFT - RIGHT) / len(queries)
    by = {(r["query"], r["server"]): r for r in rows}
    # A group has a bar for each server measured on its query (the plain server only has some);
    # bars narrow when the widest group would not fit.
    present = {q: [s for s in SERVERS if (q, s[0]) in by] for q in queries}
    bar = min(BAR, group / max(map(len, present.values())) - GAP)
    for i, q in enumerate(queries):
        x = LEFT + i * group + (group - len(present[q]) * (bar + GAP)) / 2
        for j, (key_s, _, color) in enumerate(present[q]):
            r = by[(q, key_s)]
            if r[key] <= 0:
                continue
            bx, top = x + j * (bar + GAP), y(r[key])
            out.append(f'<rect x="{bx:.1f}" y="{top:.1f}" width="{bar:g}" height="{y0 + PANEL_H - top:.1f}" '
                       f'fill="{color}"><title>{escape(r["label"])}: {r[key]:,.2f}</title></rect>')
            out.append(f'<text x="{bx + bar / 2:.1f}" y="{top - 3:.1f}" class="v">{compact(r[key])}</text>')
        out.append(f'<text x="{LEFT + (i + 0.5) * group:.1f}" y="{y0 + PANEL_H + 16}" class="q">{escape(q)}</text>')


def main(path):
    data = json.loads(Path(path).read_text())
    rows = data["rows"]
    queries = list(dict.fromkeys(r["query"] for r in rows))
    # Rows whose request differs from the usual one (persisted-get) are named under the chart.
    plain = {s: name for s, name, _ in SERVERS}
    notes = [f'{r["query"]}: {r["label"]}' for r in rows if r["label"] != plain.get(r["server"])]
    height = TOP + 2 * PANEL_H + 110 + 16 * len(notes)
    m = data["machine"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height}" '
           f'viewBox="0 0 {W} {height}" font-family="sans-serif">',
           '<style>.t{font-size:14px;font-weight:bold}.ax{font-size:10px;text-anchor:end;fill:#555}'
           '.v{font-size:8px;text-anchor:middle;fill:#333}.q{font-size:12px;text-anchor:middle}'
           '.n{font-size:11px;fill:#444}.major{stroke:#bbb}.minor{stroke:#eee}</style>',
           f'<rect width="{W}" height="{height}" fill="white"/>',
           f'<text x="{LEFT}" y="22" font-size="16" font-weight="bold">scs-series against the bare-HTTP '
           f'limit, plain async-graphql and Apollo Server</text>',
           f'<text x="{LEFT}" y="40" class="n">{escape(data["date"])}, {escape(m["cpu"])}, {m["nproc"]} CPUs, '
           f'Linux {escape(m["kernel"])}; wrk -t{data["load"]["threads"]} -c{data["load"]["connections"]} '
           f'-d{data["load"]["seconds"]}s on the same machine</text>']
    lx = LEFT
    for s, name, color in SERVERS:  # legend, of the servers in the results
        if not any(r["server"] == s for r in rows):
            continue
        out.append(f'<rect x="{lx}" y="50" width="12" height="12" fill="{color}"/>'
                   f'<text x="{lx + 16}" y="60" class="n">{name}</text>')
        lx += 16 + 6 * len(name) + 20  # about 6 px a character at 11 px
    panel(out, rows, queries, "rps", "requests per second (log scale, higher is better)", TOP + 20)
    panel(out, rows, queries, "p99_ms", "p99 latency, ms (log scale, lower is better)", TOP + PANEL_H + 70)
    for i, note in enumerate(notes):
        out.append(f'<text x="{LEFT}" y="{TOP + 2 * PANEL_H + 110 + 16 * i}" class="n">{escape(note)}</text>')
    out.append("</svg>")
    target = Path(path).with_name("throughput.svg")
    target.write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/results/results.json")
