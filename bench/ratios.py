#!/usr/bin/env python3
"""Prints the ratio table of a benchmark run from the result files in RESULTS_DIR:

  writer.json        Google Benchmark JSON of bench_writer         (benchmark 1)
  file_backup.json   hyperfine JSON of file_backup.sh              (benchmark 2)
  safe_rebuild.json  hyperfine JSON of safe_rebuild.sh             (benchmark 3)
  metrics.json       Google Benchmark JSON of bench_metrics        (benchmark 4)

Usage: ratios.py RESULTS_DIR [--only writer|file_backup|safe_rebuild|metrics]
Missing files are skipped. Output is a Markdown table (pasted into bench/README.md).
"""
import json
import os
import sys

TO_MS = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}


def load(results, name):
    path = os.path.join(results, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def gbench(doc):
    """{(family, variant, arg): benchmark} of a Google Benchmark JSON document."""
    out = {}
    for b in doc.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration":
            continue
        parts = b["name"].split("/")
        out[(parts[0], parts[1], int(parts[2]))] = b
    return out


def ms(b):
    return b["real_time"] * TO_MS[b.get("time_unit", "ns")]


def hyper(doc):
    return {r["command"]: r for r in doc["results"]}


def verdict(ok):
    return "met" if ok else "NOT met"


def writer_rows(doc):
    rows = []
    bs = gbench(doc)
    batches = sorted({arg for (fam, _, arg) in bs if fam == "writer_insert"})
    for batch in batches:
        raw = bs.get(("writer_insert", "raw_c_api", batch))
        conn = bs.get(("writer_insert", "connection_no_rollups", batch))
        writer = bs.get(("writer_insert", "writer", batch))
        if not (raw and conn and writer):
            continue
        r, c, w = (x["items_per_second"] for x in (raw, conn, writer))
        ratio = w / r
        # CPU time per batch: unlike wall time it excludes WAL checkpoint writeback that lands
        # on whichever variant is running when it happens.
        cpu_ratio = raw["cpu_time"] / writer["cpu_time"]
        # Rollup upkeep per row: writer time per row minus the same INSERT through the db layer.
        upkeep_us = (1 / w - 1 / c) * 1e6
        share = upkeep_us / (1e6 / w) * 100
        rows.append((f"1. writer insert_batch, batch {batch}", f"{w:,.0f} rows/s",
                     f"raw C API {r:,.0f} rows/s", f"{ratio:.2f}x (cpu {cpu_ratio:.2f}x)", ">= 0.8x",
                     verdict(ratio >= 0.8)))
        rows.append((f"   db layer only (no rollups), batch {batch}", f"{c:,.0f} rows/s",
                     f"raw C API {r:,.0f} rows/s", f"{c / r:.2f}x", "-",
                     f"rollup upkeep {upkeep_us:.1f} us/row = {share:.0f}% of writer time"))
    return rows


def file_backup_rows(doc):
    h = hyper(doc)
    ours = h["safemig file backup"]["mean"]
    rows = []
    for anchor, goal in (("cp + openssl sha256", True), ("cp + sha256sum", False),
                         ("cp + fsync + openssl sha256", False)):
        if anchor not in h:
            continue
        a = h[anchor]["mean"]
        ratio = ours / a
        rows.append((f"2. verified file backup vs {anchor}", f"{ours:.2f} s", f"{a:.2f} s",
                     f"{ratio:.2f}x", "<= 2x" if goal else "-",
                     verdict(ratio <= 2.0) if goal else "for reference"))
    return rows


def safe_rebuild_rows(doc):
    h = hyper(doc)
    ours = h["safemig safe rebuild"]["mean"]
    peer = h["alembic batch_alter_table"]["mean"]
    ratio = ours / peer
    return [("3. safe rebuild (all safety) vs alembic batch", f"{ours:.1f} s", f"{peer:.1f} s",
             f"{ratio:.2f}x", "<= 1.3x", verdict(ratio <= 1.3))]


def metrics_rows(doc):
    rows = []
    bs = gbench(doc)
    for days in (1, 30):
        reader = bs.get(("metrics", "reader", days))
        seed = bs.get(("metrics", "seed_10_queries", days))
        if not (reader and seed):
            continue
        speedup = ms(seed) / ms(reader)
        p95 = reader["p95_ms"]
        same = int(reader["requests"]) == int(seed["requests"])
        rows.append((f"4. metrics({days}d), {int(reader['requests']):,} requests in range",
                     f"{ms(reader):.2f} ms (p95 {p95:.2f} ms)", f"10 queries {ms(seed):.1f} ms",
                     f"{speedup:.0f}x faster", ">= 100x, p95 <= 10 ms",
                     verdict(speedup >= 100 and p95 <= 10) +
                     ("" if same else " (request counts differ!)")))
    return rows


SECTIONS = [("writer", "writer.json", writer_rows),
            ("file_backup", "file_backup.json", file_backup_rows),
            ("safe_rebuild", "safe_rebuild.json", safe_rebuild_rows),
            ("metrics", "metrics.json", metrics_rows)]


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    results = argv[1]
    only = argv[3] if len(argv) >= 4 and argv[2] == "--only" else None
    rows = []
    for name, file, fn in SECTIONS:
        if only and name != only:
            continue
        doc = load(results, file)
        if doc is not None:
            rows.extend(fn(doc))
    header = ("benchmark", "safemig", "anchor", "ratio", "goal", "result")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
