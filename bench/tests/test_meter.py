"""The bench's CPU meter over a server whose worker is replaced while it measures, as gunicorn's
--max-requests does during a login flood (the meter printed negative CPU for it)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from bench import servers

# A master that forks a worker, which burns 0.3 s of CPU then waits; told to, the master ends
# that worker, reaps it and forks a second one that burns 0.2 s of CPU and exits (reaped too).
MASTER = textwrap.dedent(
    """
    import os, sys, time

    def burn(seconds):
        start = time.process_time()
        while time.process_time() - start < seconds:
            pass

    def worker(seconds, wait=None, ready=None):
        pid = os.fork()
        if pid == 0:
            burn(seconds)
            if wait:
                os.write(ready, b"x")
                os.read(wait, 1)
            os._exit(0)
        return pid

    gate_r, gate_w = os.pipe()
    ready_r, ready_w = os.pipe()
    first = worker(0.3, gate_r, ready_w)
    os.read(ready_r, 1)
    print("first", first, flush=True)
    sys.stdin.readline()
    os.write(gate_w, b"x")
    os.waitpid(first, 0)
    second = worker(0.2)
    os.waitpid(second, 0)
    print("done", flush=True)
    sys.stdin.readline()
    """
)


def test_cpu_of_a_replaced_worker_is_counted_not_subtracted():
    master = subprocess.Popen(
        [sys.executable, "-c", MASTER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert master.stdout.readline().split()[0] == "first"
        # The window opens with the first worker alive, 0.3 s of CPU already spent.
        meter = servers.Meter(lambda: servers.process_tree(master.pid))
        assert len(meter.pids()) == 2
        master.stdin.write("go\n")
        master.stdin.flush()
        assert master.stdout.readline().strip() == "done"

        result = meter.result()

        # The first worker is gone and the second came and went: what they spent inside the
        # window (the second's 0.2 s) is counted, nothing of the first's earlier time removed.
        assert meter.pids() == [master.pid]
        assert 0.15 <= result["cpu_seconds"] < 0.3, result
    finally:
        master.communicate("end\n", timeout=10)
