"""The goals' verdicts: "met" only when every part of the goal was checked and held."""

from __future__ import annotations

import math

from bench.verdicts import (
    connect_judgement,
    connect_verdict,
    fanout_judgement,
    fanout_verdict,
)


def _row(target: str = "app", *, p99: float = 0.05, client_cpu: float = 20.0, **changes) -> dict:
    """A fan-out row as `run.fanout` returns it, with nothing lost."""
    row = {
        "target": target,
        "server": "bare" if target == "bare" else "procfile",
        "connect": {"ok": 2000, "failed": 0, "errors": {}},
        "post_statuses": {201 if target == "app" else 200: 300},
        "missing": 0,
        "sockets_missing": 0,
        "gaps": 0,
        "resyncs": 0,
        "closed": 0,
        "delay": {"p50": p99 / 2, "p99": p99, "max": p99 * 2},
        "client_cpu_pct": client_cpu,
    }
    row.update(changes)
    return row


def test_fanout_is_met_when_nothing_is_lost_and_p99_is_within_the_ratio():
    judgement = fanout_judgement(_row(p99=0.07), _row("bare", p99=0.05))
    assert judgement["met"] is True
    assert judgement["ratio"] == 0.07 / 0.05


def test_fanout_is_missed_on_a_seq_gap_even_with_a_good_ratio():
    judgement = fanout_judgement(_row(p99=0.04, gaps=1), _row("bare", p99=0.05))
    assert judgement["met"] is False
    assert judgement["failures"] == ["1 seq gaps"]


def test_fanout_is_missed_on_a_missing_delivery_even_with_a_good_ratio():
    row = _row(p99=0.04, missing=3, sockets_missing=2)
    judgement = fanout_judgement(row, _row("bare", p99=0.05))
    assert judgement["met"] is False
    assert judgement["failures"] == ["3 deliveries missing on 2 sockets"]


def test_fanout_is_missed_when_a_socket_failed_to_connect_or_a_report_was_refused():
    failed = _row(connect={"ok": 1999, "failed": 1, "errors": {"TimeoutError": 1}})
    refused = _row(post_statuses={201: 299, 503: 1})
    bare = _row("bare")
    assert fanout_judgement(failed, bare)["failures"] == ["1 of 2000 sockets failed to connect"]
    assert fanout_judgement(refused, bare)["failures"] == [
        "1 reports not accepted ({201: 299, 503: 1})"
    ]


def test_fanout_is_missed_on_a_resync_or_a_socket_closed_during_the_run():
    bare = _row("bare")
    assert fanout_judgement(_row(resyncs=2), bare)["met"] is False
    assert fanout_judgement(_row(closed=1), bare)["met"] is False


def test_fanout_statuses_read_back_from_json_are_judged_the_same():
    row = _row(post_statuses={"201": 300})
    assert fanout_judgement(row, _row("bare"))["met"] is True


def test_fanout_is_missed_above_the_ratio():
    judgement = fanout_judgement(_row(p99=0.08), _row("bare", p99=0.05))
    assert judgement["met"] is False
    assert judgement["failures"] == ["p99 1.60× bare"]


def test_the_ratio_is_not_judged_without_a_bare_row_or_with_its_clients_over_the_limit():
    assert fanout_judgement(_row(), None) == {
        "met": None,
        "failures": [],
        "ratio": None,
        "unjudged": "no bare reference in this run",
    }
    # 120 % over two client processes is 60 % of a core each: over the 50 % limit.
    busy_bare = _row("bare", p99=0.05, client_cpu=120.0)
    judgement = fanout_judgement(_row(p99=0.04), busy_bare, client_procs=2)
    assert judgement["met"] is None and "over 50 %" in judgement["unjudged"]
    assert fanout_judgement(_row(p99=0.04), busy_bare, client_procs=3)["met"] is True


def test_the_ratio_is_not_judged_when_the_reference_lost_messages():
    judgement = fanout_judgement(_row(), _row("bare", missing=5))
    assert judgement["met"] is None
    assert judgement["unjudged"] == "the bare reference itself lost messages"


def test_a_loss_is_missed_even_when_the_ratio_cannot_be_judged():
    assert fanout_judgement(_row(gaps=4), None)["met"] is False
    nan_bare = _row("bare", p99=math.nan)
    assert fanout_judgement(_row(missing=1), nan_bare)["met"] is False


def test_fanout_verdict_lines_name_what_failed():
    lines = fanout_verdict([_row("bare", p99=0.05), _row(p99=0.04, gaps=2)])
    assert lines == [
        "procfile: nothing missing, no seq gap: NO (2 seq gaps); p99 = 0.80× bare (≤ 1.5×)"
        " · goal: MISSED"
    ]
    lines = fanout_verdict([_row("bare", p99=0.05, client_cpu=70.0), _row(p99=0.04)])
    assert lines[0].startswith("bare: the clients used 70 % of a core each")
    assert lines[1].endswith("· goal: NOT JUDGED")


def _burst(**changes) -> dict:
    result = {"ok": 2000, "failed": 0, "errors": {}, "elapsed": 14.2, "still_open": 2000}
    result.update(changes)
    return result


def test_connect_is_met_when_all_are_accepted_however_long_it_took():
    assert connect_judgement(_burst(elapsed=14.2), 2000)["met"] is True
    assert connect_verdict(_burst(), 2000) == (
        "2,000 of 2,000 accepted in 14.2 s, 2,000 still open after · goal (all accepted): met"
    )


def test_connect_is_missed_when_one_is_refused_or_closed_after_acceptance():
    refused = _burst(ok=1999, failed=1, still_open=1999, errors={"handshake refused": 1})
    assert connect_judgement(refused, 2000) == {
        "met": False,
        "failures": ["1 of 2000 not accepted"],
    }
    assert connect_verdict(refused, 2000).endswith("goal (all accepted): MISSED")
    dropped = _burst(still_open=1990)
    assert connect_judgement(dropped, 2000)["failures"] == ["10 closed after being accepted"]
