"""HTTP in production: the Procfile's `web:` line serves this with gunicorn.

Static files come from whitenoise (`MIDDLEWARE`), after `collectstatic`. The live sockets are
another process (`config.asgi:websocket_application`, the `ws:` line): docs/deployment.md.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()
