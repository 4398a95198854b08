"""`make run` (Daphne's runserver, one process) serves the app's own static files: Leaflet from
its package and our scripts, with no CDN and no collectstatic. (Production's `web:` serves them
with whitenoise after collectstatic: docs/deployment.md.)"""

from __future__ import annotations

from asgiref.testing import ApplicationCommunicator


async def get(path: str) -> tuple[int, bytes]:
    from daphne.management.commands.runserver import Command

    # What `manage.py runserver` serves under `make run` (DJANGO_DEBUG=1).
    application = Command().get_application({"use_static_handler": True})

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await communicator.receive_output(10)
    body = b""
    while True:
        message = await communicator.receive_output(10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await communicator.wait(10)
    return start["status"], body


async def test_leaflet_and_map_script_are_served_by_the_app(settings):  # noqa: ANN001
    settings.DEBUG = True  # make run's DJANGO_DEBUG=1 (pytest-django runs with DEBUG off)
    status, body = await get("/static/vendor/leaflet/leaflet.js")
    assert status == 200 and b"Leaflet 1.9.3" in body[:500]
    status, body = await get("/static/vendor/leaflet/leaflet.css")
    assert status == 200 and b".leaflet-container" in body
    status, body = await get("/static/maps/maps.js")
    assert status == 200 and b"bedwatch:units" in body
