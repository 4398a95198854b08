"""`python -m bench places`: the commune gazetteer's lookups, in process (no server, no DB).

Measures `place_resolve` on commune names (the dispatcher's "name lookup", ≤ 5 ms p95 wanted)
and `place_search` on partly typed names (the suggestions), after the data is loaded once.
"""

from __future__ import annotations

import random
import time

from bench.stats import ms, summarise, table

# Names typed as dispatchers do: folded or not, ambiguous ones, abbreviations, arrondissements.
TYPED = ("Saint-Martin", "st etienne", "VILLEURBANNE", "Lyon 3e", "Paris 15e", "69003")


def measure(*, lookups: int, seed: int = 1) -> dict[str, dict[str, float]]:
    from regions import gazetteer

    t0 = time.perf_counter()
    gazetteer.place_resolve("Lyon")
    load = time.perf_counter() - t0
    rng = random.Random(seed)
    places = list(gazetteer._index().by_insee.values())
    names = [p.name for p in rng.sample(places, min(lookups, len(places)))]
    names += [TYPED[i % len(TYPED)] for i in range(lookups // 10)]
    prefixes = [name[: rng.randint(2, 6)] for name in names]

    def timed(fn, texts: list[str]) -> list[float]:  # noqa: ANN001
        out = []
        for text in texts:
            start = time.perf_counter()
            fn(text, department="69")
            out.append(time.perf_counter() - start)
        return out

    return {
        "load": {"count": 1, "p50": load, "p95": load, "p99": load, "max": load},
        "place_resolve (name)": summarise(timed(gazetteer.place_resolve, names)),
        "place_search (prefix)": summarise(timed(gazetteer.place_search, prefixes)),
    }


def report(results: dict[str, dict[str, float]]) -> str:
    return table(
        ["lookup", "count", "p50", "p95", "p99", "max"],
        [
            [name, r["count"], ms(r["p50"]), ms(r["p95"]), ms(r["p99"]), ms(r["max"])]
            for name, r in results.items()
        ],
    )
