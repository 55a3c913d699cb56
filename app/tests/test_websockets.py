"""WebSockets through the real ASGI stack (origin check, session/auth middleware,
router) with Channels' WebsocketCommunicator and the in-memory channel layer.

Crossing daphne processes needs Redis; the Ansible scenario proves that part.
A real daphne process serving /ws/echo/ is tested in test_live_servers.py.
"""

import json

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.core.management import call_command

from config.asgi import application

ORIGIN = [(b"origin", b"http://localhost")]


@pytest_asyncio.fixture(autouse=True)
async def _fresh_layer():
    yield
    await get_channel_layer().flush()


async def connect(path, headers=ORIGIN):
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected, path
    return communicator


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "text",
    ["hello", json.dumps({"type": "ping", "n": 1}), "  spaced  \n", "Zürich 東京 🚀"],
)
async def test_echo_returns_the_exact_text_frame(text):
    ws = await connect("/ws/echo/")
    await ws.send_to(text_data=text)
    assert await ws.receive_from() == text
    await ws.disconnect()


@pytest.mark.asyncio
async def test_echo_returns_binary_frames_as_binary():
    ws = await connect("/ws/echo/")
    await ws.send_to(bytes_data=b"\x00\x01\xff")
    assert await ws.receive_output() == {"type": "websocket.send", "bytes": b"\x00\x01\xff"}
    await ws.disconnect()


@pytest.mark.asyncio
async def test_broadcast_reaches_every_client_in_the_group():
    alice = await connect("/ws/notifications/")
    bob = await connect("/ws/notifications/")
    await alice.send_to(text_data="deploy finished")
    assert await alice.receive_from() == "deploy finished"
    assert await bob.receive_from() == "deploy finished"
    await bob.disconnect()

    # Bob left the group; Alice still gets messages and nothing is queued for Bob.
    await alice.send_to(text_data="second")
    assert await alice.receive_from() == "second"
    assert await bob.receive_nothing()
    await alice.disconnect()


@pytest.mark.asyncio
async def test_echo_is_not_a_broadcast():
    echo = await connect("/ws/echo/")
    listener = await connect("/ws/notifications/")
    await echo.send_to(text_data="just me")
    assert await echo.receive_from() == "just me"
    assert await listener.receive_nothing()
    await echo.disconnect()
    await listener.disconnect()


@pytest.mark.asyncio
async def test_broadcast_management_command_reaches_clients():
    ws = await connect("/ws/notifications/")
    # call_command is synchronous; run it off the event loop like a separate process would.
    await sync_to_async(call_command)("broadcast", "maintenance at 22:00")
    assert await ws.receive_from() == "maintenance at 22:00"
    await ws.disconnect()


@pytest.mark.asyncio
async def test_oversized_broadcast_is_refused():
    ws = await connect("/ws/notifications/")
    await ws.send_to(text_data="x" * 5000)
    assert await ws.receive_output() == {"type": "websocket.close", "code": 1009}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "headers",
    [[(b"origin", b"https://evil.example")], [], [(b"origin", b"null")]],
    ids=["foreign-origin", "no-origin", "null-origin"],
)
@pytest.mark.parametrize("path", ["/ws/echo/", "/ws/notifications/"])
async def test_origin_not_in_allowed_hosts_is_rejected(path, headers):
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected is False


@pytest.mark.asyncio
async def test_unknown_websocket_path_is_rejected():
    communicator = WebsocketCommunicator(application, "/ws/nope/", headers=ORIGIN)
    with pytest.raises(ValueError, match="No route found"):
        await communicator.connect()
