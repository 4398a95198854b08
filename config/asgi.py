import os
import sys

from django.core.asgi import get_asgi_application

# A worker's event loop fans each change out to its sockets in one burst, while the threads of
# HTTP requests wait for the GIL after every query: at the default 5 ms a report's request
# queues behind the bursts (p99 ×5, docs/performance.md).
sys.setswitchinterval(float(os.getenv("BEDWATCH_SWITCH_INTERVAL", "0.0005")))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402

from config.http import ThreadedWSGI  # noqa: E402
from realtime.middleware import (  # noqa: E402
    DirectSendMiddleware,
    OriginValidator,
    TokenAuthMiddleware,
)
from realtime.routing import websocket_urlpatterns  # noqa: E402

if settings.BEDWATCH_HTTP_THREADS:
    # One thread hand-over per request instead of one per middleware (docs/performance.md).
    django_asgi_app = ThreadedWSGI(WSGIHandler(), threads=settings.BEDWATCH_HTTP_THREADS)
if settings.BEDWATCH_SERVE_STATIC:
    # Daphne has no static file server: serve /static/ (Leaflet, scripts, styles) from the app.
    django_asgi_app = ASGIStaticFilesHandler(django_asgi_app)

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Browsers must come from one of our hosts; machines without Origin need a token.
        "websocket": DirectSendMiddleware(
            OriginValidator(
                AuthMiddlewareStack(TokenAuthMiddleware(URLRouter(websocket_urlpatterns)))
            )
        ),
    }
)
