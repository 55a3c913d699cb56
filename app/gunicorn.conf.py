"""Gunicorn settings for config.wsgi:application.

Gunicorn reads ./gunicorn.conf.py from its working directory (this one):
    gunicorn                    # serves config.wsgi:application
    gunicorn --check-config     # validates this file and imports the app
    gunicorn --print-config     # shows the values below, fully resolved

Every value can be overridden through GUNICORN_* variables, read like the
Django settings: OS environment first, then .env (see .env.example).
Under systemd socket activation gunicorn takes the listening socket from
LISTEN_FDS and ignores `bind`.
"""

import multiprocessing
import os
import sys

# Make `config` importable whatever the caller's sys.path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from config.env import configure_settings_module, optional  # noqa: E402

configure_settings_module()

wsgi_app = "config.wsgi:application"
proc_name = optional("GUNICORN_PROC_NAME", default="djangoops")

# Comma-separated: "127.0.0.1:8000", "unix:/run/djangoops/gunicorn.sock", or both.
bind = [
    address.strip()
    for address in optional("GUNICORN_BIND", default="127.0.0.1:8000").split(",")
    if address.strip()
]

# Sync workers for a CPU-bound Django app: 2 x CPUs + 1 unless told otherwise.
# More than one thread per worker switches gunicorn to the gthread worker.
workers = optional("GUNICORN_WORKERS", default=multiprocessing.cpu_count() * 2 + 1, cast=int)
threads = optional("GUNICORN_THREADS", default=1, cast=int)

# A worker silent for `timeout` seconds is killed and replaced; on restart or
# stop, workers get `graceful_timeout` seconds to finish their requests.
timeout = optional("GUNICORN_TIMEOUT", default=30, cast=int)
graceful_timeout = optional("GUNICORN_GRACEFUL_TIMEOUT", default=30, cast=int)
keepalive = 5

# Recycle workers to bound slow memory growth; jitter stops them all
# restarting at once.
max_requests = optional("GUNICORN_MAX_REQUESTS", default=1000, cast=int)
max_requests_jitter = optional("GUNICORN_MAX_REQUESTS_JITTER", default=100, cast=int)

# Proxies whose X-Forwarded-* headers are trusted. Unix-socket connections
# are always trusted; over TCP list the proxy's addresses.
forwarded_allow_ips = optional("GUNICORN_FORWARDED_ALLOW_IPS", default="127.0.0.1,::1")

# Heartbeat files on tmpfs: a slow disk cannot make workers look dead.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# Logs: "-" is stdout (access) / stderr (errors), which journald collects.
accesslog = optional("GUNICORN_ACCESSLOG", default="-")
errorlog = optional("GUNICORN_ERRORLOG", default="-")
loglevel = optional("GUNICORN_LOGLEVEL", default="info")
# Client (as forwarded by the proxy), time, request line, status, bytes,
# referrer, user agent, and the request time in milliseconds (%(M)s).
access_log_format = '%({x-forwarded-for}i)s %(h)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
