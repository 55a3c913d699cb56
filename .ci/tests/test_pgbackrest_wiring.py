"""The playbooks' pgBackRest wiring (roles/wiring/vars/main/app_interface.yml): with a repository host
(group pgbackrest_repository), every database host reaches it and each side's TLS server is
opened in ufw to the other side only; without one, or with pgBackRest off, nothing opens."""

import json
import subprocess

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ADDRESSES = {"web-1": "10.0.0.2", "app-1": "10.0.0.3", "db-1": "10.0.0.5", "db-2": "10.0.0.6", "backup-1": "10.0.0.7"}
WIRED = ["pgbackrest_repo_host", "pgbackrest_repo_host_address", "pgbackrest_tls_address", "pgbackrest_pg_hosts",
         "security_ufw_pgbackrest_ports", "security_ufw_pgbackrest_from"]


def wiring(tmp_path, repository=True, enabled=True):
    children = {"web": ["web-1"], "app": ["app-1"], "postgresql": ["db-1", "db-2"], "postgresql_replica": ["db-2"]}
    if repository:
        children["pgbackrest_repository"] = ["backup-1"]
    inventory = {"all": {
        "hosts": {name: {"ansible_connection": "local", "private_ip": ip,
                         "ansible_python_interpreter": "{{ ansible_playbook_python }}"} for name, ip in ADDRESSES.items()},
        "children": {group: {"hosts": {host: None for host in hosts}} for group, hosts in children.items()}}}
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump(inventory))
    out = tmp_path / "out"
    out.mkdir()
    play = [{"hosts": "all", "gather_facts": False,
             "vars_files": [str(ROOT / "roles" / "wiring" / "vars" / "main" / "app_interface.yml")],
             "tasks": [{"name": "Write the wired values", "ansible.builtin.copy": {
                 "dest": f"{out}/{{{{ inventory_hostname }}}}.json",
                 "content": "{{ {" + ", ".join(f"'{v}': {v}" for v in WIRED) + "} | to_json }}",
                 "mode": "0644"}}]}]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(play))
    result = subprocess.run(
        ["ansible-playbook", "-i", str(tmp_path / "hosts.yml"), str(tmp_path / "play.yml"),
         "-e", json.dumps({"djangoops_pgbackrest_enabled": enabled})],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return {path.stem: json.loads(path.read_text()) for path in out.glob("*.json")}


@pytest.fixture(scope="module")
def with_repository(tmp_path_factory):
    return wiring(tmp_path_factory.mktemp("with"))


def test_every_database_host_archives_to_the_repository_host(with_repository):
    for db in ("db-1", "db-2"):
        assert with_repository[db]["pgbackrest_repo_host"] == "backup-1"
        assert with_repository[db]["pgbackrest_repo_host_address"] == "10.0.0.7"
        assert with_repository[db]["pgbackrest_tls_address"] == ADDRESSES[db]


def test_the_repository_host_lists_the_primary_and_the_replica(with_repository):
    hosts = with_repository["backup-1"]["pgbackrest_pg_hosts"]
    assert [(h["host"], h["address"]) for h in hosts] == [("db-1", "10.0.0.5"), ("db-2", "10.0.0.6")]


def test_each_tls_server_admits_the_other_side_only(with_repository):
    assert with_repository["backup-1"]["security_ufw_pgbackrest_ports"] == ["8432"]
    assert with_repository["backup-1"]["security_ufw_pgbackrest_from"] == ["10.0.0.5/32", "10.0.0.6/32"]
    for db in ("db-1", "db-2"):
        assert with_repository[db]["security_ufw_pgbackrest_ports"] == ["8432"]
        assert with_repository[db]["security_ufw_pgbackrest_from"] == ["10.0.0.7/32"]
    for other in ("web-1", "app-1"):
        assert with_repository[other]["security_ufw_pgbackrest_ports"] == []
        assert with_repository[other]["security_ufw_pgbackrest_from"] == []


@pytest.mark.parametrize("repository, enabled", [(False, True), (True, False)])
def test_without_a_repository_host_or_pgbackrest_nothing_opens(tmp_path, repository, enabled):
    values = wiring(tmp_path, repository=repository, enabled=enabled)
    for host, wired in values.items():
        assert wired["security_ufw_pgbackrest_ports"] == [], host
        assert wired["security_ufw_pgbackrest_from"] == [], host
        if not repository:
            assert wired["pgbackrest_repo_host"] == "", host
