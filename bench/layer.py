"""Channels' `RedisPubSubChannelLayer` against Bedwatch's broker as the live feed's transport,
in one process, without sockets: how long one change takes to reach N consumers, and the CPU it
costs (docs/realtime.md, "Why not Channels' layer").

    python -m bench.layer [--redis-url URL] [--consumers 1000] [--changes 30]

`layer`: one channel per consumer in one group, `group_send` per change, each consumer a task
awaiting `receive` (what `AsyncConsumer` does). `broker`: `realtime.broker.RedisBroker`, one
subscription, the change handed to N sinks in one loop (what the hub does). Needs Redis, and
channels-redis for the first (`pip install channels-redis`; not a dependency of Bedwatch).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

from bench.stats import summarise

BODY = '{"type":"units.changed","units":[' + ",".join(['{"id":1,"available":3}'] * 4) + "]}"


async def via_layer(url: str, consumers: int, changes: int) -> dict:
    from channels_redis.pubsub import RedisPubSubChannelLayer

    layer = RedisPubSubChannelLayer(hosts=[url], prefix=f"bench-layer-{os.getpid()}")
    channels = [await layer.new_channel() for _ in range(consumers)]
    for channel in channels:
        await layer.group_add("feed", channel)
    received = asyncio.Queue()

    async def consumer(channel: str) -> None:
        while True:
            message = await layer.receive(channel)
            received.put_nowait((time.perf_counter(), message["text"]))

    tasks = [asyncio.create_task(consumer(c)) for c in channels]
    await asyncio.sleep(0.5)
    delays, cpu = [], []
    for _ in range(changes):
        c0, t0 = time.process_time(), time.perf_counter()
        await layer.group_send("feed", {"type": "units.changed", "text": BODY})
        last = t0
        for _ in range(consumers):
            last, _text = await received.get()
        delays.append(last - t0)
        cpu.append(time.process_time() - c0)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await layer.flush()
    return {"delay": summarise(delays), "cpu": summarise(cpu)}


async def via_broker(url: str, consumers: int, changes: int) -> dict:
    from realtime.broker import RedisBroker

    broker = RedisBroker(url)
    sinks: list[list[str]] = [[] for _ in range(consumers)]
    arrived = asyncio.Queue()
    up = asyncio.Event()

    class Subscriber:
        def on_up(self) -> None:
            up.set()

        def on_down(self, error: Exception) -> None:
            pass

        def on_message(self, audience: str, seq: int, body: str) -> None:
            text = f'{body[:-1]},"seq":{seq}}}'  # the hub's splice
            for sink in sinks:
                sink.append(text)
            arrived.put_nowait(time.perf_counter())

        def on_resync(self, audience: str) -> None:
            pass

        def on_access(self, body: str) -> None:
            pass

    task = asyncio.create_task(broker.run(Subscriber()))
    await asyncio.wait_for(up.wait(), 5)
    delays, cpu = [], []
    for _ in range(changes):
        c0, t0 = time.process_time(), time.perf_counter()
        await asyncio.to_thread(broker.publish, [(f"bench-{os.getpid()}", BODY)])
        delays.append(await arrived.get() - t0)
        cpu.append(time.process_time() - c0)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    broker.close()
    return {"delay": summarise(delays), "cpu": summarise(cpu)}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.layer", description=__doc__)
    parser.add_argument(
        "--redis-url", default=os.getenv("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
    )
    parser.add_argument("--consumers", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=30)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    print(
        f"{args.consumers} consumers, {args.changes} changes, one process, load {os.getloadavg()[0]:.1f}"
    )
    for name, run in (("layer", via_layer), ("broker", via_broker)):
        try:
            result = asyncio.run(run(args.redis_url, args.consumers, args.changes))
        except ImportError as exc:
            print(f"{name}: skipped ({exc})")
            continue
        d, c = result["delay"], result["cpu"]
        print(
            f"{name:7} change → last consumer p50 {d['p50'] * 1000:.1f} ms, "
            f"p99 {d['p99'] * 1000:.1f} ms; CPU per change p50 {c['p50'] * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
