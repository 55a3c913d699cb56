"""ASGI entry point for daphne: ``config.asgi:application``.

HTTP goes to Django; WebSockets go through the origin check (Origin must match
ALLOWED_HOSTS), the session/auth middleware, then the URL router.
"""

from django.core.asgi import get_asgi_application

from config.env import configure_settings_module

configure_settings_module()

# Set up Django (apps, settings) before anything imports models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from core.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
