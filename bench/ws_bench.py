#!/usr/bin/env python3
"""WebSocket measurements through nginx, for bench/run.sh (needs `websockets`;
the controller venv .venv has it).

  ws_bench.py reconnect wss://HOST:PORT --clients 10 [--address 127.0.0.1] [--cafile F]
      Clients on /ws/echo/ send a frame every --interval s and expect it back. A
      client whose connection closes (or whose echo is late by > --echo-timeout)
      reconnects at once, retrying every 50 ms, until an echo comes back: the
      disconnect -> echo-again gap is what a user of the page would see. Runs until
      SIGINT/SIGTERM or --duration; prints one JSON line.

  ws_bench.py hold wss://HOST:PORT --clients 5000 --procs 4 --broadcasts 5
      --clients connections to /ws/notifications/, spread over --procs processes.
      Once they are connected, a separate client sends --broadcasts messages (one
      per --spacing s) carrying the send time; every held client records the delay
      of each. Prints one JSON line: held, failed, delivery and latency p50/p99/max.
"""

import argparse
import asyncio
import json
import multiprocessing
import resource
import signal
import ssl
import statistics
import sys
import time
from collections import Counter
from urllib.parse import urlsplit

import websockets


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def connect_kwargs(target, cafile, address, origin):
    uri = urlsplit(target)
    kwargs = {"origin": origin or f"https://{uri.netloc}", "ping_interval": None,
              "open_timeout": 20, "close_timeout": 2, "max_queue": None}
    if uri.scheme == "wss":
        kwargs["ssl"] = ssl.create_default_context(cafile=cafile)
        kwargs["server_hostname"] = uri.hostname
    if address:  # like curl --resolve: connect here, keep the name for Host and TLS
        kwargs["host"], kwargs["port"] = address, uri.port or (443 if uri.scheme == "wss" else 80)
    return kwargs


def percentile(values, q):
    if not values:
        return None
    values = sorted(values)
    index = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return values[index]


# --- reconnect ------------------------------------------------------------------

async def reconnect_client(n, url, kwargs, args, stop, out):
    gaps, errors = [], Counter()
    sent = echoed = 0
    down_since = None
    while not stop.is_set():
        try:
            async with websockets.connect(url, **kwargs) as ws:
                while not stop.is_set():
                    payload = f"{n}:{sent}"
                    sent += 1
                    await ws.send(payload)
                    # Daphne echoes in order; skip anything older.
                    while True:
                        reply = await asyncio.wait_for(ws.recv(), args.echo_timeout)
                        if reply == payload:
                            break
                    echoed += 1
                    if down_since is not None:
                        gaps.append(round((time.monotonic() - down_since) * 1000, 1))
                        down_since = None
                    try:
                        await asyncio.wait_for(stop.wait(), args.interval)
                    except asyncio.TimeoutError:
                        pass
        except Exception as exc:  # closed, refused, timed out: the outage
            errors[type(exc).__name__] += 1
            if down_since is None:
                down_since = time.monotonic()
            if not stop.is_set():
                await asyncio.sleep(0.05)
    out.append({"gaps_ms": gaps, "errors": errors, "sent": sent, "echoed": echoed,
                "down_at_end": down_since is not None})


async def reconnect_main(args):
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if args.duration:
        loop.call_later(args.duration, stop.set)
    url = args.target.rstrip("/") + "/ws/echo/"
    kwargs = connect_kwargs(args.target, args.cafile, args.address, args.origin)
    out = []
    await asyncio.gather(*(reconnect_client(n, url, kwargs, args, stop, out) for n in range(args.clients)))
    gaps = [g for client in out for g in client["gaps_ms"]]
    errors = sum((client["errors"] for client in out), Counter())
    return {"clients": args.clients, "disconnects": len(gaps) + sum(c["down_at_end"] for c in out),
            "reconnected": len(gaps), "still_down": sum(c["down_at_end"] for c in out),
            "gap_ms_p50": percentile(gaps, 50), "gap_ms_max": max(gaps) if gaps else None,
            "gaps_ms": sorted(gaps), "errors": dict(errors),
            "frames_sent": sum(c["sent"] for c in out), "frames_echoed": sum(c["echoed"] for c in out)}


# --- hold + broadcast -------------------------------------------------------------

async def hold_worker(index, count, args, conn):
    raise_nofile()
    url = args.target.rstrip("/") + "/ws/notifications/"
    kwargs = connect_kwargs(args.target, args.cafile, args.address, args.origin)
    latencies = {}  # broadcast id -> [seconds]
    errors = Counter()
    sockets = []
    gate = asyncio.Semaphore(args.connect_concurrency)

    async def listen(ws):
        try:
            async for message in ws:
                try:
                    data = json.loads(message)
                    latencies.setdefault(data["id"], []).append(time.time() - data["t"])
                except (ValueError, KeyError, TypeError):
                    pass
        except websockets.ConnectionClosed:
            errors["closed while held"] += 1

    async def open_one():
        async with gate:
            try:
                ws = await websockets.connect(url, **kwargs)
            except Exception as exc:
                errors[f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
                return
        sockets.append(ws)
        tasks.append(asyncio.create_task(listen(ws)))

    tasks = []
    started = time.monotonic()
    await asyncio.gather(*(open_one() for _ in range(count)))
    conn.send({"worker": index, "connected": len(sockets), "connect_s": round(time.monotonic() - started, 2)})
    # Wait for the parent: it sends the broadcasts, then says "report".
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, conn.recv)
    still_open = sum(1 for ws in sockets if ws.state == websockets.protocol.State.OPEN)
    conn.send({"worker": index, "connected": len(sockets), "still_open": still_open,
               "errors": dict(errors), "latencies": latencies})
    for task in tasks:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


def hold_process(index, count, args, conn):
    asyncio.run(hold_worker(index, count, args, conn))


async def send_broadcasts(args):
    """Returns None, or why the sender could not connect (after a few tries)."""
    url = args.target.rstrip("/") + "/ws/notifications/"
    kwargs = connect_kwargs(args.target, args.cafile, args.address, args.origin)
    error = None
    for _ in range(10):
        try:
            ws = await websockets.connect(url, **kwargs)
            break
        except Exception as exc:  # a saturated server: try again shortly
            error = f"{type(exc).__name__}: {str(exc)[:100]}"
            await asyncio.sleep(1)
    else:
        return error
    async with ws:
        await asyncio.sleep(0.5)  # group membership registered
        for k in range(args.broadcasts):
            await ws.send(json.dumps({"id": str(k), "t": time.time()}))
            await asyncio.sleep(args.spacing)
    return None


def hold_main(args):
    raise_nofile()
    per = [args.clients // args.procs + (1 if i < args.clients % args.procs else 0) for i in range(args.procs)]
    pipes, procs = [], []
    ctx = multiprocessing.get_context("fork")
    for i, count in enumerate(per):
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=hold_process, args=(i, count, args, child), daemon=True)
        proc.start()
        pipes.append(parent)
        procs.append(proc)
    started = time.monotonic()
    ready = []
    for parent in pipes:
        if parent.poll(args.connect_timeout):
            ready.append(parent.recv())
        else:
            ready.append({"connected": 0, "connect_s": None, "timeout": True})
    connect_s = round(time.monotonic() - started, 2)
    held = sum(r["connected"] for r in ready)  # connected within --connect-timeout
    sender_error = asyncio.run(send_broadcasts(args))
    time.sleep(args.settle)
    reports = []
    for parent in pipes:
        parent.send("report")
    for parent in pipes:
        while parent.poll(30):
            message = parent.recv()
            if "latencies" in message:  # not a late "connected" message
                reports.append(message)
                break
    for proc in procs:
        proc.join(timeout=20)
        if proc.is_alive():
            proc.terminate()
    latencies = []
    delivered = Counter()
    errors = Counter()
    for report in reports:
        errors.update(report["errors"])
        for key, values in report["latencies"].items():
            delivered[key] += len(values)
            latencies.extend(values)
    expected = held * args.broadcasts
    ms = [round(v * 1000, 1) for v in latencies]
    return {"clients": args.clients, "procs": args.procs, "held": held,
            "still_open": sum(r.get("still_open", 0) for r in reports),
            "failed": args.clients - held, "connect_s": connect_s,
            "broadcasts": args.broadcasts, "delivered": sum(delivered.values()), "expected": expected,
            "latency_ms_p50": percentile(ms, 50), "latency_ms_p99": percentile(ms, 99),
            "latency_ms_max": max(ms) if ms else None,
            "per_broadcast_delivered": dict(delivered), "errors": dict(errors.most_common(8)),
            "sender_error": sender_error}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["reconnect", "hold"])
    parser.add_argument("target", help="wss://host:port (or ws://)")
    parser.add_argument("--address", help="connect here instead of resolving the host (like curl --resolve)")
    parser.add_argument("--cafile")
    parser.add_argument("--origin")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--duration", type=float, default=0, help="reconnect: stop after this long")
    parser.add_argument("--interval", type=float, default=0.2, help="reconnect: seconds between frames")
    parser.add_argument("--echo-timeout", type=float, default=2.0)
    parser.add_argument("--procs", type=int, default=4, help="hold: client processes")
    parser.add_argument("--broadcasts", type=int, default=5)
    parser.add_argument("--spacing", type=float, default=1.0, help="hold: seconds between broadcasts")
    parser.add_argument("--settle", type=float, default=3.0, help="hold: wait after the last broadcast")
    parser.add_argument("--connect-timeout", type=float, default=60)
    parser.add_argument("--connect-concurrency", type=int, default=50, help="hold: handshakes in flight per process")
    parser.add_argument("--output")
    args = parser.parse_args()
    if args.mode == "reconnect":
        raise_nofile()
        result = asyncio.run(reconnect_main(args))
    else:
        result = hold_main(args)
    text = json.dumps(result)
    print(text)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
