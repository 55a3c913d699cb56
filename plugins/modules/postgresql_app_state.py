#!/usr/bin/python
# -*- coding: utf-8 -*-
"""Say in one psql call whether an app's PostgreSQL role, database and database privileges are as wanted."""

from __future__ import annotations

DOCUMENTATION = r"""
module: postgresql_app_state
short_description: Compare an app's role, database and privileges with what is wanted, in one call
description:
  - Reads, and never changes, whether the app's login role, its database and the database's
    privileges are as M(djangoops.deploy.postgresql) wants them, so that
    M(community.postgresql.postgresql_user), M(community.postgresql.postgresql_db) and
    M(community.postgresql.postgresql_privs) run only for what differs. One module call
    instead of a call of each of them (each a Python start on the host and a database
    connection) on a run that changes nothing.
  - The role is in place when it exists, can log in, is none of superuser, createdb,
    createrole and replication, and its stored SCRAM-SHA-256 verifier was made from
    I(password). A password of other than ASCII characters (which PostgreSQL prepares with
    SASLprep first) or one stored as MD5 counts as not in place, and the role's module decides.
  - Runs C(psql) as the user the task becomes (C(postgres)) over the local socket; the names
    reach the query as psql variables, quoted by psql. The stored verifier never leaves the host.
  - With I(migrations_table), the same call connects to the app's database and digests the
    rows of that table (Django's applied migrations), so the app's deploy can tell that the
    database's migrations are those it last checked without starting Django.
version_added: "1.4.0"
author: djangoops.deploy maintainers
options:
  role:
    description: The app's login role.
    type: str
    required: true
  password:
    description: The password the role must have.
    type: str
    required: true
  database:
    description: The app's database, owned by I(role).
    type: str
    required: true
  encoding:
    description: The database's encoding.
    type: str
    default: UTF8
  locale:
    description: The database's collation and character type.
    type: str
    default: C.UTF-8
  port:
    description: The server's port.
    type: int
    default: 5432
  socket_dir:
    description: The directory of the server's unix socket.
    type: path
    default: /var/run/postgresql
  migrations_table:
    description:
      - A table of I(database) whose C(app) and C(name) columns list the applied migrations
        (Django's C(django_migrations)), digested into RV(migrations_digest); "" reads none.
    type: str
    default: ""
notes:
  - Supports check mode (it never changes anything).
"""

EXAMPLES = r"""
- name: Look at the application role, database and privileges
  djangoops.deploy.postgresql_app_state:
    role: shop
    password: "{{ vault_shop_postgresql_password }}"
    database: shop
  become: true
  become_user: postgres
  register: app_state
"""

RETURN = r"""
role_in_place:
  description: Whether the role exists with the wanted attributes and password.
  type: bool
  returned: always
database_in_place:
  description: Whether the database exists, owned by I(role), with I(encoding) and I(locale).
  type: bool
  returned: always
public_revoked:
  description: Whether PUBLIC can neither connect to the database nor make temporary tables in it.
  type: bool
  returned: always
database:
  description: I(database), so that a reader of the result can tell which app's database it describes.
  type: str
  returned: always
migrations_digest:
  description:
    - The SHA-256 (hex) of the rows of I(migrations_table) as C(app.name) lines, sorted by their
      UTF-8 bytes and joined by newlines, as C(manage_steps.py) of M(djangoops.deploy.django_app)
      digests Django's applied migrations.
    - "" when I(migrations_table) is "", or the database or the table does not exist.
  type: str
  returned: always
"""

import base64
import binascii
import hashlib
import hmac
import re
import tempfile

from ansible.module_utils.basic import AnsibleModule

SEPARATOR = "\x1f"  # psql's field separator: in no name, boolean or verifier
QUERY = """
SELECT r.rolname IS NOT NULL,
       COALESCE(r.rolcanlogin AND NOT r.rolsuper AND NOT r.rolcreatedb AND NOT r.rolcreaterole AND NOT r.rolreplication, false),
       COALESCE(r.rolpassword, ''),
       EXISTS (SELECT 1 FROM pg_catalog.pg_database
               WHERE datname = :'db' AND pg_get_userbyid(datdba) = :'role'
                 AND pg_encoding_to_char(encoding) = :'encoding' AND datcollate = :'locale' AND datctype = :'locale'),
       COALESCE((SELECT NOT has_database_privilege('public', oid, 'CONNECT') AND NOT has_database_privilege('public', oid, 'TEMPORARY')
                 FROM pg_catalog.pg_database WHERE datname = :'db'), false)
FROM (SELECT 1) AS one LEFT JOIN pg_catalog.pg_authid AS r ON r.rolname = :'role';
"""
# Only with migrations_table: a second line, the digest of the table's rows in the app's
# database ("" without the database or the table). The order is that of the rows' UTF-8
# bytes, whatever the database's collation, as Python sorts the same strings.
MIGRATIONS_QUERY = """
SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_database WHERE datname = :'db') AS djangoops_db_exists \\gset
\\if :djangoops_db_exists
\\connect :"db"
SELECT to_regclass(:'migrations_table') IS NOT NULL AS djangoops_has_table \\gset
\\if :djangoops_has_table
SELECT encode(sha256(convert_to(COALESCE(string_agg(line, E'\\n' ORDER BY convert_to(line, 'UTF8')), ''), 'UTF8')), 'hex')
FROM (SELECT app || '.' || name AS line FROM :"migrations_table") AS applied;
\\else
SELECT '';
\\endif
\\else
SELECT '';
\\endif
"""
VERIFIER = re.compile(r"SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)")


def scram_matches(password, verifier):
    """Whether a SCRAM-SHA-256 verifier as PostgreSQL stores it (RFC 5802, 7677) was made
    from password. Only an ASCII password is judged (SASLprep leaves it as it is); any
    other, or a verifier of another kind, is False."""
    found = VERIFIER.fullmatch(verifier or "")
    if not found or not password.isascii():
        return False
    try:
        salt, stored_key, server_key = (base64.b64decode(part, validate=True) for part in found.group(2, 3, 4))
    except (binascii.Error, ValueError):
        return False
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, int(found.group(1)))
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return (hmac.compare_digest(hashlib.sha256(client_key).digest(), stored_key)
            and hmac.compare_digest(hmac.new(salted, b"Server Key", "sha256").digest(), server_key))


def parse(output, password):
    """The module's result from psql's rows: the state's, then (with migrations_table) the digest's."""
    row, _, rest = output.partition("\n")
    fields = row.split(SEPARATOR)
    if len(fields) != 5:
        raise ValueError(f"psql printed {len(fields)} fields, not 5")
    exists, attributes, verifier, database, revoked = fields
    return {
        "role_in_place": exists == "t" and attributes == "t" and scram_matches(password, verifier),
        "database_in_place": database == "t",
        "public_revoked": revoked == "t",
        "migrations_digest": rest.strip(),
    }


def main():
    module = AnsibleModule(
        argument_spec={
            "role": {"type": "str", "required": True},
            "password": {"type": "str", "required": True, "no_log": True},
            "database": {"type": "str", "required": True},
            "encoding": {"type": "str", "default": "UTF8"},
            "locale": {"type": "str", "default": "C.UTF-8"},
            "port": {"type": "int", "default": 5432},
            "socket_dir": {"type": "path", "default": "/var/run/postgresql"},
            "migrations_table": {"type": "str", "default": ""},
        },
        supports_check_mode=True,
    )
    params = module.params
    argv = [module.get_bin_path("psql", required=True), "--no-psqlrc", "--no-align", "--tuples-only", "--quiet",
            f"--field-separator={SEPARATOR}", "--set=ON_ERROR_STOP=1",
            f"--host={params['socket_dir']}", f"--port={params['port']}", "--dbname=postgres",
            f"--set=role={params['role']}", f"--set=db={params['database']}",
            f"--set=encoding={params['encoding']}", f"--set=locale={params['locale']}",
            f"--set=migrations_table={params['migrations_table']}"]
    # The query reaches psql as a file, not on its stdin: a psql that cannot connect exits
    # before reading stdin, and writing to it then fails with EPIPE, which run_command
    # reports as "Error executing command." instead of psql's own message.
    with tempfile.NamedTemporaryFile("w", prefix="postgresql_app_state-", suffix=".sql") as query:
        query.write(QUERY + (MIGRATIONS_QUERY if params["migrations_table"] else ""))
        query.flush()
        rc, out, err = module.run_command(argv + [f"--file={query.name}"])
    if rc != 0:
        module.fail_json(msg=f"psql could not read the app's role and database (exit {rc}): {err.strip()}", rc=rc)
    try:
        result = parse(out, params["password"])
    except ValueError as error:
        module.fail_json(msg=f"psql's answer was not understood: {error}")
    module.exit_json(changed=False, database=params["database"], **result)


if __name__ == "__main__":
    main()
