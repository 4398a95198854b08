"""The benchmark's frame parser, data rules and Procfile reading, without servers."""

from __future__ import annotations

import struct

import pytest

from bench import clients, data, servers, wsclient


def _server_frame(opcode: int, payload: bytes, *, fin: bool = True) -> bytes:
    first = (0x80 if fin else 0) | opcode
    if len(payload) < 126:
        return struct.pack("!BB", first, len(payload)) + payload
    if len(payload) < 1 << 16:
        return struct.pack("!BBH", first, 126, len(payload)) + payload
    return struct.pack("!BBQ", first, 127, len(payload)) + payload


def test_parse_frames_reads_every_length_form_and_leaves_a_partial_frame():
    big = b"x" * 70_000
    stream = _server_frame(1, b"hi") + _server_frame(1, b"y" * 300) + _server_frame(2, big)
    buf = bytearray(stream + _server_frame(1, b"partial")[:4])
    frames, used = wsclient.parse_frames(buf)
    assert [(op, len(p)) for _fin, op, p in frames] == [(1, 2), (1, 300), (2, 70_000)]
    assert used == len(stream)


def test_client_frames_are_masked_and_unmask_to_the_payload():
    frame = wsclient.mask_frame(wsclient.OP_PONG, b"ping-data")
    assert frame[0] == 0x80 | wsclient.OP_PONG
    assert frame[1] == 0x80 | len(b"ping-data")
    mask, body = frame[2:6], frame[6:]
    assert bytes(b ^ mask[i % 4] for i, b in enumerate(body)) == b"ping-data"


def test_parse_frames_refuses_a_masked_server_frame():
    with pytest.raises(ValueError, match="masked"):
        wsclient.parse_frames(bytearray(wsclient.mask_frame(1, b"x")))


def test_unit_keys_do_not_collide_between_units_and_versions():
    assert clients.unit_key(12, 3) != clients.unit_key(1, 23)
    assert clients.unit_key(12, 3) == clients.unit_key(12, 3)


def test_gisco_ids_get_their_leading_zero_back_and_a_departement():
    assert data.finess_of("10000024") == "010000024"
    assert data.department_of("010000024", "01440") == "01"
    assert data.department_of("2A0000022", "20184") == "2A"
    assert data.department_of("2B0000046", "20200") == "2B"
    assert data.department_of("970100012", "97100") == "971"
    assert data.department_of("980000000", "97600") == "976"


def test_the_procfile_runs_sockets_on_the_asgi_server_and_http_on_gunicorn():
    ws = servers.procfile_line("ws")
    assert "config.asgi:websocket_application" in ws
    web = servers.procfile_line("web")
    assert web.startswith("gunicorn config.wsgi")
    for command in (ws, web):
        assert "$PORT" in command and "127.0.0.1" in command
    assert servers.server_command("procfile") == ws


def test_procfile_without_the_line_asked_for_is_refused(tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text("worker: python manage.py something\n")
    with pytest.raises(ValueError, match="no `ws:` line"):
        servers.procfile_line("ws", procfile)


def test_calibration_measures_python_and_postgresql_on_fixed_work(postgres):  # noqa: ANN001
    from bench import run

    figures = run.calibrate()
    assert set(figures) == {
        "python_1000_dicts_ms",
        "postgres_round_trip_ms",
        "postgres_count_100k_ms",
    }
    assert all(isinstance(v, float) and v > 0 for v in figures.values()), figures
    # Counting 100,000 generated rows is real work, more than an empty round trip.
    assert figures["postgres_count_100k_ms"] > figures["postgres_round_trip_ms"]
