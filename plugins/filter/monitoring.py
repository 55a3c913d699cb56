"""What the monitoring host scrapes: every host's exporters, by the tiers it serves."""

# Documented in monitoring_targets.yml (ansible-doc -t filter djangoops.deploy.monitoring_targets).

import ipaddress

from ansible.errors import AnsibleFilterError

# The exporter of each tier, and the inventory group that gives a host that tier.
TIERS = (("node", None), ("postgresql", "postgresql"), ("redis", "redis"), ("nginx", "web"))
PORTS = {"node": 9100, "postgresql": 9187, "redis": 9121, "nginx": 9113}


def _loopback(address):
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return address == "localhost"


def _describe(host, hostvars):
    """{host, groups, address} of an inventory host, from its hostvars."""
    found = hostvars[host]
    return {"host": host, "groups": list(found.get("group_names", [])),
            "address": found.get("exporters_listen_address", "127.0.0.1")}


def monitoring_targets(hosts, monitoring_host, hostvars=None, ports=None):
    """hosts: [{host, groups, address}] for every host with exporters, or their
    names with hostvars; returns [{job, host, address}] as the monitoring role's
    monitoring_targets."""
    ports = {**PORTS, **(ports or {})}
    targets, unreachable = [], []
    seen = set()
    for entry in hosts:
        if isinstance(entry, str):
            entry = _describe(entry, hostvars)
        if entry["host"] in seen:
            continue
        seen.add(entry["host"])
        host, address, groups = entry["host"], str(entry.get("address") or "127.0.0.1"), entry.get("groups", [])
        if _loopback(address) and host != monitoring_host:
            unreachable.append(host)
            continue
        shown = f"[{address}]" if ":" in address else address
        for job, group in TIERS:
            if group is None or group in groups:
                targets.append({"job": job, "host": host, "address": f"{shown}:{int(ports[job])}"})
    if unreachable:
        raise AnsibleFilterError(
            f"the exporters on {', '.join(unreachable)} listen on loopback, which the monitoring host "
            f"{monitoring_host} cannot reach: set exporters_listen_address for "
            f"{'them' if len(unreachable) > 1 else 'it'} to its private address (e.g. \"{{{{ private_ip }}}}\")")
    return targets


class FilterModule:
    def filters(self):
        return {"monitoring_targets": monitoring_targets}
