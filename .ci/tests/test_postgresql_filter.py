"""djangoops.deploy.pooler_lookup: one definition of PgBouncer's lookup function for two roles."""

import importlib.util
import pathlib

import pytest
from ansible.errors import AnsibleFilterError

ROOT = pathlib.Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("pg_filter", ROOT / "plugins" / "filter" / "postgresql.py")
pg_filter = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pg_filter)


def test_the_function_is_owned_by_postgres_and_callable_by_the_role_alone():
    lookup = pg_filter.pooler_lookup("pgbouncer", "mysite")
    sql = lookup["statements"]
    assert lookup["schema"] == "pgbouncer"
    assert sql[0] == "CREATE SCHEMA IF NOT EXISTS pgbouncer AUTHORIZATION postgres"
    assert "SECURITY DEFINER SET search_path = pg_catalog" in sql[2]
    assert lookup["body"] in sql[2]
    assert "ALTER FUNCTION pgbouncer.user_lookup(text) OWNER TO postgres" in sql
    assert sql.index("REVOKE ALL ON FUNCTION pgbouncer.user_lookup(text) FROM PUBLIC") < sql.index(
        "GRANT EXECUTE ON FUNCTION pgbouncer.user_lookup(text) TO pgbouncer")
    assert sql[-1] == "GRANT CONNECT ON DATABASE mysite TO pgbouncer"


def test_no_superuser_or_replication_secret_is_ever_returned():
    body = pg_filter.pooler_lookup("pgbouncer", "mysite")["body"]
    assert "NOT usesuper" in body and "NOT userepl" in body and "usename = p_user" in body


@pytest.mark.parametrize(("role", "database"), [("PgBouncer", "mysite"), ("pgbouncer", "my-site"),
                                                 ("pgbouncer; DROP", "mysite"), ("", "mysite"), ("pgbouncer", None)])
def test_names_that_are_not_plain_identifiers_are_refused(role, database):
    with pytest.raises(AnsibleFilterError, match="must be a lowercase SQL identifier"):
        pg_filter.pooler_lookup(role, database)


def test_a_replica_is_named_by_its_host_as_a_slot_name_allows():
    assert pg_filter.replica_name("db-2") == "db_2"
    assert pg_filter.replica_name("Db2.Example.COM") == "db2_example_com"
    assert pg_filter.replica_name("10.0.0.7") == "r_10_0_0_7"
    assert len(pg_filter.replica_name("d" * 80)) == 63


def test_replicas_get_their_address_or_their_host_name():
    assert pg_filter.replicas(["db-2", "db-3"], {"db-1": "10.0.0.5", "db-2": "10.0.0.7", "db-3": ""}) == [
        {"host": "db-2", "name": "db_2", "address": "10.0.0.7"},
        {"host": "db-3", "name": "db_3", "address": "db-3"},
    ]
