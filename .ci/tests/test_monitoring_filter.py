"""The monitoring host's scrape targets, from the inventory's tiers."""
import pathlib
import sys

import pytest
from ansible.errors import AnsibleFilterError

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "plugins/filter"))
import monitoring  # noqa: E402


def test_an_all_in_one_host_scrapes_its_own_exporters_on_loopback():
    targets = monitoring.monitoring_targets(
        [{"host": "aio", "groups": ["web", "app", "postgresql", "redis", "monitoring"], "address": "127.0.0.1"}], "aio")
    assert targets == [
        {"job": "node", "host": "aio", "address": "127.0.0.1:9100"},
        {"job": "postgresql", "host": "aio", "address": "127.0.0.1:9187"},
        {"job": "redis", "host": "aio", "address": "127.0.0.1:9121"},
        {"job": "nginx", "host": "aio", "address": "127.0.0.1:9113"},
    ]


def test_each_host_gets_the_exporters_of_its_tiers_once():
    hosts = [{"host": "web1", "groups": ["web"], "address": "10.0.0.2"},
             {"host": "db1", "groups": ["postgresql", "redis"], "address": "10.0.0.3"},
             {"host": "web1", "groups": ["web"], "address": "10.0.0.2"},
             {"host": "app1", "groups": ["app"], "address": "fd00::4"}]
    targets = monitoring.monitoring_targets(hosts, "mon", ports={"node": 9200})
    assert [(t["job"], t["host"], t["address"]) for t in targets] == [
        ("node", "web1", "10.0.0.2:9200"), ("nginx", "web1", "10.0.0.2:9113"),
        ("node", "db1", "10.0.0.3:9200"), ("postgresql", "db1", "10.0.0.3:9187"), ("redis", "db1", "10.0.0.3:9121"),
        ("node", "app1", "[fd00::4]:9200")]


def test_a_remote_host_on_loopback_is_refused_naming_it_and_the_variable():
    hosts = [{"host": "web1", "groups": ["web"], "address": "127.0.0.1"},
             {"host": "mon", "groups": ["monitoring"], "address": "127.0.0.1"},
             {"host": "db1", "groups": ["postgresql"]}]
    with pytest.raises(AnsibleFilterError, match=r"on web1, db1 listen on loopback.*monitoring host mon.*exporters_listen_address"):
        monitoring.monitoring_targets(hosts, "mon")


def test_hosts_by_name_are_read_from_hostvars():
    hostvars = {"web1": {"group_names": ["web"], "exporters_listen_address": "10.0.0.2"},
                "mon": {"group_names": ["monitoring"]}}
    targets = monitoring.monitoring_targets(["web1", "mon", "web1"], "mon", hostvars)
    assert [(t["job"], t["host"], t["address"]) for t in targets] == [
        ("node", "web1", "10.0.0.2:9100"), ("nginx", "web1", "10.0.0.2:9113"), ("node", "mon", "127.0.0.1:9100")]
