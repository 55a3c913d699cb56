"""Dependency checks behind the health endpoints.

Each check returns True or False and never raises: the reason for a failure is
logged server-side (host and error class, never a password) and only the
check's name reaches the HTTP response.
"""

import asyncio
import contextlib
import logging
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)


def check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception as exc:  # any driver error means "not ready"
        logger.warning("Health check 'database' failed: %s", _describe(exc))
        return False


def check_cache():
    key = f"health-check:{uuid.uuid4().hex}"
    token = uuid.uuid4().hex
    try:
        cache.set(key, token, timeout=10)
        ok = cache.get(key) == token
        cache.delete(key)
        return ok
    except Exception as exc:
        logger.warning("Health check 'cache' failed: %s", _describe(exc))
        return False


async def _channel_layer_round_trip():
    layer = get_channel_layer()
    if layer is None:
        return False
    # A channel of this process (subscribed before the send, as the pub/sub
    # layer needs): send() then receive() goes through Redis in production.
    channel = await layer.new_channel("health-check.")
    token = uuid.uuid4().hex
    try:
        await layer.send(channel, {"type": "health.check", "token": token})
        message = await layer.receive(channel)
    finally:
        await _forget_channel(layer, channel)
    return message.get("token") == token


async def _forget_channel(layer, channel):
    """Drop the layer's state for a channel no one will read again.

    Layers have no delete call; a cancelled receive() is how a leaving
    consumer tells them (the pub/sub layer unsubscribes then). Without it
    every probe would leave a subscription behind in a long-lived Daphne.
    """
    waiter = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0)  # let it reach its wait before the cancel
    waiter.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await waiter


def check_channel_layer():
    timeout = getattr(settings, "REDIS_SOCKET_TIMEOUT", 3) + 1

    async def bounded():
        return await asyncio.wait_for(_channel_layer_round_trip(), timeout=timeout)

    try:
        return async_to_sync(bounded)()
    except Exception as exc:
        logger.warning("Health check 'channel_layer' failed: %s", _describe(exc))
        return False


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "channel_layer": check_channel_layer,
}


def run_checks(names):
    """Run the named checks; return ``(ok, report)`` ready to serialise."""
    results = {name: bool(CHECKS[name]()) for name in names}
    return summarize(results)


def summarize(results):
    failed = [name for name, ok in results.items() if not ok]
    if failed:
        return False, {"status": "error", "failed": failed, "checks": results}
    return True, {"status": "ok", "checks": results}


def _describe(exc):
    # The exception class and message carry host and port, not credentials:
    # drivers do not echo passwords. Keep it to one line for journald.
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300]
