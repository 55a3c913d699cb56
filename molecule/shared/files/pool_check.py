#!/usr/bin/env python3
"""Open N database connections at once, as N app processes would, and report what
the server saw. Run with the app's virtualenv python (psycopg2):

  DATABASE_URL=postgres://... pool_check.py 500 --hold 10 --queries 5

Each of N threads connects (TLS required), waits until all N are connected, runs
--queries queries (pg_backend_pid(), the number of server sessions of its role,
a 20 ms sleep) one after another, holds its connection --hold seconds, and closes
it. Prints one JSON object: clients, connected, errors (kind: count), queries,
query_errors, backend_pids (distinct server processes that ran the queries),
peak_server_sessions (the most sessions of the role any query saw),
all_connected_at and released_at (epoch seconds: all N open at once between them).
"""

import argparse
import json
import os
import threading
import time
from collections import Counter
from urllib.parse import unquote, urlsplit

import psycopg2


def kind(error):
    """An error counted by its type and the first line of its message."""
    return type(error).__name__ + ": " + str(error).strip().splitlines()[0][:120]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("clients", type=int)
    parser.add_argument("--hold", type=float, default=10)
    parser.add_argument("--queries", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()

    url = urlsplit(os.environ["DATABASE_URL"])
    params = {"host": url.hostname, "port": url.port or 5432, "dbname": url.path.lstrip("/"),
              "user": unquote(url.username or ""), "password": unquote(url.password or ""),
              "sslmode": "require", "connect_timeout": 60}
    lock = threading.Lock()
    errors, query_errors, pids, peaks = Counter(), Counter(), set(), []
    counts = {"connected": 0, "queries": 0}
    barrier = threading.Barrier(args.clients + 1)

    def client():
        conn = None
        try:
            conn = psycopg2.connect(**params)
            conn.autocommit = True
            with lock:
                counts["connected"] += 1
        except Exception as error:  # noqa: BLE001 - every failure is counted by kind
            with lock:
                errors[kind(error)] += 1
        try:
            barrier.wait(args.timeout)
        except threading.BrokenBarrierError:
            pass
        if conn is None:
            return
        try:
            with conn.cursor() as cursor:
                for _ in range(args.queries):
                    cursor.execute("SELECT pg_backend_pid(), (SELECT count(*) FROM pg_stat_activity"
                                   " WHERE usename = current_user), pg_sleep(0.02)")
                    pid, sessions, _ = cursor.fetchone()
                    with lock:
                        pids.add(pid)
                        peaks.append(sessions)
                        counts["queries"] += 1
            time.sleep(args.hold)
        except Exception as error:  # noqa: BLE001
            with lock:
                query_errors[kind(error)] += 1
        finally:
            conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    try:
        barrier.wait(args.timeout)
    except threading.BrokenBarrierError:
        pass
    all_connected_at = time.time()
    # The first clients release after --hold; their queries ran before that.
    released_at = all_connected_at + args.hold
    for thread in threads:
        thread.join(args.timeout)
    print(json.dumps({
        "clients": args.clients, "connected": counts["connected"], "errors": dict(errors),
        "queries": counts["queries"], "query_errors": dict(query_errors),
        "backend_pids": len(pids), "peak_server_sessions": max(peaks, default=0),
        "all_connected_at": round(all_connected_at, 3), "released_at": round(released_at, 3),
    }, sort_keys=True))


if __name__ == "__main__":
    main()
