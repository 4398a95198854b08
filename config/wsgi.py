"""HTTP in production: the Procfile's `web:` line serves this with gunicorn.

Static files come from whitenoise (`MIDDLEWARE`), after `collectstatic`. The live sockets are
another process (`config.asgi:websocket_application`, the `ws:` line): docs/deployment.md.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# Each gunicorn worker imports the URLconf and the views (folium and its templates among them)
# as it starts, before it accepts a request, rather than in its first request: a worker that
# --max-requests replaced does not make one caller wait half a second.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018
