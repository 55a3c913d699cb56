"""The app interface: one description of a Django app, from which the playbooks
wire every role's inputs (roles/wiring/vars/main/app_interface.yml)."""

# Documented in app_interface.yml and app_upstreams.yml (ansible-doc -t filter djangoops.deploy.<name>).

import difflib
import re

from ansible.errors import AnsibleFilterError

NAME = re.compile(r"^[a-z][a-z0-9_-]{0,30}$")
MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
APP_REF = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$")
DOMAIN = re.compile(r"^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")

# The names the app's environment file gives each value the collection manages.
ENV_NAMES = {
    "secret_key": "DJANGO_SECRET_KEY",
    "allowed_hosts": "DJANGO_ALLOWED_HOSTS",
    "csrf_trusted_origins": "DJANGO_CSRF_TRUSTED_ORIGINS",
    "database_url": "DATABASE_URL",
    "redis_url": "REDIS_URL",
    "static_root": "DJANGO_STATIC_ROOT",
    "media_root": "DJANGO_MEDIA_ROOT",
    "log_file": "DJANGO_LOG_FILE",
    "error_dsn": "SENTRY_DSN",
    "error_environment": "SENTRY_ENVIRONMENT",
    "db_disable_server_side_cursors": "DATABASE_DISABLE_SERVER_SIDE_CURSORS",
}

FIELDS = (
    "name", "user", "group", "root", "project_subdir", "settings_module", "wsgi_app", "asgi_app",
    "domains", "allowed_hosts", "csrf_trusted_origins", "listen", "bind_address", "gunicorn_port",
    "daphne_port_base", "daphne_instances", "health_path", "health_headers", "env_names",
    "media_root", "static_dirname", "shared_paths", "database", "database_user", "redis_user",
    "redis_database", "processes", "timers",
)

# Process types (djangoops_app.processes): the keys each type takes.
PROCESS_TYPES = {
    "celery-worker": {"name", "type", "celery_app", "queues", "concurrency", "pool", "instances", "stop_timeout"},
    "celery-beat": {"name", "type", "celery_app", "instances", "stop_timeout"},
    "command": {"name", "type", "argv", "instances", "stop_timeout"},
}
POOLS = ("prefork", "solo", "threads", "gevent", "eventlet")
# Unit names the collection already gives an app's processes and tools.
RESERVED = {"gunicorn", "daphne", "manage", "shell", "dbshell", "backup", "restore"}
TIMER_KEYS = {"name", "command", "schedule", "randomized_delay"}


def _fail(field, problem, fix):
    raise AnsibleFilterError(f"djangoops_app.{field} {problem}: {fix}")


def _int(app, field, default, low, high, where=""):
    value = app.get(field, default)
    fix = f"give a whole number from {low} to {high}"
    label = f"{where}.{field}" if where else field
    if isinstance(value, bool):
        _fail(label, f"is {value!r}", fix)
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        _fail(label, f"is {value!r}", fix)
    if not low <= number <= high:
        _fail(label, f"is {number}", fix)
    return number


def _str(app, field, default, pattern=None, fix=""):
    value = app.get(field, default)
    if value is None:
        value = default
    if not isinstance(value, str):
        _fail(field, f"is {value!r}", fix or "give a string")
    value = value.strip()
    if pattern is not None and value and not pattern.match(value):
        _fail(field, f"is {value!r}", fix)
    return value


def _path(app, field, default):
    value = _str(app, field, default)
    if not value.startswith("/") or "/../" in value + "/" or value.rstrip("/") == "":
        _fail(field, f"is {value!r}", "give an absolute path below / (not / itself, no '..')")
    return value.rstrip("/")


def _list(app, field, default):
    value = app.get(field, default)
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        _fail(field, f"is {value!r}", "give a list")
    return [str(item).strip() for item in value]


def app_interface(app):
    """Check an app description and return it complete: every field with its
    default, plus the paths, endpoints and environment derived from them."""
    if not isinstance(app, dict):
        raise AnsibleFilterError(
            f"djangoops_app is a {type(app).__name__}: give a mapping with at least name and domains"
        )
    unknown = sorted(set(app) - set(FIELDS))
    if unknown:
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(str(key), FIELDS, n=1)
            hints.append(f"{key} (did you mean {close[0]}?)" if close else str(key))
        raise AnsibleFilterError(
            f"djangoops_app has unknown field(s): {', '.join(hints)}; its fields are {', '.join(FIELDS)}"
        )

    name = _str(app, "name", "", NAME, "give a name of lowercase letters, digits, '-' or '_', starting with a letter, at most 31 characters (it names the system user, units and directories)")
    if not name:
        _fail("name", "is missing", "give the app a name (it names the system user, the units, /srv/<name> and /run/<name>)")
    user = _str(app, "user", name, NAME, "give a system user name (lowercase letters, digits, '-' or '_')")
    group = _str(app, "group", user, NAME, "give a system group name (lowercase letters, digits, '-' or '_')")
    root = _path(app, "root", f"/srv/{name}")
    subdir = _str(app, "project_subdir", "").strip("/")
    if subdir and (".." in subdir.split("/") or subdir.startswith(".")):
        _fail("project_subdir", f"is {subdir!r}", "give the path of the directory with manage.py inside the repository, e.g. src")
    settings_module = _str(app, "settings_module", "", MODULE, "give a dotted Python module, e.g. myproject.settings.production (or leave it empty for the project's default)")
    wsgi_app = _str(app, "wsgi_app", "config.wsgi:application", APP_REF, "give module:callable, e.g. myproject.wsgi:application")
    asgi_app = _str(app, "asgi_app", "config.asgi:application", APP_REF, "give module:callable, e.g. myproject.asgi:application")

    domains = _list(app, "domains", [])
    if not domains:
        _fail("domains", "is empty", "list the domain names the app is served under, e.g. [www.example.com]")
    for domain in domains:
        if not DOMAIN.match(domain):
            _fail("domains", f"has {domain!r}", "give host names only, e.g. www.example.com (no scheme, port or path)")
    allowed_hosts = _list(app, "allowed_hosts", ["localhost"] + domains)
    csrf_origins = _list(app, "csrf_trusted_origins", [f"https://{domain}" for domain in domains])

    listen = _str(app, "listen", "unix")
    if listen not in ("unix", "tcp"):
        _fail("listen", f"is {listen!r}", "give unix (sockets in /run/<name>, nginx on the same host) or tcp (bind_address and ports, for a load balancer on another host)")
    bind_address = _str(app, "bind_address", "127.0.0.1")
    if not bind_address or any(char in bind_address for char in " /"):
        _fail("bind_address", f"is {bind_address!r}", "give one IP address, e.g. the host's private address")
    gunicorn_port = _int(app, "gunicorn_port", 8000, 1, 65535)
    daphne_port_base = _int(app, "daphne_port_base", 8100, 1, 65535)
    instances = _int(app, "daphne_instances", 2, 1, 64)
    if listen == "tcp" and gunicorn_port in range(daphne_port_base + 1, daphne_port_base + instances + 1):
        _fail("gunicorn_port", f"{gunicorn_port} is also a Daphne port ({daphne_port_base + 1}-{daphne_port_base + instances})", "move gunicorn_port or daphne_port_base")
    if listen == "tcp" and daphne_port_base + instances > 65535:
        _fail("daphne_port_base", f"{daphne_port_base} + {instances} instances passes port 65535", "lower daphne_port_base")

    health_path = _str(app, "health_path", "/readiness/")
    if not health_path.startswith("/") or any(char.isspace() for char in health_path):
        _fail("health_path", f"is {health_path!r}", "give a URL path starting with /, e.g. /readiness/")
    headers = app.get("health_headers", {}) or {}
    if not isinstance(headers, dict) or not all(isinstance(key, str) and key.strip() for key in headers):
        _fail("health_headers", f"is {headers!r}", "give a mapping of header name to value, e.g. {X-Forwarded-Proto: https}")
    headers = {str(key).strip(): str(value) for key, value in headers.items()}

    env_overrides = app.get("env_names", {}) or {}
    if not isinstance(env_overrides, dict):
        _fail("env_names", f"is {env_overrides!r}", "give a mapping of some of " + ", ".join(ENV_NAMES) + " to the names your settings read")
    unknown_env = sorted(set(env_overrides) - set(ENV_NAMES))
    if unknown_env:
        _fail("env_names", f"has unknown key(s) {', '.join(map(str, unknown_env))}", "use only " + ", ".join(ENV_NAMES) + " (a partial mapping keeps the other names)")
    env_names = dict(ENV_NAMES)
    for key, value in env_overrides.items():
        value = "" if value is None else str(value).strip()
        if value and not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", value):
            _fail("env_names", f"gives {key} the name {value!r}", "give an environment variable name (letters, digits, _), or '' to leave the value out")
        env_names[key] = value

    media_root = _path(app, "media_root", f"{root}/shared/media")
    static_dirname = _str(app, "static_dirname", "staticfiles")
    if not static_dirname or "/" in static_dirname or static_dirname.startswith("."):
        _fail("static_dirname", f"is {static_dirname!r}", "give a directory name inside the release, e.g. staticfiles")
    shared_paths = []
    for entry in _list(app, "shared_paths", []):
        entry = entry.strip("/")
        parts = entry.split("/")
        if not entry or ".." in parts or parts[0] in (".env", ".venv", static_dirname, "REVISION") or "" in parts:
            _fail("shared_paths", f"has {entry!r}", f"give directories relative to the project directory (e.g. logs), not .env, .venv, {static_dirname} or paths with '..'")
        if entry not in shared_paths:
            shared_paths.append(entry)
    database = _str(app, "database", name.replace("-", "_"), re.compile(r"^[a-z_][a-z0-9_]{0,62}$"), "give a PostgreSQL name (lowercase letters, digits, _)")
    database_user = _str(app, "database_user", database, re.compile(r"^[a-z_][a-z0-9_]{0,62}$"), "give a PostgreSQL role name (lowercase letters, digits, _)")
    redis_user = _str(app, "redis_user", name, re.compile(r"^[A-Za-z0-9_.-]{1,64}$"), "give a Redis ACL user name")
    redis_database = _int(app, "redis_database", 0, 0, 15)

    current = f"{root}/current"
    processes = _processes(app, name, current, wsgi_app)
    timers = _timers(app, name, current, [process["name"] for process in processes])
    project_dir = f"{current}/{subdir}" if subdir else current
    run_dir = f"/run/{name}"
    if listen == "unix":
        gunicorn_endpoint = f"{run_dir}/gunicorn.sock"
        daphne_endpoints = [f"{run_dir}/daphne-{n}.sock" for n in range(1, instances + 1)]
        http_upstreams = [f"unix:{gunicorn_endpoint}"]
        websocket_upstreams = [f"unix:{endpoint}" for endpoint in daphne_endpoints]
    else:
        gunicorn_endpoint = f"{bind_address}:{gunicorn_port}"
        daphne_endpoints = [f"{bind_address}:{daphne_port_base + n}" for n in range(1, instances + 1)]
        http_upstreams = [gunicorn_endpoint]
        websocket_upstreams = list(daphne_endpoints)

    return {
        "name": name,
        "user": user,
        "group": group,
        "root": root,
        "project_subdir": subdir,
        "settings_module": settings_module,
        "wsgi_app": wsgi_app,
        "asgi_app": asgi_app,
        "domains": domains,
        "allowed_hosts": allowed_hosts,
        "csrf_trusted_origins": csrf_origins,
        "listen": listen,
        "bind_address": bind_address,
        "gunicorn_port": gunicorn_port,
        "daphne_port_base": daphne_port_base,
        "daphne_instances": instances,
        "health_path": health_path,
        "health_headers": headers,
        "env_names": env_names,
        "media_root": media_root,
        "static_dirname": static_dirname,
        "shared_paths": shared_paths,
        "database": database,
        "database_user": database_user,
        "redis_user": redis_user,
        "redis_database": redis_database,
        "processes": processes,
        "timers": timers,
        # Derived: computed here once, passed on to every role that needs them.
        "current": current,
        "shared": f"{root}/shared",
        "project_dir": project_dir,
        "venv": f"{current}/.venv",
        "run_dir": run_dir,
        # collectstatic runs in the project directory (src/ in a src layout).
        "static_root": f"{project_dir}/{static_dirname}",
        "gunicorn_endpoint": gunicorn_endpoint,
        "daphne_endpoints": daphne_endpoints,
        # Every queue a Celery worker of the app consumes (the monitoring reads their length).
        "queues": sorted({queue for process in processes for queue in process.get("queues", [])}),
        "http_upstreams": http_upstreams,
        "websocket_upstreams": websocket_upstreams,
        "app_ports": [] if listen == "unix" else [str(gunicorn_port), f"{daphne_port_base + 1}:{daphne_port_base + instances}"],
        "environment": {"DJANGO_SETTINGS_MODULE": settings_module} if settings_module else {},
        # Where the shared paths live: what the units may write besides uploads.
        "shared_path_targets": [f"{root}/shared/{entry}" for entry in shared_paths],
    }


def _venv_argv(argv, venv):
    """A command's first word from the release's virtualenv: python and bare
    names (celery, rq) from <venv>/bin, absolute paths as they are."""
    first = argv[0]
    if "/" not in first:
        first = f"{venv}/bin/{first}"
    return [first] + argv[1:]


def _systemd_exec(argv, specifiers=False):
    """ExecStart= from an argv: each word double-quoted when it needs it; '%'
    (systemd's specifiers) and '$' (its variables) escaped unless the words are
    the collection's own (specifiers=True keeps %i and %H)."""
    words = []
    for word in argv:
        if not specifiers:
            word = word.replace("%", "%%")
        word = word.replace("$", "$$")
        if not word or any(char in word for char in " \t\"'\\;"):
            word = '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'
        words.append(word)
    return " ".join(words)


def _processes(app, name, current, wsgi_app):
    value = app.get("processes", []) or []
    if not isinstance(value, list):
        _fail("processes", f"is {value!r}", "give a list of processes, e.g. [{name: worker, type: celery-worker}]")
    venv = f"{current}/.venv"
    default_celery_app = wsgi_app.split(":")[0].rsplit(".", 1)[0]
    processes = []
    for entry in value:
        if not isinstance(entry, dict):
            _fail("processes", f"has {entry!r}", "give each process as a mapping with name and type")
        kind = str(entry.get("type", ""))
        if kind not in PROCESS_TYPES:
            _fail("processes", f"has type {kind!r} ({entry.get('name', '?')})", "give celery-worker, celery-beat or command")
        label = f"processes[{entry.get('name', '?')}]"
        unknown = sorted(set(entry) - PROCESS_TYPES[kind])
        if unknown:
            _fail(label, f"has {', '.join(map(str, unknown))}", f"a {kind} takes {', '.join(sorted(PROCESS_TYPES[kind]))}")
        proc_name = _str(entry, "name", "", NAME, "give a name of lowercase letters, digits, '-' or '_' (it names the unit <app>-<name>@N)")
        if not proc_name or proc_name in RESERVED:
            _fail(label, f"is named {proc_name!r}", f"give it a name that is not empty and not one of {', '.join(sorted(RESERVED))}")
        if proc_name in [process["name"] for process in processes]:
            _fail(label, "is listed twice", "give each process its own name")
        instances = _int(entry, "instances", 1, 1, 32, label)
        if kind == "celery-beat" and (instances != 1 or any(p["type"] == "celery-beat" for p in processes)):
            _fail(label, "asks for a second beat", "celery-beat runs once per app, on one host (a second beat sends every scheduled task twice): list one, with instances 1 or none")
        stop_timeout = _int(entry, "stop_timeout", 60, 1, 3600, label)
        process = {"name": proc_name, "type": kind, "unit": f"{name}-{proc_name}", "instances": instances,
                   "stop_timeout": stop_timeout, "singleton": kind == "celery-beat", "ping": kind == "celery-worker",
                   "celery_app": "", "state_dir": ""}
        if kind.startswith("celery-"):
            celery_app = _str(entry, "celery_app", default_celery_app, MODULE, "give the module celery -A loads, e.g. config or myproject.celery")
            process["celery_app"] = celery_app
        if kind == "celery-worker":
            queues = _list(entry, "queues", [])
            if any(not re.match(r"^[A-Za-z0-9_.-]+$", queue) for queue in queues):
                _fail(label, f"has queues {queues!r}", "give queue names of letters, digits, '.', '-' or '_'")
            concurrency = _int(entry, "concurrency", 2, 1, 256, label)
            pool = _str(entry, "pool", "prefork")
            if pool not in POOLS:
                _fail(label, f"has pool {pool!r}", "give one of " + ", ".join(POOLS))
            # The broker keys it consumes: Celery's default queue is "celery".
            process["queues"] = queues or ["celery"]
            process["argv"] = [f"{venv}/bin/celery", "-A", celery_app, "worker", "--hostname", f"{proc_name}-%i@%H",
                               "--loglevel", "INFO", "--concurrency", str(concurrency), "--pool", pool] + (
                                   ["--queues", ",".join(queues)] if queues else [])
        elif kind == "celery-beat":
            process["state_dir"] = f"{name}-{proc_name}"
            process["argv"] = [f"{venv}/bin/celery", "-A", celery_app, "beat", "--loglevel", "INFO",
                               "--schedule", f"/var/lib/{name}-{proc_name}/celerybeat-schedule"]
        else:
            argv = _list(entry, "argv", [])
            if not argv or not argv[0]:
                _fail(label, "has no argv", "give the command as a list, e.g. [python, manage.py, runworker, channels]")
            process["argv"] = _venv_argv(argv, venv)
        process["exec_start"] = _systemd_exec(process["argv"], specifiers=kind == "celery-worker")
        process["units"] = [f"{process['unit']}@{n}.service" for n in range(1, instances + 1)]
        processes.append(process)
    return processes


def _timers(app, name, current, process_names):
    value = app.get("timers", []) or []
    if not isinstance(value, list):
        _fail("timers", f"is {value!r}", "give a list, e.g. [{name: clearsessions, command: [clearsessions], schedule: daily}]")
    timers = []
    for entry in value:
        if not isinstance(entry, dict):
            _fail("timers", f"has {entry!r}", "give each timer as a mapping with name, command and schedule")
        label = f"timers[{entry.get('name', '?')}]"
        unknown = sorted(set(entry) - TIMER_KEYS)
        if unknown:
            _fail(label, f"has {', '.join(map(str, unknown))}", f"a timer takes {', '.join(sorted(TIMER_KEYS))}")
        timer_name = _str(entry, "name", "", NAME, "give a name of lowercase letters, digits, '-' or '_' (it names <app>-<name>.timer)")
        if not timer_name or timer_name in RESERVED or timer_name in process_names or timer_name in [t["name"] for t in timers]:
            _fail(label, f"is named {timer_name!r}", "give it a name no process, other timer or tool of the app has")
        command = _list(entry, "command", [])
        if not command or not command[0]:
            _fail(label, "has no command", "give the manage.py command as a list, e.g. [clearsessions]")
        schedule = _str(entry, "schedule", "")
        if not schedule or "\n" in schedule:
            _fail(label, f"has schedule {schedule!r}", "give a systemd calendar expression, e.g. daily or *-*-* 03:15:00")
        timers.append({"name": timer_name, "unit": f"{name}-{timer_name}", "schedule": schedule,
                       "randomized_delay": _int(entry, "randomized_delay", 60, 0, 86400, label),
                       "argv": [f"{current}/.venv/bin/python", "manage.py"] + command})
        timers[-1]["exec_start"] = _systemd_exec(timers[-1]["argv"])
    return timers


# The input fields each derived value follows from.
DERIVED_FROM = {
    "current": ["root"], "shared": ["root"], "project_dir": ["root", "project_subdir"], "venv": ["root"],
    "run_dir": ["name"], "static_root": ["root", "static_dirname"],
    "gunicorn_endpoint": ["listen", "bind_address", "gunicorn_port"],
    "daphne_endpoints": ["listen", "bind_address", "daphne_port_base", "daphne_instances"],
    "http_upstreams": ["listen", "bind_address", "gunicorn_port"],
    "websocket_upstreams": ["listen", "bind_address", "daphne_port_base", "daphne_instances"],
    "app_ports": ["listen", "gunicorn_port", "daphne_port_base", "daphne_instances"],
    "environment": ["settings_module"],
    "shared_path_targets": ["root", "shared_paths"],
}


def app_fields(wirings):
    """The djangoops_app fields behind wiring expressions (values of
    roles/wiring/vars/main/app_interface.yml), for a message that says what to set."""
    fields = []
    for wiring in wirings:
        for used in re.findall(r"__djangoops_app(?:_upstreams)?(?:\.(\w+)|_(http|websocket))", str(wiring)):
            name = used[0] or f"{used[1]}_upstreams"
            for field in DERIVED_FROM.get(name, [name]):
                if field not in fields:
                    fields.append(field)
    return [f"djangoops_app.{field}" for field in fields]


# What two apps on one host must not share: the field, and why.
EXCLUSIVE = (
    ("name", "it names the units, /run/<name> and the deploy lock"),
    ("user", "each app runs as its own system user"),
    ("root", "each app keeps its releases in its own root"),
    ("database", "each app has its own PostgreSQL database"),
    ("database_user", "each app has its own PostgreSQL role"),
    ("redis_user", "each app has its own Redis ACL user"),
    ("redis_database", "apps on one Redis database share their cache and channel keys"),
)


def app_conflicts(apps):
    """What several app descriptions meant for the same hosts share that they
    must not: one message per clash, naming both apps, the field and the fix."""
    checked = [app_interface(app) for app in apps]
    problems = []
    for index, app in enumerate(checked):
        for other in checked[:index]:
            for field, why in EXCLUSIVE:
                if app[field] == other[field]:
                    problems.append(
                        f"djangoops_app.{field} of {app['name']} is {app[field]!r}, as {other['name']}'s: {why}; give {app['name']} its own"
                    )
            shared_domains = sorted(set(app["domains"]) & set(other["domains"]))
            if shared_domains:
                problems.append(
                    f"djangoops_app.domains of {app['name']} and {other['name']} both list {', '.join(shared_domains)}: nginx serves a name for one app only; remove it from one"
                )
    return problems


def app_upstreams(apps, kind="http"):
    """The upstreams of one app over several app hosts: each host's description
    (hostvars[host].djangoops_app, so bind_address is that host's) gives its own."""
    if kind not in ("http", "websocket"):
        raise AnsibleFilterError(f"app_upstreams: kind must be http or websocket, not {kind!r}")
    upstreams = []
    for app in apps:
        for upstream in app_interface(app)[f"{kind}_upstreams"]:
            if upstream not in upstreams:
                upstreams.append(upstream)
    return upstreams


class FilterModule:
    def filters(self):
        return {
            "app_interface": app_interface,
            "app_upstreams": app_upstreams,
            "app_fields": app_fields,
            "app_conflicts": app_conflicts,
        }
