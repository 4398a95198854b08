"""The national map's time to first render in Chromium (docs/maps.md `/maps/`).

A dispatcher logs in through the login form, then opens `/maps/` with every imported hospital.
Measured from navigation start: first contentful paint, and the frame after the `load` event
(folium's scripts are inline, so by then every marker is drawn).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

# Debian's Chromium, never a downloaded browser; the flags keep it off the (closed) network.
# The browser tests launch it the same way (tests/conftest.py).
CHROMIUM = os.getenv("BEDWATCH_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "bench-map-password-4711"

RENDERED_JS = """() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(() => {
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  resolve({
    rendered: performance.now(),
    first_paint: paint ? paint.startTime : null,
    markers: window.bedwatchMap ? Object.keys(window.bedwatchMap.markers).length
      : document.querySelectorAll('.leaflet-marker-icon').length,
    drawn: document.querySelectorAll('.leaflet-marker-icon').length,
    bytes: performance.getEntriesByType('navigation')[0].decodedBodySize,
    first_byte: performance.getEntriesByType('navigation')[0].responseStart,
    last_byte: performance.getEntriesByType('navigation')[0].responseEnd,
    dom_ready: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
  });
})))"""


def _map_page_exists() -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve("/maps/")
    except Resolver404:
        return False
    return True


def _map_account() -> int:
    from accounts.services import account_upsert
    from beds.models import Hospital

    account_upsert(username="bench-map", role="dispatcher", regions=["84"], password=PASSWORD)
    return Hospital.objects.filter(active=True, units__isnull=False).distinct().count()


async def national_map(ctx, *, runs: int = 3) -> dict:  # noqa: ANN001
    if not await asyncio.to_thread(_map_page_exists):
        return {"skipped": "no /maps/ page on this branch yet (issue 5)"}
    if not Path(CHROMIUM).exists():
        return {"skipped": f"no Chromium at {CHROMIUM}"}
    from playwright.async_api import async_playwright

    hospitals = await asyncio.to_thread(_map_account)
    group = ctx.start_app(offset=0, workers=1)
    base = f"http://127.0.0.1:{group.http_ports[0]}"
    timings = []
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = await browser.new_page(viewport={"width": 1366, "height": 768})
            page.set_default_timeout(180_000)  # measure a slow page rather than give up
            await page.goto(f"{base}/accounts/login/")
            await page.fill("input[name=username]", "bench-map")
            await page.fill("input[name=password]", PASSWORD)
            async with page.expect_navigation():
                await page.click("form:has(input[name=password]) [type=submit]")
            for _ in range(runs + 1):  # the first visit warms the worker and the cache
                response = await page.goto(f"{base}/maps/", wait_until="load")
                if response is None or not page.url.endswith("/maps/") or response.status != 200:
                    raise RuntimeError(f"/maps/ did not open: {page.url} ({response})")
                timing = await page.evaluate(RENDERED_JS)
                timings.append(timing)
            await browser.close()
    finally:
        group.stop()
    measured = timings[1:]
    best = sorted(measured, key=lambda t: t["rendered"])[len(measured) // 2]
    return {
        "hospitals": hospitals,
        "markers": best["markers"],
        "drawn": best["drawn"],
        "page_bytes": best["bytes"],
        "first_byte": best["first_byte"] / 1000,
        "last_byte": best["last_byte"] / 1000,
        "dom_ready": best["dom_ready"] / 1000,
        "first_paint": (best["first_paint"] or float("nan")) / 1000,
        "rendered": best["rendered"] / 1000,
        "runs": measured,
    }
