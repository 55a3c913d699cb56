"""Filters that read `systemctl show` output."""

# Documented in units_not_up.yml (ansible-doc -t filter djangoops.deploy.units_not_up).


def parse_systemctl_show(stdout):
    """Map each unit's Id to its properties; `systemctl show` prints a block per unit."""
    units = {}
    for block in stdout.strip().split("\n\n"):
        props = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        if "Id" in props:
            units[props["Id"]] = props
    return units


def units_not_up(stdout, units):
    """The units, in order, that are not both enabled and active."""
    state = parse_systemctl_show(stdout)
    return [
        unit
        for unit in units
        if state.get(unit, {}).get("UnitFileState") != "enabled"
        or state.get(unit, {}).get("ActiveState") != "active"
    ]


class FilterModule:
    def filters(self):
        return {"units_not_up": units_not_up}
