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


def units_disabled(stdout, units):
    """The units, in order, that are not enabled (whatever they run now)."""
    state = parse_systemctl_show(stdout)
    return [unit for unit in units if state.get(unit, {}).get("UnitFileState") != "enabled"]


def units_stale(list_units_stdout, expected):
    """The units `systemctl list-units --all --plain --no-legend <patterns>`
    lists that are not in expected (instances beyond a lowered count, timers
    and processes no longer declared), sorted."""
    listed = []
    for line in list_units_stdout.splitlines():
        words = line.replace("\u25cf", " ").split()
        if words:
            listed.append(words[0])
    return sorted(set(listed) - set(expected))


def units_unsettled(first, second, units):
    """Of units, those not running in either of two `systemctl show
    --property=Id,ActiveState,MainPID` readings, or whose main PID changed
    between them (a process in a crash loop)."""
    before, after = parse_systemctl_show(first), parse_systemctl_show(second)
    unsettled = []
    for unit in units:
        one, two = before.get(unit, {}), after.get(unit, {})
        if (one.get("ActiveState") != "active" or two.get("ActiveState") != "active"
                or one.get("MainPID", "0") in ("", "0") or one.get("MainPID") != two.get("MainPID")):
            unsettled.append(unit)
    return unsettled


class FilterModule:
    def filters(self):
        return {"units_not_up": units_not_up, "units_disabled": units_disabled, "units_stale": units_stale, "units_unsettled": units_unsettled}
