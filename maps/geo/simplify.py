"""Derive the shipped outlines (`maps/geo/*.geojson`) from the IGN Admin Express files.

    python -m maps.geo.simplify ../shared/data/geo/regions-simplified.geojson \
        maps/geo/regions.geojson --tolerance 0.012
    python -m maps.geo.simplify ../shared/data/geo/departements-simplified.geojson \
        maps/geo/departements.geojson --tolerance 0.012

Douglas-Peucker on each ring (in degrees), coordinates rounded to 3 decimals (~100 m),
islands smaller than `--min-area` square degrees dropped (a département always keeps its
largest ring). Only `code` and `nom` are kept. Run by hand when the source changes; the app
only reads the result.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def _distance2(p: list[float], a: list[float], b: list[float]) -> float:
    """Square of the distance from p to the segment ab."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    if dx == dy == 0:
        return (p[0] - a[0]) ** 2 + (p[1] - a[1]) ** 2
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)))
    x, y = a[0] + t * dx, a[1] + t * dy
    return (p[0] - x) ** 2 + (p[1] - y) ** 2


def douglas_peucker(points: list[list[float]], tolerance: float) -> list[list[float]]:
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    limit = tolerance * tolerance
    while stack:
        first, last = stack.pop()
        worst, index = 0.0, 0
        for i in range(first + 1, last):
            d = _distance2(points[i], points[first], points[last])
            if d > worst:
                worst, index = d, i
        if worst > limit:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def ring_area(ring: list[list[float]]) -> float:
    return abs(
        sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:] + ring[:1], strict=True)) / 2
    )


def simplify_ring(ring: list[list[float]], tolerance: float) -> list[list[float]] | None:
    # A closed ring: split it in two halves so that its first and last points are not the
    # only ones kept.
    middle = len(ring) // 2
    half = douglas_peucker(ring[: middle + 1], tolerance)
    rest = douglas_peucker(ring[middle:], tolerance)
    out = [[round(x, 3), round(y, 3)] for x, y in half[:-1] + rest]
    deduped = [p for i, p in enumerate(out) if i == 0 or p != out[i - 1]]
    return deduped if len(deduped) >= 4 else None


def simplify_feature(feature: dict, *, tolerance: float, min_area: float) -> dict:
    geometry = feature["geometry"]
    polygons = (
        [geometry["coordinates"]]
        if geometry["type"] == "Polygon"
        else list(geometry["coordinates"])
    )
    polygons.sort(key=lambda polygon: ring_area(polygon[0]), reverse=True)
    kept = []
    for n, polygon in enumerate(polygons):
        if n and ring_area(polygon[0]) < min_area:
            continue
        rings = [simplify_ring(ring, tolerance) for ring in polygon]
        if rings[0] is None:
            continue
        kept.append([rings[0], *(r for r in rings[1:] if r is not None)])
    properties = {"code": feature["properties"]["code"], "nom": feature["properties"]["nom"]}
    if len(kept) == 1:
        shape = {"type": "Polygon", "coordinates": kept[0]}
    else:
        shape = {"type": "MultiPolygon", "coordinates": kept}
    return {"type": "Feature", "properties": properties, "geometry": shape}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--tolerance", type=float, default=0.012)
    parser.add_argument("--min-area", type=float, default=0.0015)
    args = parser.parse_args()
    data = json.loads(args.source.read_text(encoding="utf-8"))
    features = [
        simplify_feature(f, tolerance=args.tolerance, min_area=args.min_area)
        for f in data["features"]
    ]
    features.sort(key=lambda f: f["properties"]["code"])
    text = json.dumps(
        {"type": "FeatureCollection", "features": features},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    args.target.write_text(text + "\n", encoding="utf-8")
    print(f"{args.target}: {len(features)} features, {len(text.encode()):,} bytes")


if __name__ == "__main__":
    main()
