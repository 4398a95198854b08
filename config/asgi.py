"""The ASGI applications: the live sockets, and HTTP only where one process serves both.

- `application`: HTTP and sockets in one process, for `make run` (Daphne's runserver).
- `websocket_application`: the sockets only, for the Procfile's `ws:` processes; over HTTP it
  answers `/healthz` (its live feed's state) and nothing else. HTTP in production is gunicorn's
  (`config/wsgi.py`, the `web:` line); the proxy sends `/ws/` here (docs/deployment.md).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from realtime.middleware import (  # noqa: E402
    DirectSendMiddleware,
    OriginValidator,
    TokenAttemptsLimit,
    TokenAuthMiddleware,
)
from realtime.probe import healthz  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

# Browsers must come from our own origin; machines without Origin need a token, and an address
# that sent too many wrong ones is refused before any look-up (the session's included).
sockets = DirectSendMiddleware(
    OriginValidator(
        TokenAttemptsLimit(
            AuthMiddlewareStack(TokenAuthMiddleware(URLRouter(websocket_urlpatterns)))
        )
    )
)

application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": sockets})
websocket_application = ProtocolTypeRouter({"http": healthz, "websocket": sockets})
