"""Filters for the PostgreSQL side of the collection's roles."""

import json
import re
from datetime import datetime, timezone

from ansible.errors import AnsibleFilterError

# Documented in pooler_lookup.yml (ansible-doc -t filter djangoops.deploy.pooler_lookup).

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# A role's SCRAM secret, never a superuser's or a replication role's.
LOOKUP_BODY = " SELECT usename, passwd FROM pg_catalog.pg_shadow WHERE usename = p_user AND NOT usesuper AND NOT userepl "


def pooler_lookup(role, database):
    """The body of PgBouncer's lookup function and the statements that put it, owned
    by postgres and callable by `role` alone, into `database` (run there as postgres).
    The postgresql role runs them at converge; the backup role after a restore (a dump
    leaves the function out, and the restored database needs its CONNECT grant)."""
    for name, value in (("role", role), ("database", database)):
        if not isinstance(value, str) or not IDENTIFIER.match(value):
            raise AnsibleFilterError(f"pooler_lookup: the {name} must be a lowercase SQL identifier, got {value!r}")
    function = f"{role}.user_lookup"
    return {
        "body": LOOKUP_BODY,
        "schema": role,
        "statements": [
            f"CREATE SCHEMA IF NOT EXISTS {role} AUTHORIZATION postgres",
            # A schema restored by the app role (an older dump) belongs to it: take it back.
            f"ALTER SCHEMA {role} OWNER TO postgres",
            f"CREATE OR REPLACE FUNCTION {function}(p_user text, OUT usename name, OUT passwd text)"
            " RETURNS record LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog"
            f" AS $djangoops${LOOKUP_BODY}$djangoops$",
            f"ALTER FUNCTION {function}(text) OWNER TO postgres",
            f"REVOKE ALL ON FUNCTION {function}(text) FROM PUBLIC",
            f"GRANT USAGE ON SCHEMA {role} TO {role}",
            f"GRANT EXECUTE ON FUNCTION {function}(text) TO {role}",
            f"GRANT CONNECT ON DATABASE {database} TO {role}",
        ],
    }


# A restore point's name as the deploy flow writes it (PostgreSQL allows up to 63 bytes).
RESTORE_POINT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,62}$")


def _utc(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _parse_time(text):
    """An ISO 8601 time ("2026-12-04 14:05:00", "2026-12-04T14:05:00.25+01:00", "...Z");
    without an offset it is UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace(" UTC", "Z"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def pitr_target(target, info, now, restore_points=""):
    """Check a point-in-time restore target against what the repository holds and pick
    the backup set to restore from. Raises an error that names what to fix (the PITR
    playbook runs it before anything is stopped).

    target: {"time": str, "point": str}, exactly one non-empty.
    info: `pgbackrest --output=json info` of one stanza (text or parsed).
    now: the database host's clock, seconds since the epoch.
    restore_points: the restore points file (lines "name<TAB>epoch<TAB>lsn"; other lines are ignored).
    Returns {"type": "time"|"name", "target": str, "epoch": float, "set": label, "backup_stop": float}."""
    time_text = str(target.get("time") or "").strip()
    point = str(target.get("point") or "").strip()
    if bool(time_text) == bool(point):
        raise AnsibleFilterError(
            "Give exactly one restore target: pgbackrest_restore_time (e.g. '2026-12-04 14:05:00', UTC unless it has an offset)"
            f" or pgbackrest_restore_point (a name from the restore points file); got time={time_text!r}, point={point!r}.")
    stanzas = json.loads(info) if isinstance(info, str) else info
    stanza = stanzas[0] if stanzas else {}
    backups = sorted((b for b in stanza.get("backup", []) if not b.get("error")),
                     key=lambda b: b["timestamp"]["stop"])
    if not backups:
        raise AnsibleFilterError(
            f"Stanza {stanza.get('name', '?')} has no backup to restore from ({stanza.get('status', {}).get('message', 'no info')});"
            " take one first (systemctl start pgbackrest-backup@full.service).")
    oldest, newest = backups[0]["timestamp"]["stop"], backups[-1]["timestamp"]["stop"]
    covered = f"the repository covers {_utc(oldest)} (end of backup {backups[0]['label']}) to now ({_utc(now)})"
    if time_text:
        moment = _parse_time(time_text)
        if moment is None:
            raise AnsibleFilterError(
                f"pgbackrest_restore_time must be a time like '2026-12-04 14:05:00' or '2026-12-04T14:05:00+01:00', got {time_text!r}.")
        epoch = moment.timestamp()
        kind, name = "time", moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f+00")
        if epoch > now:
            raise AnsibleFilterError(f"pgbackrest_restore_time {time_text} ({_utc(epoch)}) is in the future; {covered}.")
    else:
        if not RESTORE_POINT.match(point):
            raise AnsibleFilterError(f"pgbackrest_restore_point must be a restore point's name (letters, digits, . _ : -), got {point!r}.")
        known = {}
        for line in (restore_points or "").splitlines():
            fields = line.split("\t")
            if len(fields) >= 2 and fields[1].replace(".", "", 1).isdigit():
                known[fields[0]] = float(fields[1])
        if point not in known:
            recent = ", ".join(sorted(known, key=known.get)[-5:]) or "none"
            raise AnsibleFilterError(f"Restore point {point!r} is not in the restore points file (the latest: {recent}).")
        epoch, kind, name = known[point], "name", point
    usable = [b for b in backups if b["timestamp"]["stop"] <= epoch]
    if not usable:
        raise AnsibleFilterError(
            f"The restore target {_utc(epoch)} is before the end of the oldest backup; {covered}."
            f" Backups: {', '.join(b['label'] for b in backups)}.")
    return {"type": kind, "target": name, "epoch": epoch, "set": usable[-1]["label"],
            "backup_stop": usable[-1]["timestamp"]["stop"], "newest_backup_stop": newest}


def replica_name(host):
    """A host's name as a replica: its replication slot on the primary and its
    application_name (lowercase letters, digits and _, not starting with a digit)."""
    name = re.sub(r"[^a-z0-9_]", "_", str(host).lower())[:63]
    return name if re.match(r"^[a-z_]", name) else ("r_" + name)[:63]


def replicas(hosts, addresses):
    """[{host, name, address}] for the hosts of group postgresql_replica, given each
    host's address (a dict host -> address; the host's name where it has none)."""
    return [{"host": host, "name": replica_name(host), "address": str(addresses.get(host) or host)} for host in hosts]


class FilterModule:
    def filters(self):
        return {"pooler_lookup": pooler_lookup, "pitr_target": pitr_target,
                "replica_name": replica_name, "replicas": replicas}
