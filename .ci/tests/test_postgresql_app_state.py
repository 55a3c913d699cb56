"""djangoops.deploy.postgresql_app_state: one psql call says whether the app's role,
database and privileges are as wanted, so a run that changes nothing skips
community.postgresql's modules (the role's password is compared with the stored
SCRAM verifier, which never leaves the host)."""
import importlib.util
import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).parents[2]
spec = importlib.util.spec_from_file_location("postgresql_app_state", ROOT / "plugins/modules/postgresql_app_state.py")
state = importlib.util.module_from_spec(spec)
spec.loader.exec_module(state)

# Made by PostgreSQL 15.18 (Debian 12): SET password_encryption = 'scram-sha-256';
# CREATE ROLE ... PASSWORD 'correct horse battery staple'; SELECT rolpassword FROM pg_authid.
PASSWORD = "correct horse battery staple"
VERIFIER = ("SCRAM-SHA-256$4096:N0a94vKPsF0jy54BmNal1Q==$2e0XjjV5RzJdh2xYwkbnqRFYSaW2mNcCNZSEylqXAF4="
            ":Zjdb22fdtnYKb1qwVNj1ynUdUGYZuVbi5+8rIN7DipM=")
SEP = state.SEPARATOR


def test_the_password_postgresql_stored_matches():
    assert state.scram_matches(PASSWORD, VERIFIER)


def test_another_password_or_verifier_does_not():
    assert not state.scram_matches(PASSWORD + " ", VERIFIER)
    assert not state.scram_matches("", VERIFIER)
    # Another salt (or iteration count) with the same keys is another verifier.
    assert not state.scram_matches(PASSWORD, VERIFIER.replace("4096:", "4097:"))
    assert not state.scram_matches(PASSWORD, VERIFIER.replace("N0a94", "M0a94"))
    # The server key is checked too, not only the stored key.
    assert not state.scram_matches(PASSWORD, VERIFIER[:-8] + "AAAAAAA=")


def test_what_it_cannot_judge_counts_as_not_in_place():
    # MD5 (an older server's default), no password, a malformed verifier.
    assert not state.scram_matches(PASSWORD, "md5" + "0" * 32)
    assert not state.scram_matches(PASSWORD, "")
    assert not state.scram_matches(PASSWORD, None)
    assert not state.scram_matches(PASSWORD, "SCRAM-SHA-256$4096:!!!$x:y")
    # PostgreSQL prepares a non-ASCII password with SASLprep first: the role's module decides.
    assert not state.scram_matches("pässword", VERIFIER)


def row(*fields):
    return SEP.join(fields) + "\n"


def test_the_row_says_what_is_in_place():
    assert state.parse(row("t", "t", VERIFIER, "t", "t"), PASSWORD) == {
        "role_in_place": True, "database_in_place": True, "public_revoked": True, "migrations_digest": ""}
    # A role that is a superuser (or cannot log in) is not in place, whatever its password.
    assert state.parse(row("t", "f", VERIFIER, "t", "f"), PASSWORD)["role_in_place"] is False
    # No role: no verifier either.
    assert state.parse(row("f", "f", "", "f", "f"), PASSWORD) == {
        "role_in_place": False, "database_in_place": False, "public_revoked": False, "migrations_digest": ""}
    # With migrations_table, the digest's line follows ("" without the database or the table).
    assert state.parse(row("t", "t", VERIFIER, "t", "t") + "ab12\n", PASSWORD)["migrations_digest"] == "ab12"
    assert state.parse(row("t", "t", VERIFIER, "t", "t") + "\n", PASSWORD)["migrations_digest"] == ""
    with pytest.raises(ValueError, match="4 fields"):
        state.parse(row("t", "t", VERIFIER, "t"), PASSWORD)


def write_executable(path, text):
    """A script written by another process (install): a child this process forks at that
    moment (another test's subprocess) would otherwise hold the file open for writing,
    and running it would fail with ETXTBSY ("Text file busy")."""
    path.parent.mkdir(parents=True, exist_ok=True)
    source = path.with_name(path.name + ".src")
    source.write_text(text)
    subprocess.run(["install", "-m", "0755", str(source), str(path)], check=True)


@pytest.fixture
def fake_psql(tmp_path, monkeypatch):
    """A psql that records its arguments and input and prints one row."""
    record = tmp_path / "psql.json"
    script = tmp_path / "bin" / "psql"
    write_executable(script, f"""#!/usr/bin/env python3
import json, sys
query = next(arg for arg in sys.argv if arg.startswith("--file="))[len("--file="):]
json.dump({{"argv": sys.argv[1:], "query": open(query).read()}}, open({str(record)!r}, "w"))
print({row("t", "t", VERIFIER, "t", "f").rstrip()!r})
""")
    monkeypatch.setenv("PATH", f"{script.parent}:{os.environ['PATH']}")
    return record


def run(monkeypatch, capsys, **args):
    from ansible.module_utils import basic

    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode())
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy")
    with pytest.raises(SystemExit):
        state.main()
    return json.loads(capsys.readouterr().out)


def test_names_reach_the_query_as_psql_variables_and_the_password_not_at_all(fake_psql, monkeypatch, capsys):
    tricky = "shop'; DROP DATABASE shop; --"
    result = run(monkeypatch, capsys, role=tricky, password=PASSWORD, database="shop", port=5433)
    assert result["role_in_place"] is True and result["database_in_place"] is True
    assert result["public_revoked"] is False and result["changed"] is False
    called = json.loads(fake_psql.read_text())
    assert f"--set=role={tricky}" in called["argv"] and "--set=db=shop" in called["argv"]
    assert "--port=5433" in called["argv"] and "--host=/var/run/postgresql" in called["argv"]
    # The query only names the variables (psql quotes :'role' as a literal).
    assert tricky not in called["query"] and ":'role'" in called["query"]
    assert PASSWORD not in json.dumps(called) and PASSWORD not in json.dumps(result)
    assert VERIFIER not in json.dumps(result)
    # Without migrations_table, the app's database is not connected to.
    assert "\\connect" not in called["query"] and result["migrations_digest"] == "" and result["database"] == "shop"


def test_the_migrations_table_reaches_the_query_as_a_psql_variable(fake_psql, monkeypatch, capsys):
    result = run(monkeypatch, capsys, role="shop", password=PASSWORD, database="shop", migrations_table="django_migrations")
    called = json.loads(fake_psql.read_text())
    assert "--set=migrations_table=django_migrations" in called["argv"]
    # The database and the table are named only through psql's quoting.
    assert '\\connect :"db"' in called["query"] and 'FROM :"migrations_table"' in called["query"]
    assert "django_migrations" not in called["query"]
    assert result["migrations_digest"] == "" and result["database"] == "shop"


def test_a_server_it_cannot_reach_fails_with_psql_s_words(tmp_path, monkeypatch, capsys):
    script = tmp_path / "bin" / "psql"
    # Like a real psql that cannot connect, it reads nothing. When the query went to stdin,
    # writing it raced the exit and sometimes failed with EPIPE ("Error executing command.",
    # rc 32, once in CI); the module now passes it as a file.
    write_executable(script, '#!/bin/sh\necho "psql: error: connection to server on socket failed: No such file or directory" >&2\nexit 2\n')
    monkeypatch.setenv("PATH", f"{script.parent}:{os.environ['PATH']}")
    result = run(monkeypatch, capsys, role="shop", password=PASSWORD, database="shop")
    assert result["failed"]
    assert "psql could not read the app's role and database (exit 2): psql: error: connection" in result["msg"], result
