#!/usr/bin/env python3
"""The benchmarks behind docs/benchmarks.md; run through bench/run.sh (`make bench`).

Every load is bounded in time, runs on loopback against containers this script
or `make demo` started, and is compared as a ratio measured in the same run:
the machine is small (2 cores here) and shared, so absolute rates move with
whatever else runs. Medians of several rounds are quoted.
"""

import argparse
import datetime
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
STATE = ROOT / ".cache" / "bench"
# Kept in the repository: a run of some sections keeps the others' figures,
# and the report can be rebuilt from a clean clone.
RESULTS = BENCH / "results.json"
DOC = ROOT / "docs" / "benchmarks.md"
DOMAIN = "djangoops.localhost"
DEMO = os.environ.get("DEMO_CONTAINER", "djangoops-demo")
DEMO_PORT = int(os.environ.get("DEMO_HTTPS_PORT", "8443"))
BENCH_CONTAINER = os.environ.get("BENCH_CONTAINER", "djangoops-bench")
BENCH_HTTPS_PORT = int(os.environ.get("BENCH_HTTPS_PORT", "9443"))
BENCH_HTTP_PORT = int(os.environ.get("BENCH_HTTP_PORT", "9080"))
CERT = ROOT / ".demo" / "demo-cert.pem"
VAULT_PASS = ROOT / ".demo" / "vault-pass"
CACHE = Path(os.environ.get("DJANGOOPS_TEST_CACHE", "/var/cache/djangoops-test"))
PY = sys.executable
SECTIONS = ["deploy", "zero_downtime", "proxy", "static", "websockets"]

TARGETS = {
    "deploy_redeploy_s": 45, "deploy_noop_s": 25, "proxy_ratio": 0.85,
    "static_ratio": 20, "ws_held": 5000, "ws_p99_ms": 1000,
}


def log(msg):
    print(f"\033[1m==> {msg}\033[0m", flush=True)


def sh(cmd, check=True, capture=True, **kwargs):
    proc = subprocess.run(cmd, check=False, text=True, capture_output=capture, **kwargs)
    if check and proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{proc.stdout}\n{proc.stderr}")
    return proc


def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def machine():
    mem_kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    commit = sh(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"]).stdout.strip()
    dirty = sh(["git", "-C", str(ROOT), "status", "--porcelain", "--", "roles", "playbooks", "app",
                "inventories"]).stdout.strip()
    others = sh(["podman", "ps", "--format", "{{.Names}}"], check=False).stdout.split()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(), "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(), "commit": commit + ("+local changes" if dirty else ""),
        "loadavg": os.getloadavg()[0], "containers_running": len(others),
    }


def container_pid(name):
    return sh(["podman", "inspect", "-f", "{{.State.Pid}}", name]).stdout.strip()


def hosts_wrapped(cmd):
    """Run cmd with a private /etc/hosts naming DOMAIN 127.0.0.1: hey has no
    --resolve, and the site refuses TLS without the right server name (SNI)."""
    hosts = STATE / "hosts"
    hosts.write_text(f"127.0.0.1 localhost {DOMAIN}\n::1 localhost\n")
    return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
            'mount --bind "$0" /etc/hosts && exec "$@"', str(hosts)] + cmd


def ansible_env():
    env = dict(os.environ)
    env.update(ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), PROFILE_TASKS_TASK_OUTPUT_LIMIT="12",
               ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1")
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}:{env['PATH']}"
    return env


def app_copy(tag, requirements=False):
    """A copy of app/ with a marker file: a new content hash, so a new release. With
    requirements, its requirements file changes too (a comment line): a new virtualenv,
    every requirement installed again (from the host's pip cache)."""
    dest = STATE / "app-copies" / tag
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(ROOT / "app", dest, ignore=shutil.ignore_patterns(
        ".venv", "__pycache__", "*.pyc", ".pytest_cache", "db.sqlite3", ".env", "staticfiles"))
    (dest / "BENCH_MARKER").write_text(f"{tag} {time.time()}\n")
    if requirements:
        with open(dest / "requirements.txt", "a") as reqs:
            reqs.write(f"# {tag} {time.time()}\n")
    return dest


def run_playbook(name, inventory, log_path, extra=(), env=None):
    cmd = ["ansible-playbook", "-i", str(inventory), "--vault-id", f"demo@{VAULT_PASS}",
           *extra, f"djangoops.deploy.{name}"]
    load = os.getloadavg()[0]
    started = time.monotonic()
    with open(log_path, "w") as out:
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=ansible_env() | (env or {}),
                              cwd=ROOT, check=False)
    seconds = round(time.monotonic() - started, 1)
    result = parse_playbook_log(log_path)
    result.update(seconds=seconds, rc=proc.returncode, loadavg_before=round(load, 1))
    return result


def parse_playbook_log(log_path):
    """Recap, profile_tasks' slowest tasks and its elapsed time, from a run's log."""
    text = Path(log_path).read_text()
    recap = {}
    match = re.search(r"^\S+\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", text, re.M)
    if match:
        recap = dict(zip(["ok", "changed", "unreachable", "failed"], map(int, match.groups())))
    slowest = []
    tail = text.split("TASKS RECAP")[-1] if "TASKS RECAP" in text else ""
    for line in tail.splitlines():
        m = re.match(r"^(.+?) -+ (\d+\.\d+)s$", line.strip())
        if m:
            slowest.append([m.group(1), float(m.group(2))])
    elapsed = re.findall(r"\s(\d+):(\d\d):(\d\d\.\d+) \*+\s*$", text, re.M)
    seconds = None
    if elapsed:
        h, m, sec = elapsed[-1]
        seconds = round(int(h) * 3600 + int(m) * 60 + float(sec), 1)
    return {"seconds": seconds, "rc": 0 if recap.get("failed") == 0 and recap.get("unreachable") == 0 else 1,
            "recap": recap, "slowest": slowest[:12], "loadavg_before": None, "log": str(log_path),
            "complete": bool(recap)}


def mitogen_env():
    """Ansible with Mitogen's strategy (requirements-dev.txt): one Python process per
    host over the SSH connection, modules run in it instead of one upload and one
    interpreter per task. Mitogen checks host keys itself, from Ansible's setting."""
    import ansible_mitogen  # noqa: PLC0415 (only this mode needs it)
    return {"ANSIBLE_STRATEGY_PLUGINS": str(Path(ansible_mitogen.__file__).parent / "plugins" / "strategy"),
            "ANSIBLE_STRATEGY": "mitogen_linear", "ANSIBLE_HOST_KEY_CHECKING": "False"}


# Ways the deploy section drives the host: key, label, env. SSH is what users run
# (ControlPersist and pipelining from ansible.cfg); Mitogen is optional.
CONNECTIONS = [("ssh", "over SSH", None), ("mitogen", "over SSH with Mitogen", mitogen_env)]
PEER = BENCH / "peer"
PEER_CONTAINER = os.environ.get("PEER_CONTAINER", "djangoops-peer")
PEER_ROLES = Path(os.environ.get("PEER_ROLES_DIR", STATE / "peer-roles"))


def resumed_or_run(args, name, inventory, log_path, extra, copy=None, env=None, playbook=None):
    """--resume: a run whose log is complete (after an interrupted make bench) is
    read back from it (profile_tasks' elapsed time) instead of being run again."""
    if args.resume and Path(log_path).exists():
        result = parse_playbook_log(log_path)
        if result["complete"]:
            result["from_log"] = True
            log(f"deploy: {Path(log_path).name} read back from its log ({result['seconds']} s)")
            return result
    if copy is not None:  # a new commit: app/ plus a marker file
        app_copy(copy.name, requirements=copy.name.startswith("bench-reqs"))
    if playbook is not None:
        return run_peer(inventory, log_path)
    return run_playbook(name, inventory, log_path, extra, env)


# --- 1. deploy timings ----------------------------------------------------------

def peer_roles():
    """The community roles of bench/peer/requirements.yml, from Galaxy or PEER_ROLES_DIR."""
    wanted = ["geerlingguy.postgresql", "geerlingguy.redis", "geerlingguy.nginx"]
    if all((PEER_ROLES / name / "tasks" / "main.yml").exists() for name in wanted):
        return PEER_ROLES
    PEER_ROLES.mkdir(parents=True, exist_ok=True)
    proc = sh(["ansible-galaxy", "role", "install", "-r", str(PEER / "requirements.yml"), "-p", str(PEER_ROLES)],
              check=False, env=ansible_env())
    if proc.returncode != 0 or not all((PEER_ROLES / name).exists() for name in wanted):
        raise SystemExit(
            "deploy: the peer roles could not be installed from Galaxy:\n" + proc.stderr[-600:] +
            f"\nPut a checkout of each role of bench/peer/requirements.yml (at its version) in {PEER_ROLES}/<name>, "
            "or point PEER_ROLES_DIR at such a directory, or run with --no-peer.")
    return PEER_ROLES


def run_peer(inventory, log_path):
    cmd = ["ansible-playbook", "-i", str(inventory), str(PEER / "site.yml")]
    load = os.getloadavg()[0]
    started = time.monotonic()
    with open(log_path, "w") as out:
        # The community roles read top-level facts (ansible_os_family, ...), which
        # this repository's ansible.cfg no longer injects: on for them.
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, check=False,
                              env=ansible_env() | {"ANSIBLE_ROLES_PATH": str(PEER_ROLES), "ANSIBLE_INJECT_FACT_VARS": "True"})
    result = parse_playbook_log(log_path)
    result.update(seconds=round(time.monotonic() - started, 1), rc=proc.returncode, loadavg_before=round(load, 1))
    return result


def bench_deploy(args):
    """Over SSH, as users run it, next to the peer (three community roles) in the same run:
    fresh converges (a new container each round), no-op re-runs of site.yml, code-only
    redeploys and redeploys whose requirements file changed; rounds interleaved."""
    logs = STATE / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    extra = ["-e", f"djangoops_demo_https_port={BENCH_HTTPS_PORT}"]
    if args.peer:
        peer_roles()
    apt_cache = CACHE / "apt" / BENCH_CONTAINER
    result = {"container": BENCH_CONTAINER, "ssh": {"fresh": [], "noop": [], "redeploy": [], "redeploy_reqs": []}}
    if args.peer:
        result["peer"] = {"container": PEER_CONTAINER, "fresh": [], "noop": [],
                          "roles": (PEER / "requirements.yml").read_text().count("- name:")}
    resume = args.resume and all(sh(["podman", "container", "exists", c], check=False).returncode == 0
                                 for c in [BENCH_CONTAINER] + ([PEER_CONTAINER] if args.peer else []))
    for i in range(args.fresh_rounds):
        fresh_log = logs / f"fresh-ssh-{i}.log"
        if resume and parse_playbook_log(fresh_log)["complete"] if fresh_log.exists() else False:
            inventory = STATE / "inventory-ssh"
        else:
            resume = False
            result["apt_cache_warm"] = fresh_container(BENCH_CONTAINER, apt_cache, published=True)
            inventory = ssh_into(BENCH_CONTAINER, "bench")
        log(f"deploy: fresh converge of site.yml over SSH ({i + 1}/{args.fresh_rounds})")
        # The SSH inventory lives under .cache/bench: app/ is named explicitly.
        result["ssh"]["fresh"].append(resumed_or_run(args, "site", inventory, fresh_log,
                                                     extra + ["-e", f"django_app_local_path={ROOT / 'app'}"]))
        if result["ssh"]["fresh"][-1]["rc"] != 0:
            raise SystemExit(f"fresh converge failed, see {fresh_log}")
        if args.peer:
            peer_log = logs / f"peer-fresh-{i}.log"
            if not (resume and parse_playbook_log(peer_log)["complete"] if peer_log.exists() else False):
                fresh_container(PEER_CONTAINER, CACHE / "apt" / PEER_CONTAINER, published=False)
                ssh_into(PEER_CONTAINER, "peer")
            log(f"deploy: the peer's fresh converge ({i + 1}/{args.fresh_rounds})")
            result["peer"]["fresh"].append(resumed_or_run(args, "peer", STATE / "inventory-peer", peer_log, [],
                                                          playbook="peer"))
            if result["peer"]["fresh"][-1]["rc"] != 0:
                raise SystemExit(f"the peer's fresh converge failed, see {peer_log}")
    modes = [m for m in CONNECTIONS if m[0] == "ssh" or args.mitogen]
    for key, label, make_env in modes:
        env = make_env() if make_env else None
        runs = result.setdefault(key, {"noop": [], "redeploy": [], "redeploy_reqs": []})
        copy = None
        # The redeploys first: the no-op then re-applies the live release's tree.
        for i in range(args.rounds):
            for kind, tag in (("redeploy", "bench-redeploy"), ("redeploy_reqs", "bench-reqs")):
                log(f"deploy {label}: {kind.replace('_reqs', ' with changed requirements')} ({i + 1}/{args.rounds})")
                copy = STATE / "app-copies" / f"{tag}-{key}-{i}"
                runs[kind].append(resumed_or_run(args, "deploy", STATE / "inventory-ssh",
                                                 logs / f"{tag}-{key}-{i}.log",
                                                 extra + ["-e", f"django_app_local_path={copy}"], copy=copy, env=env))
        for i in range(args.rounds):
            log(f"deploy {label}: no-op re-run of site.yml ({i + 1}/{args.rounds})")
            runs["noop"].append(resumed_or_run(args, "site", STATE / "inventory-ssh", logs / f"noop-{key}-{i}.log",
                                               extra + ["-e", f"django_app_local_path={copy}"], env=env))
            if key == "ssh" and args.peer:
                log(f"deploy: the peer's no-op re-run ({i + 1}/{args.rounds})")
                result["peer"]["noop"].append(resumed_or_run(args, "peer", STATE / "inventory-peer",
                                                             logs / f"peer-noop-{i}.log", [], playbook="peer"))
        for kind in ("fresh", "noop", "redeploy", "redeploy_reqs"):
            if runs.get(kind):
                runs[f"{kind}_s"] = median([r["seconds"] for r in runs[kind]])
    if args.peer:
        for kind in ("fresh", "noop"):
            result["peer"][f"{kind}_s"] = median([r["seconds"] for r in result["peer"][kind]])
        ssh = result["ssh"]
        ssh["noop_ratio"] = round(ssh["noop_s"] / result["peer"]["noop_s"], 2)
        ssh["fresh_ratio"] = round(ssh["fresh_s"] / result["peer"]["fresh_s"], 2)
    if not args.keep:
        sh(["podman", "rm", "--force", "--ignore", BENCH_CONTAINER, PEER_CONTAINER])
    return result


def ssh_into(container, host):
    """sshd in a bench container, a key of our own, and an inventory naming the
    container's address on podman's network (no published port). An inventory, not
    extra vars: those would also send the controller's delegate_to: localhost tasks over SSH."""
    key = STATE / "ssh" / "id_ed25519"
    if not key.exists():
        key.parent.mkdir(parents=True, exist_ok=True)
        sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "djangoops-bench", "-f", str(key)])
    script = ("command -v sshd >/dev/null || { apt-get update -qq && "
              "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server >/dev/null; }; "
              "install -d -m 700 /root/.ssh && cat > /root/.ssh/authorized_keys && systemctl start ssh")
    sh(["podman", "exec", "-i", container, "sh", "-c", script], input=Path(f"{key}.pub").read_text())
    address = sh(["podman", "inspect", "-f", "{{.NetworkSettings.IPAddress}}", container]).stdout.strip()
    connection = (f"      ansible_connection: ssh\n      ansible_host: {address}\n      ansible_user: root\n"
                  f"      ansible_ssh_private_key_file: {key}\n"
                  "      ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null\n")
    if host == "peer":
        inventory = STATE / "inventory-peer"
        inventory.mkdir(parents=True, exist_ok=True)
        (inventory / "hosts.yml").write_text("all:\n  children:\n    peer:\n      hosts:\n        peer:\n" +
                                             connection.replace("      ", "          "))
        return inventory
    inventory = STATE / "inventory-ssh"
    inventory.mkdir(parents=True, exist_ok=True)
    text = (BENCH / "inventory" / "hosts.yml").read_text().replace(
        "      ansible_connection: containers.podman.podman\n      ansible_host: " + BENCH_CONTAINER + "\n", connection)
    (inventory / "hosts.yml").write_text(text)
    link = inventory / "group_vars"
    if not link.is_symlink():
        link.symlink_to(ROOT / "inventories" / "demo" / "group_vars")
    return inventory


def fresh_container(name, apt_cache, published):
    """A new Debian 12 systemd container; the facts an earlier one left in the cache removed.
    Returns whether the host's apt cache for it was warm."""
    log(f"deploy: a fresh container {name}")
    sh(["podman", "rm", "--force", "--ignore", name])
    apt_cache.mkdir(parents=True, exist_ok=True)
    (CACHE / "pip").mkdir(parents=True, exist_ok=True)
    warm = any(apt_cache.glob("*.deb"))
    ports = ["--publish", f"127.0.0.1:{BENCH_HTTPS_PORT}:443", "--publish", f"127.0.0.1:{BENCH_HTTP_PORT}:80"]
    sh(["podman", "run", "--detach", "--name", name, "--hostname", f"{name}.djangoops.test",
        # NET_ADMIN: the security role's ufw manages the container's own netfilter.
        "--runtime=runc", "--systemd=always", "--cap-add=NET_ADMIN",
        "--ulimit", "nofile=16384:16384", "--ulimit", "nproc=8192:8192", *(ports if published else []),
        "--volume", f"{apt_cache}:/var/cache/apt/archives:rw",
        "--volume", f"{CACHE / 'pip'}:/root/.cache/pip:rw",
        "localhost/djangoops-debian:bookworm", "/sbin/init"])
    sh(["podman", "exec", name, "systemctl", "is-system-running", "--wait"], check=False)
    for cached in (ROOT / ".cache" / "facts").glob("bench*" if name == BENCH_CONTAINER else "peer*"):
        cached.unlink()
    return warm


# --- 2. zero downtime -------------------------------------------------------------

def parse_hey(text):
    statuses = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+\[(\d{3})\]\s+(\d+) responses", text, re.M)}
    errors_part = text.split("Error distribution:")[-1] if "Error distribution:" in text else ""
    errors = {}
    for m in re.finditer(r"^\s+\[(\d+)\]\s+(.+)$", errors_part, re.M):
        kind = re.sub(r'"https?://[^"]+"', "URL", m.group(2))
        kind = re.sub(r"->[\d.:\[\]a-f]+|:\d{4,5}", "", kind)[:120]
        errors[kind] = errors.get(kind, 0) + int(m.group(1))
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    return {"statuses": statuses, "errors": errors, "requests": sum(statuses.values()) + sum(errors.values()),
            "non_2xx": sum(n for s, n in statuses.items() if not s.startswith("2")),
            "socket_errors": sum(errors.values()), "rps": float(rps.group(1)) if rps else None}


def bench_zero_downtime(args):
    logs = STATE / "logs"
    base = f"https://{DOMAIN}:{DEMO_PORT}"
    paths = ["/health/", "/"]
    per_path = args.zd_connections // len(paths)
    copy = app_copy("bench-zero-downtime")
    # A changed stylesheet (a new hashed name): pages rendered before the switch
    # keep asking for the old name (asset_bridge.py counts those requests).
    with open(copy / "static" / "css" / "site.css", "a") as css:
        css.write(f"\n/* bench {time.time()} */\n")
    assets_out = logs / "asset-bridge.json"
    assets_out.unlink(missing_ok=True)
    assets = subprocess.Popen(hosts_wrapped([PY, str(BENCH / "asset_bridge.py"), f"https://{DOMAIN}:{DEMO_PORT}/",
                                             "--cafile", str(CERT), "--seconds", str(args.zd_max),
                                             "--interval", "0.2", "--output", str(assets_out)]),
                              stdout=subprocess.DEVNULL)
    hey_procs = []
    for path in paths:
        out = open(logs / f"hey{path.replace('/', '_')}.log", "w")
        cmd = hosts_wrapped(["hey", "-z", f"{args.zd_max}s", "-c", str(per_path), "-q", str(args.zd_qps),
                             "-t", "20", base + path])
        hey_procs.append((path, subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT), out))
    ws_out = logs / "ws-reconnect.json"
    ws = subprocess.Popen([PY, str(BENCH / "ws_bench.py"), "reconnect", f"wss://{DOMAIN}:{DEMO_PORT}",
                           "--address", "127.0.0.1", "--cafile", str(CERT), "--clients", str(args.ws_reconnect_clients),
                           "--duration", str(args.zd_max), "--output", str(ws_out)], stdout=subprocess.DEVNULL)
    time.sleep(3)
    log(f"zero_downtime: redeploy of a new commit on {DEMO} under load "
        f"({args.zd_connections} HTTP connections, {args.ws_reconnect_clients} websockets)")
    deploy = run_playbook("deploy", ROOT / "inventories" / "demo", logs / "zero-downtime-deploy.log",
                          ["-e", f"django_app_local_path={copy}", "-e", f"djangoops_demo_https_port={DEMO_PORT}"])
    time.sleep(3)
    for _, proc, _ in hey_procs:
        proc.send_signal(signal.SIGINT)
    ws.send_signal(signal.SIGINT)
    assets.send_signal(signal.SIGINT)
    http = {}
    for path, proc, out in hey_procs:
        proc.wait(timeout=60)
        out.close()
        http[path] = parse_hey((logs / f"hey{path.replace('/', '_')}.log").read_text())
    ws.wait(timeout=60)
    reconnect = json.loads(ws_out.read_text()) if ws_out.exists() else {"error": "no result"}
    assets.wait(timeout=60)
    bridged = json.loads(assets_out.read_text()) if assets_out.exists() else {"error": "no result"}
    log("zero_downtime: back to the checkout's release")
    restore = run_playbook("deploy", ROOT / "inventories" / "demo", logs / "zero-downtime-restore.log",
                           ["-e", f"djangoops_demo_https_port={DEMO_PORT}"])
    return {
        "target": DEMO, "connections": args.zd_connections, "qps_per_connection": args.zd_qps,
        "deploy": deploy, "restore_rc": restore["rc"], "http": http,
        "requests": sum(h["requests"] for h in http.values()),
        "non_2xx": sum(h["non_2xx"] for h in http.values()),
        "socket_errors": sum(h["socket_errors"] for h in http.values()),
        "ws": reconnect,
        "assets": bridged,
    }


# --- 3 and 4: the same client through nginx and directly on gunicorn ----------------

def curl_round(url, n, concurrency, direct, socket_path, https_port):
    """n GETs, concurrency in flight, with curl's parallel mode; requests/s and
    the status codes. Through nginx: HTTP/1.1 keep-alive over TLS. Directly: one
    connection per request on the unix socket (gunicorn's sync workers close each)."""
    cmd = ["curl", "--silent", "--no-progress-meter", "--parallel", "--parallel-max", str(concurrency),
           "--output", "/dev/null", "--write-out", "%{http_code}\\n", "--http1.1"]
    if direct:
        cmd += ["--unix-socket", socket_path, "--header", "X-Forwarded-Proto: https",
                f"http://{DOMAIN}{url}?bench=[1-{n}]"]
    else:
        cmd += ["--cacert", str(CERT), "--resolve", f"{DOMAIN}:{https_port}:127.0.0.1",
                f"https://{DOMAIN}:{https_port}{url}?bench=[1-{n}]"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    codes = proc.stdout.split()
    ok = sum(1 for c in codes if c.startswith("2"))
    return {"rps": round(len(codes) / seconds, 1), "n": len(codes), "ok": ok, "seconds": round(seconds, 2),
            "client_cpu_s": round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 2)}


CPU_SCRIPT = r"""
import json, os
tick = os.sysconf("SC_CLK_TCK")
out = {"nginx": 0.0, "gunicorn": 0.0}
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode()
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    key = "nginx" if cmd.startswith("nginx") else "gunicorn" if "gunicorn" in cmd else None
    if key:  # utime, stime, and the reaped children's (recycled gunicorn workers)
        out[key] += sum(int(x) for x in fields[11:15]) / tick
print(json.dumps(out))
"""


def server_cpu():
    """CPU seconds used so far by nginx and by gunicorn (master, workers, reaped workers)."""
    return json.loads(sh(["podman", "exec", DEMO, "python3", "-c", CPU_SCRIPT]).stdout)


def measured_round(url, n, concurrency, direct, socket_path):
    before = server_cpu()
    result = curl_round(url, n, concurrency, direct, socket_path, DEMO_PORT)
    after = server_cpu()
    for key in before:
        result[f"{key}_cpu_ms_per_req"] = round((after[key] - before[key]) * 1000 / max(result["n"], 1), 3)
    return result


def paired_rounds(url, args, socket_path):
    # Size a round to ~args.round_seconds at the direct rate measured now.
    probe = curl_round(url, 500, args.concurrency, True, socket_path, DEMO_PORT)
    n = int(min(max(probe["rps"] * args.round_seconds, 500), 20000))
    rounds = []
    for i in range(args.pairs):
        order = [True, False] if i % 2 == 0 else [False, True]  # alternate who goes first
        pair = {}
        for direct in order:
            pair["direct" if direct else "nginx"] = measured_round(url, n, args.concurrency, direct, socket_path)
        pair["ratio"] = round(pair["nginx"]["rps"] / pair["direct"]["rps"], 3) if pair["direct"]["rps"] else None
        # Contention-proof: server CPU per request. Direct, only gunicorn works;
        # through nginx, gunicorn and nginx do (the client runs elsewhere in real life).
        via = pair["nginx"]["gunicorn_cpu_ms_per_req"] + pair["nginx"]["nginx_cpu_ms_per_req"]
        pair["cpu_ratio"] = round(pair["direct"]["gunicorn_cpu_ms_per_req"] / via, 3) if via else None
        rounds.append(pair)
    return {"url": url, "requests_per_round": n, "rounds": rounds,
            "nginx_rps": median([r["nginx"]["rps"] for r in rounds]),
            "direct_rps": median([r["direct"]["rps"] for r in rounds]),
            "ratio": median([r["ratio"] for r in rounds]),
            "cpu_ratio": median([r["cpu_ratio"] for r in rounds]),
            "gunicorn_cpu_ms_direct": median([r["direct"]["gunicorn_cpu_ms_per_req"] for r in rounds]),
            "gunicorn_cpu_ms_via_nginx": median([r["nginx"]["gunicorn_cpu_ms_per_req"] for r in rounds]),
            "nginx_cpu_ms": median([r["nginx"]["nginx_cpu_ms_per_req"] for r in rounds]),
            "all_2xx": all(r[k]["ok"] == r[k]["n"] for r in rounds for k in ("nginx", "direct"))}


def cpu_model_ratio(v, static=False):
    """Gunicorn does the same work for a request whoever connects to its socket, so
    pool its CPU per request over every round (a recycled worker re-importing Django
    lands in one round or another); nginx adds its own per request. Throughput with
    the CPUs to the server alone: direct 1/g, through nginx 1/(g + n)."""
    modes = ("direct",) if static else ("direct", "nginx")  # nginx serves static files alone
    g = median([r[k].get("gunicorn_cpu_ms_per_req") for r in v["rounds"] for k in modes])
    n = v.get("nginx_cpu_ms")
    if not g or n is None:
        return None
    return round(g / n, 1) if static else round(g / (g + n), 3)


def gunicorn_socket():
    return f"/proc/{container_pid(DEMO)}/root/run/django/gunicorn.sock"


def bench_proxy(args):
    socket_path = gunicorn_socket()
    result = {"target": DEMO, "concurrency": args.concurrency, "views": {}}
    for url in ["/health/", "/"]:
        log(f"proxy: {url} through nginx+TLS vs gunicorn's socket, {args.pairs} paired rounds")
        result["views"][url] = paired_rounds(url, args, socket_path)
        result["views"][url]["cpu_model_ratio"] = cpu_model_ratio(result["views"][url])
    result["workers"] = sh(["podman", "exec", DEMO, "sh", "-c",
                            "grep -E '^(workers|worker_class|threads)' /etc/django/gunicorn.conf.py"],
                           check=False).stdout.strip().splitlines()
    return result


def bench_static(args):
    listing = sh(["podman", "exec", DEMO, "sh", "-c", "ls /srv/django/current/staticfiles/css/"]).stdout.split()
    hashed = next((f for f in listing if re.fullmatch(r"site\.[0-9a-f]{12}\.css", f)), None)
    if hashed is None:
        return {"error": f"no hashed site.css in {listing}"}
    url = f"/static/css/{hashed}"
    size = sh(["podman", "exec", DEMO, "stat", "-c", "%s", f"/srv/django/current/staticfiles/css/{hashed}"]).stdout.strip()
    log(f"static: {url} from nginx vs WhiteNoise on gunicorn's socket, {args.pairs} paired rounds")
    result = paired_rounds(url, args, gunicorn_socket())
    result["bytes"] = int(size)
    result["cpu_model_ratio"] = cpu_model_ratio(result, static=True)
    # A faster client for nginx alone (curl's own CPU may be the limit there).
    hey = sh(hosts_wrapped(["hey", "-z", "5s", "-c", str(args.concurrency), f"https://{DOMAIN}:{DEMO_PORT}{url}"]),
             check=False).stdout
    result["nginx_rps_hey"] = parse_hey(hey)["rps"]
    return result


# --- 5. websockets --------------------------------------------------------------

def daphne_state():
    script = ("for p in $(pgrep -f 'python -m daphne'); do "
              "echo \"$p $(grep 'Max open files' /proc/$p/limits | awk '{print $4\"/\"$5}') "
              "$(ls /proc/$p/fd | wc -l)\"; done")
    return sh(["podman", "exec", DEMO, "sh", "-c", script], check=False).stdout.split("\n")


def bench_websockets(args):
    result = {"target": DEMO, "procs": args.ws_procs, "runs": {}, "daphne_before": daphne_state()}
    since = sh(["podman", "exec", DEMO, "date", "+%Y-%m-%d %H:%M:%S"]).stdout.strip()
    for clients in args.ws_clients:
        log(f"websockets: {clients} clients on /ws/notifications/ through nginx, {args.ws_broadcasts} broadcasts")
        out = STATE / "logs" / f"ws-hold-{clients}.json"
        proc = subprocess.run([PY, str(BENCH / "ws_bench.py"), "hold", f"wss://{DOMAIN}:{DEMO_PORT}",
                               "--address", "127.0.0.1", "--cafile", str(CERT), "--clients", str(clients),
                               "--procs", str(args.ws_procs), "--broadcasts", str(args.ws_broadcasts),
                               "--connect-timeout", "60", "--output", str(out)],
                              capture_output=True, text=True, timeout=180, check=False)
        result["runs"][str(clients)] = json.loads(out.read_text()) if out.exists() else {
            "error": proc.stderr[-500:]}
        time.sleep(3)
    logs = sh(["podman", "exec", DEMO, "sh", "-c",
               f"journalctl --since '{since}' -u 'django-daphne@*' -u nginx --no-pager -o cat "
               "| grep -iE 'too many open files|error|refused' | sort | uniq -c | sort -rn | head -5; "
               "grep -ciE 'too many open files|worker_connections' /var/log/nginx/error.log || true"],
              check=False).stdout.strip()
    result["server_errors"] = logs
    return result


# --- report -----------------------------------------------------------------------

def fmt(value, unit="", digits=1):
    if value is None:
        return "–"
    if isinstance(value, float):
        value = round(value, digits)
    return f"{value}{unit}"


def verdict(ok):
    return "met" if ok else "**missed**"


def stamp(section):
    m = section["machine"]
    return (f"_Measured {m['date']} on {m['nproc']} CPUs, {m['ram_gib']} GiB RAM, kernel {m['kernel']}, "
            f"commit `{m['commit']}`; load average {m['loadavg']:.1f} at the start, "
            f"{m['containers_running']} containers running on the machine._")


DEPLOY_RUNS = [("fresh", "fresh converge of site.yml"), ("noop", "no-op re-run of site.yml"),
               ("redeploy", "code-only redeploy (deploy.yml)"),
               ("redeploy_reqs", "redeploy with a changed requirements file")]
DEPLOY_TARGETS = {"noop": 25, "redeploy": 20}


def deploy_summary(d):
    rows = []
    for key, label, _ in CONNECTIONS:
        c = d.get(key) or {}
        for kind, what in DEPLOY_RUNS:
            if c.get(f"{kind}_s") is None:
                continue
            target = DEPLOY_TARGETS.get(kind)
            rows.append(f"| {what} {label} | {fmt(c[f'{kind}_s'], ' s')} | {f'≤ {target} s' if target else '–'} | "
                        f"{verdict(c[f'{kind}_s'] <= target) if target else ''} |")
    peer = d.get("peer")
    if peer and d["ssh"].get("noop_ratio") is not None:
        rows += [f"| no-op over SSH ÷ the peer's no-op ({fmt(peer['noop_s'], ' s')}) | {fmt(d['ssh']['noop_ratio'], '×', 2)} "
                 f"| ≤ 1.0× | {verdict(d['ssh']['noop_ratio'] <= 1.0)} |",
                 f"| fresh converge over SSH ÷ the peer's ({fmt(peer['fresh_s'], ' s')}) | {fmt(d['ssh']['fresh_ratio'], '×', 2)} "
                 f"| ≤ 3× | {verdict(d['ssh']['fresh_ratio'] <= 3)} |"]
    return rows


def deploy_section(d):
    out = ["## 1. Deploy timings (all-in-one host)", "", stamp(d), "",
           f"A container `{d['container']}` (Debian 12, systemd) configured like the demo, driven over SSH as users",
           "run it (ControlPersist and pipelining from ansible.cfg); fresh converges each on a new container. Apt and",
           "pip caches on the host were " + ("warm" if d.get("apt_cache_warm") else "cold for apt (first run on this machine)") + "."]
    if d.get("peer"):
        out += ["", f"**The peer**, in the same run and interleaved: `{d['peer']['container']}`, an identical container,",
                f"converged by {d['peer']['roles']} well-known community roles (`bench/peer/`: geerlingguy.postgresql, .redis,",
                ".nginx; one database and user, Redis, one nginx virtual host) over the same SSH settings. They do",
                "part of what site.yml does (no app, TLS, PgBouncer, backups, exporters, firewall, hardening), so the",
                "ratios below compare a whole stack with three services."]
    out += ["", "| run | seconds | ok | changed | load avg before |", "|---|---|---|---|---|"]
    for key, label, _ in CONNECTIONS:
        c = d.get(key) or {}
        for kind, what in DEPLOY_RUNS:
            out += [f"| {what} {label} #{i + 1} | {r['seconds']} | {r['recap'].get('ok', '?')} | "
                    f"{r['recap'].get('changed', '?')} | {fmt(r['loadavg_before'])} |" for i, r in enumerate(c.get(kind, []))]
    for kind in ("fresh", "noop"):
        out += [f"| the peer: {dict(DEPLOY_RUNS)[kind].replace(' of site.yml', '')} #{i + 1} | {r['seconds']} | {r['recap'].get('ok', '?')} | "
                f"{r['recap'].get('changed', '?')} | {fmt(r['loadavg_before'])} |"
                for i, r in enumerate((d.get("peer") or {}).get(kind, []))]
    medians = []
    for key, label, _ in CONNECTIONS:
        c = d.get(key) or {}
        got = [f"{what.split(' (')[0].split(' of ')[0]} **{c[f'{kind}_s']} s**" for kind, what in DEPLOY_RUNS
               if c.get(f"{kind}_s") is not None]
        if got:
            medians.append(f"{label[0].upper() + label[1:]}: " + ", ".join(got) + ".")
    if d.get("peer"):
        medians.append(f"The peer: fresh converge **{d['peer']['fresh_s']} s**, no-op **{d['peer']['noop_s']} s**.")
    out += ["", "Medians. " + " ".join(medians), ""]
    bars, targets = [], []
    for kind, short in (("noop", "no-op"), ("redeploy", "redeploy")):
        for key, _, _ in CONNECTIONS:
            if (d.get(key) or {}).get(f"{kind}_s") is not None:
                bars.append((f"{short} ({key})", d[key][f"{kind}_s"]))
                targets.append(DEPLOY_TARGETS[kind])
    if (d.get("peer") or {}).get("noop_s") is not None:
        bars.append(("no-op (peer)", d["peer"]["noop_s"]))
        targets.append(DEPLOY_TARGETS["noop"])
    out += ["```mermaid", "xychart-beta", '    title "Deploy timings, seconds (bars) against the targets (line)"',
            "    x-axis [" + ", ".join(f'"{name}"' for name, _ in bars) + "]", '    y-axis "seconds"',
            "    bar [" + ", ".join(str(v) for _, v in bars) + "]",
            "    line [" + ", ".join(map(str, targets)) + "]", "```", ""]
    profiles = []
    for key, label, _ in CONNECTIONS:
        c = d.get(key) or {}
        profiles += [(f"{what} {label}", c[kind]) for kind, what in DEPLOY_RUNS[1:3] if c.get(kind)]
    if (d.get("peer") or {}).get("noop"):
        profiles.append(("the peer's no-op", d["peer"]["noop"]))
    for label, runs in profiles:
        median_run = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
        out += [f"Slowest tasks of the median {label} run (profile_tasks):", "", "| task | s |", "|---|---|"]
        out += [f"| {t.replace('|', '/')} | {sec} |" for t, sec in median_run["slowest"][:10]]
        out.append("")
    out += ["**What limits it.** " + NOTES["deploy"], ""]
    return out


def report(results):
    out = ["# Benchmarks", "",
           "Generated by `make bench` (bench/run.sh, bench/bench.py); do not edit by hand.",
           "Everything runs on one machine: the demo stack (`make demo`, one Debian 12 systemd container),",
           "a second container for the deploy timings, and the load generators on the host, over loopback.",
           "The machine is small and shared with other test runs, so absolute rates move from run to run:",
           "each comparison is a ratio of two figures measured in the same run, rounds interleaved, and the",
           "medians are quoted. No figure here gates CI.", ""]

    summary = ["| what | measured | target | |", "|---|---|---|---|"]
    d = results.get("deploy")
    if d:
        summary += deploy_summary(d)
    z = results.get("zero_downtime")
    if z:
        bad = z["non_2xx"] + z["socket_errors"]
        summary.append(f"| failed requests during a redeploy | {z['non_2xx']} non-2xx, {z['socket_errors']} socket errors "
                       f"of {z['requests']} | 0 | {verdict(bad == 0)} |")
        if "gap_ms_max" in z["ws"]:
            summary.append(f"| websocket reconnect gap during a redeploy | p50 {fmt(z['ws']['gap_ms_p50'], ' ms')}, "
                           f"max {fmt(z['ws']['gap_ms_max'], ' ms')} | – | |")
    p = results.get("proxy")
    for v in (p or {}).get("views", {}).values():
        v.setdefault("cpu_model_ratio", cpu_model_ratio(v))
    if results.get("static", {}).get("rounds"):
        results["static"].setdefault("cpu_model_ratio", cpu_model_ratio(results["static"], static=True))
    if p:
        for url, v in p["views"].items():
            summary.append(f"| nginx+TLS ÷ gunicorn direct, `{url}`: req/s (server CPU model) | {fmt(v['ratio'], digits=2)} "
                           f"({fmt(v.get('cpu_model_ratio'), digits=2)}) | ≥ 0.85 | {verdict((v['ratio'] or 0) >= 0.85)} "
                           f"({verdict((v.get('cpu_model_ratio') or 0) >= 0.85)}) |")
    s = results.get("static")
    if s and "ratio" in s:
        summary.append(f"| static: nginx ÷ WhiteNoise, req/s (server CPU model) | {fmt(s['ratio'], '×')} "
                       f"({fmt(s.get('cpu_model_ratio'), '×')}) | ≥ 20× | {verdict((s['ratio'] or 0) >= 20)} "
                       f"({verdict((s.get('cpu_model_ratio') or 0) >= 20)}) |")
    w = results.get("websockets")
    if w:
        for n, r in w["runs"].items():
            if "held" in r:
                ok = r["held"] == int(n) and (r["latency_ms_p99"] or 1e9) < 1000 and r["delivered"] == r["expected"]
                summary.append(f"| websockets: {n} clients | {r['held']} held, p99 {fmt(r['latency_ms_p99'], ' ms')}, "
                               f"{r['delivered']}/{r['expected']} delivered | all held, p99 < 1 s | {verdict(ok)} |")
    out += ["## Summary", ""] + summary + [""]

    if d:
        out += deploy_section(d)

    if z:
        out += ["## 2. Zero downtime during a redeploy", "", stamp(z), "",
                f"`hey` with {z['connections']} connections through nginx (half on `/health/`, half on `/`, a",
                f"page that reads the database; {z['qps_per_connection']} requests/s per connection at most) and "
                f"{z['ws'].get('clients', '?')} websocket clients on",
                "`/ws/echo/` (a frame every 0.2 s), for the whole of a `deploy.yml` run that builds and switches to",
                f"a new release (the app tree plus a marker file and a changed stylesheet), on `{z['target']}`.", "",
                "| URL | requests | non-2xx | socket errors | statuses |", "|---|---|---|---|---|"]
        for path, h in z["http"].items():
            out.append(f"| `{path}` | {h['requests']} | {h['non_2xx']} | {h['socket_errors']} | "
                       f"{', '.join(f'{k}: {v}' for k, v in sorted(h['statuses'].items()))} |")
        out.append(f"| **total** | **{z['requests']}** | **{z['non_2xx']}** | **{z['socket_errors']}** | |")
        a = z.get("assets") or {}
        if a.get("previous_after_switch"):
            after = a["previous_after_switch"]
            out.append(f"| previous release's hashed CSS/JS after the switch | {after['requests']} | {after['non_200']} "
                       f"| {after.get('errors', 0)} "
                       f"| 200: {after['requests'] - after['non_200']} |")
        errs = {k: v for h in z["http"].values() for k, v in h["errors"].items()}
        if errs:
            out += ["", "Socket errors: " + "; ".join(f"{v} × `{k}`" for k, v in errs.items())]
        ws = z["ws"]
        if a.get("previous_after_switch"):
            out += ["", f"The last row is a browser tab (`bench/asset_bridge.py`, {a['rounds']} loads of `/` 0.2 s apart, each "
                    "followed by every hashed CSS/JS file any page so far linked, gzip accepted): the redeploy changed the "
                    f"stylesheet, `{', '.join(a['previous'])}` → `{', '.join(a['new'])}` "
                    f"({a['switched_after_s']} s into the load); after the switch the previous release's names were still "
                    f"asked for, as a page rendered before it asks. All asset requests: {a['asset_requests']}, "
                    f"non-200: {a['asset_non_200']}."]
        out += ["", f"The redeploy took {z['deploy']['seconds']} s under this load (rc {z['deploy']['rc']}).", "",
                "| websocket clients | disconnects | reconnected | gap p50 | gap max | still down at the end |",
                "|---|---|---|---|---|---|",
                f"| {ws.get('clients')} | {ws.get('disconnects')} | {ws.get('reconnected')} | {fmt(ws.get('gap_ms_p50'), ' ms')} "
                f"| {fmt(ws.get('gap_ms_max'), ' ms')} | {ws.get('still_down')} |", "",
                "**What limits it.** " + NOTES["zero_downtime"], ""]

    if p:
        out += ["## 3. Proxy overhead: nginx + TLS ÷ gunicorn directly", "", stamp(p), "",
                f"The same client, curl's parallel mode with {p['concurrency']} transfers in flight, run on the host:",
                "through nginx (`https://djangoops.localhost:8443`, HTTP/1.1 keep-alive over TLS 1.3) and straight into",
                "gunicorn's unix socket (`/run/django/gunicorn.sock`, reached from the host through the container's",
                "`/proc/PID/root`, no forwarder in between; one connection per request, as gunicorn's sync workers",
                "close each). Rounds alternate which goes first; the ratio is the median of the per-round ratios.",
                f"Gunicorn: {', '.join(p.get('workers', []))}.", "",
                "Throughput on a shared 2-core machine moves with everything else that runs, so each round also",
                "reads the CPU time nginx and gunicorn (master, workers, recycled workers) spent, from /proc in the",
                "container: server CPU per request, direct (gunicorn only) ÷ through nginx (gunicorn + nginx), is the",
                "ratio a host with the CPUs to itself would see, and it does not depend on the neighbours. The",
                "CPU model pools gunicorn's CPU per request over all rounds (it does the same work whoever connects;",
                "a recycled worker re-importing Django lands in one round or another) and adds nginx's:",
                "g ÷ (g + n).", "",
                "| view | nginx req/s | direct req/s | req/s ratio (median) | per-round | CPU ms/req: gunicorn direct, gunicorn via nginx, nginx | per-round CPU ratio (median) | CPU model ratio | all 2xx |",
                "|---|---|---|---|---|---|---|---|---|"]
        for url, v in p["views"].items():
            out.append(f"| `{url}` | {v['nginx_rps']} | {v['direct_rps']} | **{fmt(v['ratio'], digits=2)}** | "
                       f"{', '.join(str(r['ratio']) for r in v['rounds'])} | {v.get('gunicorn_cpu_ms_direct')}, "
                       f"{v.get('gunicorn_cpu_ms_via_nginx')}, {v.get('nginx_cpu_ms')} | {fmt(v.get('cpu_ratio'), digits=2)} | "
                       f"**{fmt(v.get('cpu_model_ratio'), digits=2)}** | {v['all_2xx']} |")
        out += ["", "**What limits it.** " + NOTES["proxy"], ""]

    if s and "ratio" in s:
        out += ["## 4. Static files: nginx ÷ WhiteNoise", "", stamp(s), "",
                f"`{s['url']}` ({s['bytes']} bytes, a hashed name) from nginx over TLS, and the same file from",
                "WhiteNoise through gunicorn's unix socket, with the same curl client as above.", "",
                "| nginx req/s | WhiteNoise req/s | req/s ratio (median) | per-round | CPU ms/req: WhiteNoise, nginx | CPU model ratio | nginx req/s with hey |",
                "|---|---|---|---|---|---|---|",
                f"| {s['nginx_rps']} | {s['direct_rps']} | **{fmt(s['ratio'], '×')}** | "
                f"{', '.join(str(r['ratio']) for r in s['rounds'])} | {s.get('gunicorn_cpu_ms_direct')}, {s.get('nginx_cpu_ms')} "
                f"| **{fmt(s.get('cpu_model_ratio'), '×')}** | {fmt(s.get('nginx_rps_hey'))} |", "",
                "**What limits it.** " + NOTES["static"], ""]

    if w:
        out += ["## 5. WebSockets: connections held, broadcast latency", "", stamp(w), "",
                f"Clients (Python `websockets`, {w['procs']} processes on the host) connect to `/ws/notifications/`",
                "through nginx over TLS and stay connected. Then one more client sends a few messages carrying",
                "their send time; the consumer fans each out to the group over the Redis channel layer, across",
                "both Daphne processes; every held client records the delay.", "",
                "| clients | held | still open at the end | connect time | delivered | p50 | p99 | max | errors |",
                "|---|---|---|---|---|---|---|---|---|"]
        for n, r in w["runs"].items():
            if "held" not in r:
                out.append(f"| {n} | failed: {r.get('error', '?')[:80]} | | | | | | | |")
                continue
            errs = "; ".join(f"{v} × {k}" for k, v in r["errors"].items()) or "none"
            out.append(f"| {n} | {r['held']} | {r['still_open']} | {r['connect_s']} s | {r['delivered']}/{r['expected']} | "
                       f"{fmt(r['latency_ms_p50'], ' ms')} | {fmt(r['latency_ms_p99'], ' ms')} | {fmt(r['latency_ms_max'], ' ms')} | {errs} |")
        if w.get("server_errors"):
            out += ["", "Server-side errors logged during the run (count, message):", "", "```",
                    w["server_errors"][:1500], "```"]
        out += ["", "Daphne processes before the run (pid, soft/hard open-file limit, descriptors in use): "
                + ", ".join(f"`{x}`" for x in w["daphne_before"] if x.strip()), "",
                "**What limits it.** " + NOTES["websockets"], ""]

    out += ["## Running it", "", "```sh",
            "make bench                                   # every section; 20-60 min, most of it Ansible runs",
            "bench/run.sh --sections proxy,static         # some sections; the others keep their figures",
            "bench/run.sh --report-only                   # this file from bench/results.json",
            "```", "",
            "`bench/zero_downtime.py` is the small, standard-library-only version of section 2 for test",
            "suites: it loads a URL while a command (a redeploy) runs and exits non-zero on any failed request.", ""]
    DOC.write_text("\n".join(out))


NOTES = json.loads((BENCH / "notes.json").read_text()) if (BENCH / "notes.json").exists() else {}
for _key in SECTIONS:
    NOTES.setdefault(_key, "See the figures above.")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sections", default=",".join(SECTIONS))
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--rounds", type=int, default=3, help="deploy: no-op and redeploy runs")
    parser.add_argument("--pairs", type=int, default=5, help="proxy/static: paired rounds")
    parser.add_argument("--round-seconds", type=float, default=4)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--resume", action="store_true",
                        help="deploy: keep the bench containers and every run whose log is complete")
    parser.add_argument("--fresh-rounds", type=int, default=3, help="deploy: fresh converges (a new container each)")
    parser.add_argument("--no-peer", dest="peer", action="store_false",
                        help="deploy: skip the peer (bench/peer: three community roles) runs")
    parser.add_argument("--no-mitogen", dest="mitogen", action="store_false",
                        help="deploy: skip the runs over SSH with Mitogen's strategy")
    parser.add_argument("--keep", action="store_true", help=f"keep {BENCH_CONTAINER} and {PEER_CONTAINER} after the deploy section")
    parser.add_argument("--zd-connections", type=int, default=50)
    parser.add_argument("--zd-qps", type=float, default=1, help="zero_downtime: requests/s per connection")
    parser.add_argument("--zd-max", type=int, default=600, help="zero_downtime: longest the load may run, s")
    parser.add_argument("--ws-reconnect-clients", type=int, default=10)
    parser.add_argument("--ws-clients", type=lambda s: [int(x) for x in s.split(",")], default=[1000, 5000])
    parser.add_argument("--ws-procs", type=int, default=4)
    parser.add_argument("--ws-broadcasts", type=int, default=5)
    args = parser.parse_args()
    STATE.mkdir(parents=True, exist_ok=True)
    (STATE / "logs").mkdir(exist_ok=True)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if not args.report_only:
        wanted = [s.strip() for s in args.sections.split(",") if s.strip()]
        unknown = set(wanted) - set(SECTIONS)
        if unknown:
            parser.error(f"unknown sections {sorted(unknown)}; known: {SECTIONS}")
        for name in SECTIONS:
            if name not in wanted:
                continue
            info = machine()
            section = globals()[f"bench_{name}"](args)
            section["machine"] = info
            results[name] = section
            RESULTS.write_text(json.dumps(results, indent=1))
    report(results)
    log(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
