#!/usr/bin/env python3
"""Websocket checks for the verify steps: an echo, and a broadcast across processes.

Targets are `unix:/run/<app>/daphne-N.sock` (Daphne directly) or `wss://host[:port]`
(through nginx; --address connects elsewhere, keeping the name, like curl --resolve). Prints one JSON line with the results; exits 1 when a check fails.

  ws_check.py echo TARGET                    send "hello" to /ws/echo/, expect "hello"
  ws_check.py broadcast SENDER RECEIVER...   a message sent to /ws/notifications/ through
                                             SENDER reaches a client on every RECEIVER
  ws_check.py refusals TARGET...             connect to each listening socket every 0.05 s
                                             until SIGINT; count accepted and refused connects
"""
import argparse
import asyncio
import json
import signal
import socket
import ssl
import sys
import time
import uuid
from urllib.parse import urlsplit

import websockets


async def connect(target, path, origin, cafile, address=None):
    if target.startswith("unix:"):
        return await websockets.unix_connect(target[len("unix:"):], f"ws://localhost{path}", origin=origin)
    uri = urlsplit(target)
    extra = {}
    if uri.scheme == "wss":
        extra["ssl"] = ssl.create_default_context(cafile=cafile)
        extra["server_hostname"] = uri.hostname
    if address:  # like curl --resolve: connect here, keep the name for Host and TLS
        extra["host"], extra["port"] = address, uri.port or (443 if uri.scheme == "wss" else 80)
    return await websockets.connect(target.rstrip("/") + path, origin=origin, **extra)


async def echo(args):
    ws = await connect(args.targets[0], "/ws/echo/", args.origin, args.cafile, args.address)
    try:
        await ws.send("hello")
        reply = await asyncio.wait_for(ws.recv(), args.timeout)
    finally:
        await ws.close()
    return {"check": "echo", "sent": "hello", "received": reply, "ok": reply == "hello"}


async def broadcast(args):
    sender_target, receiver_targets = args.targets[0], args.targets[1:]
    receivers = [await connect(t, "/ws/notifications/", args.origin, args.cafile, args.address) for t in receiver_targets]
    sender = await connect(sender_target, "/ws/notifications/", args.origin, args.cafile, args.address)
    message = f"broadcast-{uuid.uuid4().hex}"
    try:
        # Group membership is registered in Redis once each consumer has connected.
        await asyncio.sleep(0.5)
        started = time.monotonic()
        await sender.send(message)

        async def wait_for_message(ws):
            while True:
                if await asyncio.wait_for(ws.recv(), args.timeout) == message:
                    return round((time.monotonic() - started) * 1000, 1)

        delays = await asyncio.gather(*(wait_for_message(ws) for ws in receivers))
    finally:
        for ws in receivers + [sender]:
            await ws.close()
    return {"check": "broadcast", "from": sender_target, "to": receiver_targets,
            "delivery_ms": delays, "ok": len(delays) == len(receivers)}


def refusals(args):
    """Plain connects (no websocket) to unix:PATH or HOST:PORT targets until SIGINT.

    A drained Daphne instance shows up as refused connects while it restarts;
    an undrained one never refuses (its socket queues the connects)."""
    stopped = []
    signal.signal(signal.SIGINT, lambda *_: stopped.append(True))
    counts = {t: {"accepted": 0, "refused": 0, "other": 0, "refused_s": 0.0} for t in args.targets}
    previous = time.monotonic()
    while not stopped:
        now = time.monotonic()
        for target, count in counts.items():
            if target.startswith("unix:"):
                sock, address = socket.socket(socket.AF_UNIX), target[len("unix:"):]
            else:
                host, _, port = target.rpartition(":")
                sock, address = socket.socket(socket.AF_INET), (host, int(port))
            sock.settimeout(args.timeout)
            try:
                sock.connect(address)
                count["accepted"] += 1
            except (ConnectionRefusedError, FileNotFoundError, BlockingIOError):
                # Connects that fail at once, which nginx takes as a refusal and
                # retries on the next upstream: no socket file for an instant while
                # systemd binds it again, or (Linux, unix sockets) EAGAIN when the
                # exiting process no longer accepts and its listen queue is full.
                count["refused"] += 1
                count["refused_s"] = round(count["refused_s"] + now - previous, 2)
            except OSError as exc:
                count["other"] += 1
                if count["other"] <= 5:  # any one fails the check; a few name the cause
                    count.setdefault("errors", []).append(f"{type(exc).__name__}: {exc}"[:120])
            finally:
                sock.close()
        previous = now
        time.sleep(0.05)
    ok = all(c["accepted"] > 0 and c["other"] == 0 for c in counts.values())
    return {"check": "refusals", "targets": counts, "ok": ok}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("check", choices=["echo", "broadcast", "refusals"])
    parser.add_argument("targets", nargs="+")
    parser.add_argument("--origin", default="http://localhost")
    parser.add_argument("--cafile", default=None)
    parser.add_argument("--address", default=None, help="connect to this address instead of resolving the host")
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    try:
        if args.check == "refusals":
            result = refusals(args)
        else:
            result = asyncio.run(echo(args) if args.check == "echo" else broadcast(args))
    except Exception as exc:  # report any failure as a result line
        result = {"check": args.check, "ok": False, "error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(result))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
