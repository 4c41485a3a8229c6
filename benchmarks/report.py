"""Medians, side-by-side ratios, and the Markdown and JSON results."""
from __future__ import annotations

import json
import statistics
from pathlib import Path

from .tools import LABELS

KINDS = ("cold", "no_change", "one_change")
KIND_LABELS = {"cold": "cold", "no_change": "no-change", "one_change": "one-changed"}


def measured(records: list[dict], size: int, tool: str, kind: str) -> list[dict]:
    return [r for r in records if (r["size"], r["tool"], r["kind"]) == (size, tool, kind)]


def median_of(records: list[dict], field: str) -> float | None:
    values = [r[field] for r in records if r["error"] is None]
    return statistics.median(values) if values else None


def summarise(records: list[dict]) -> list[dict]:
    """One row per size and tool: medians over the repetitions that succeeded."""
    rows = []
    for size, tool in dict.fromkeys((r["size"], r["tool"]) for r in records):
        row = {"size": size, "tool": tool}
        for kind in KINDS:
            runs = measured(records, size, tool, kind)
            row[f"{kind}_s"] = median_of(runs, "seconds")
            row[f"{kind}_peak_mb"] = median_of(runs, "peak_mb")
            row[f"{kind}_failed"] = sum(r["error"] is not None for r in runs)
        html_files = {r["html_files"] for r in measured(records, size, tool, "cold")} - {None}
        row["html_files"] = max(html_files, default=None)
        rows.append(row)
    return rows


def paired_ratio(records: list[dict], size: int, tool: str, kind: str, field: str) -> float | None:
    """Median over repetitions of tool / ours, each ratio from one repetition.

    Both builds of a pair ran minutes apart at most, so a machine that speeds up or
    slows down during the run moves both sides of a ratio alike.
    """
    ours = {r["rep"]: r[field] for r in measured(records, size, "ours", kind) if r["error"] is None}
    theirs = {r["rep"]: r[field] for r in measured(records, size, tool, kind) if r["error"] is None}
    ratios = [theirs[rep] / ours[rep] for rep in ours.keys() & theirs.keys() if ours[rep]]
    return statistics.median(ratios) if ratios else None


def ratios(records: list[dict]) -> list[dict]:
    rows = []
    for size, tool in dict.fromkeys((r["size"], r["tool"]) for r in records):
        if tool == "ours" or not measured(records, size, "ours", "cold"):
            continue
        row = {"size": size, "tool": tool}
        for kind in KINDS:
            row[f"{kind}_s"] = paired_ratio(records, size, tool, kind, "seconds")
        row["cold_peak_mb"] = paired_ratio(records, size, tool, "cold", "peak_mb")
        rows.append(row)
    return rows


def cell(value: float | None, failed: int = 0, digits: int = 2) -> str:
    text = "failed" if value is None else f"{value:.{digits}f}"
    return f"{text} ({failed} failed)" if failed and value is not None else text


def times_table(rows: list[dict], repeat: int) -> list[str]:
    lines = [f"Median of {repeat} run{'s' if repeat != 1 else ''}: build time in seconds, "
             "peak memory of the build's process tree in MB (summed PSS: pages shared "
             "by forked workers counted once).",
             "",
             "| N | tool | cold s | no-change s | one-changed s | peak MB cold "
             "| peak MB one-changed | HTML files |",
             "|--:|---|--:|--:|--:|--:|--:|--:|"]
    for row in rows:
        times = [cell(row[f"{kind}_s"], row[f"{kind}_failed"]) for kind in KINDS]
        memory = [cell(row[f"{kind}_peak_mb"], digits=0) for kind in ("cold", "one_change")]
        files = "—" if row["html_files"] is None else f"{row['html_files']:,}"
        lines.append(f"| {row['size']:,} | {LABELS[row['tool']]} | {' | '.join(times)} "
                     f"| {' | '.join(memory)} | {files} |")
    return lines


def ratios_table(rows: list[dict]) -> list[str]:
    lines = ["Other tool / this project, median of per-repetition ratios "
             "(above 1: this project is faster or smaller).",
             "",
             "| N | ratio | cold | no-change | one-changed | peak MB cold |",
             "|--:|---|--:|--:|--:|--:|"]
    for row in rows:
        values = [cell(row[f"{kind}_s"]) for kind in KINDS] + [cell(row["cold_peak_mb"])]
        lines.append(f"| {row['size']:,} | {LABELS[row['tool']]} / this project "
                     f"| {' | '.join(values)} |")
    return lines


def failures_section(records: list[dict]) -> list[str]:
    failed = [r for r in records if r["error"] is not None]
    if not failed:
        return []
    lines = ["", "## Failures", ""]
    for r in failed:
        where = f"{LABELS[r['tool']]}, N = {r['size']:,}, run {r['rep']}, {KIND_LABELS[r['kind']]}"
        lines += [f"{where}:",
                  "", "```", r["error"], "```", ""]
    return lines


def setup_section(info: dict) -> list[str]:
    machine = info["machine"]
    lines = ["", "## Machine and tools", "",
             f"- CPU: {machine['cpu_model']} × {machine['cpu_count']}; "
             f"memory {machine['memory_gb']:.1f} GiB; {machine['platform']}",
             f"- Python {machine['python']}"]
    for tool, details in info["tools"].items():
        lines.append(f"- {LABELS[tool]}: {details['version']}")
        for name, value in details.get("settings", {}).items():
            lines.append(f"  - `{name} = {value!r}`")
    lines += ["", f"Sizes {info['sizes']}, {info['repeat']} repetition(s), "
              f"took {info['seconds_total']:.0f} s. Generated by `python -m benchmarks`; "
              "see benchmarks/README.md for what each column means."]
    return lines


def markdown(records: list[dict], info: dict) -> str:
    lines = ["# Build benchmark: this project, Hugo and Pelican", "",
             *times_table(summarise(records), info["repeat"])]
    ratio_rows = ratios(records)
    if ratio_rows:
        lines += ["", *ratios_table(ratio_rows)]
    lines += setup_section(info) + failures_section(records)
    return "\n".join(lines) + "\n"


def write_results(records: list[dict], info: dict, results_dir: Path, name: str) -> str:
    """Write NAME.md and NAME.json under results_dir; returns the Markdown."""
    results_dir.mkdir(parents=True, exist_ok=True)
    text = markdown(records, info)
    (results_dir / f"{name}.md").write_text(text, encoding="utf-8")
    data = {**info, "runs": records, "medians": summarise(records), "ratios": ratios(records)}
    (results_dir / f"{name}.json").write_text(
        json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return text
