"""Filters for the PostgreSQL side of the collection's roles."""

import re

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


class FilterModule:
    def filters(self):
        return {"pooler_lookup": pooler_lookup}
