"""The goals' verdicts (docs/performance.md, issue 16), as pure functions of a run's figures.

A verdict says "met" only when every part of its goal was checked and held: a missing message,
a seq gap, a refused report or an instrument that cannot be trusted each stop it.
"""

from __future__ import annotations

import math

# Above this share of one core per client process, the clients' own work (reading and timing
# thousands of frames) sets the delays it measures, more for a burst (the bare reference) than
# for writes spread over time: the ratio to bare is then not the servers' (docs/performance.md).
CLIENT_CPU_LIMIT_PCT = 50
# The fan-out goal: p99 POST-to-socket at most this many times the bare broadcast's.
P99_RATIO_GOAL = 1.5
# What a report accepted by each kind of load answers (the API: 201; a publish: 200).
ACCEPTED = {"app": 201, "hub": 200, "bare": 200}


def client_bound(row: dict, client_procs: int) -> float | None:
    """The clients' CPU per process when it is over the limit, else None."""
    per_proc = row["client_cpu_pct"] / max(1, client_procs)
    return per_proc if per_proc > CLIENT_CPU_LIMIT_PCT else None


def delivery_failures(row: dict) -> list[str]:
    """What a fan-out row lost: sockets that did not connect or closed, reports refused,
    (socket, report) pairs never received, seq gaps, snapshots sent again (a resync means a
    worker saw its feed jump)."""
    failures = []
    connect = row["connect"]
    if connect["failed"]:
        failures.append(
            f"{connect['failed']} of {connect['ok'] + connect['failed']} sockets failed to connect"
        )
    if row.get("closed"):
        failures.append(f"{row['closed']} sockets closed during the run")
    accepted = ACCEPTED.get(row.get("target", "app"), 201)
    refused = sum(
        n for status, n in row.get("post_statuses", {}).items() if int(status) != accepted
    )
    if refused:
        failures.append(f"{refused} reports not accepted ({row['post_statuses']})")
    if row["missing"]:
        failures.append(
            f"{row['missing']} deliveries missing on {row.get('sockets_missing', '?')} sockets"
        )
    if row["gaps"]:
        failures.append(f"{row['gaps']} seq gaps")
    if row.get("resyncs"):
        failures.append(f"{row['resyncs']} resyncs")
    return failures


def fanout_judgement(row: dict, bare: dict | None, client_procs: int = 1) -> dict:
    """One app row against the fan-out goal: `met` is True, False, or None when the p99 ratio
    could not be judged (no bare row, the reference lost messages, or a client process over
    CLIENT_CPU_LIMIT_PCT) while nothing else failed."""
    failures = delivery_failures(row)
    ratio = None
    unjudged = ""
    if bare is None:
        unjudged = "no bare reference in this run"
    elif math.isnan(bare["delay"]["p99"]) or math.isnan(row["delay"]["p99"]):
        unjudged = "no delay measured"
    else:
        ratio = row["delay"]["p99"] / bare["delay"]["p99"]
        if delivery_failures(bare):
            unjudged = "the bare reference itself lost messages"
        else:
            bound = [r["server"] for r in (bare, row) if client_bound(r, client_procs)]
            if bound:
                unjudged = (
                    f"the clients were over {CLIENT_CPU_LIMIT_PCT} % of a core ({', '.join(bound)})"
                )
    if ratio is not None and not unjudged and ratio > P99_RATIO_GOAL:
        failures.append(f"p99 {ratio:.2f}× bare")
    if failures:
        met: bool | None = False
    elif unjudged:
        met = None
    else:
        met = True
    return {"met": met, "failures": failures, "ratio": ratio, "unjudged": unjudged}


def fanout_verdict(results: list[dict], client_procs: int = 1) -> list[str]:
    """The verdict lines of a fan-out run: the instrument's warnings, then one line per app row."""
    bare = next((r for r in results if r["target"] == "bare"), None)
    lines = []
    for r in results:
        per_proc = client_bound(r, client_procs)
        if per_proc is not None:
            lines.append(
                f"{r['server']}: the clients used {per_proc:.0f} % of a core each (limit "
                f"{CLIENT_CPU_LIMIT_PCT} %): the instrument, not the server, sets these delays; "
                "run with more --client-procs"
            )
    if bare is not None and delivery_failures(bare):
        lines.append(f"bare: the reference lost messages: {'; '.join(delivery_failures(bare))}")
    for r in results:
        if r["target"] == "bare":
            continue
        j = fanout_judgement(r, bare, client_procs)
        parts = [
            "nothing missing, no seq gap: "
            + (
                "yes"
                if not delivery_failures(r)
                else "NO (" + "; ".join(delivery_failures(r)) + ")"
            )
        ]
        if j["ratio"] is not None:
            parts.append(f"p99 = {j['ratio']:.2f}× bare (≤ {P99_RATIO_GOAL}×)")
        if j["unjudged"]:
            parts.append(f"ratio not judged: {j['unjudged']}")
        goal = {True: "met", False: "MISSED", None: "NOT JUDGED"}[j["met"]]
        lines.append(f"{r['server']}: " + "; ".join(parts) + f" · goal: {goal}")
    return lines


def connect_judgement(result: dict, sockets: int) -> dict:
    """The burst goal: every one of `sockets` accepted (handshake and snapshot) and still open
    once the burst is over. The time it took is stated, not judged (issue 16)."""
    failures = []
    if result["ok"] < sockets or result["failed"]:
        failures.append(f"{sockets - result['ok']} of {sockets} not accepted")
    if result["still_open"] < result["ok"]:
        failures.append(f"{result['ok'] - result['still_open']} closed after being accepted")
    return {"met": not failures, "failures": failures}


def connect_verdict(result: dict, sockets: int) -> str:
    j = connect_judgement(result, sockets)
    text = (
        f"{result['ok']:,} of {sockets:,} accepted in {result['elapsed']:.1f} s, "
        f"{result['still_open']:,} still open after"
    )
    if result["errors"]:
        text += f"; errors: {result['errors']}"
    if j["failures"]:
        text += f" ({'; '.join(j['failures'])})"
    return text + f" · goal (all accepted): {'met' if j['met'] else 'MISSED'}"
