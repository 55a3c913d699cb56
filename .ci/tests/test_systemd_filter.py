"""The units_not_up filter decides which units a re-run starts: it must name every
unit that is disabled, inactive or unknown, and none that is enabled and active."""
import importlib.util
import pathlib

spec = importlib.util.spec_from_file_location(
    "systemd_filter", pathlib.Path(__file__).parents[2] / "plugins/filter/systemd.py"
)
systemd = importlib.util.module_from_spec(spec)
spec.loader.exec_module(systemd)

# Real output of `systemctl show --property=Id,UnitFileState,ActiveState,NeedDaemonReload`
# on a Debian 12 host (systemd 252), plus a unit that does not exist.
SHOW = """Id=django-daphne@1.socket
ActiveState=active
UnitFileState=enabled
NeedDaemonReload=no

Id=django-daphne@1.service
ActiveState=active
UnitFileState=enabled
NeedDaemonReload=no

Id=django-daphne@3.service
ActiveState=inactive
UnitFileState=disabled
NeedDaemonReload=no

Id=django-daphne@2.socket
UnitFileState=enabled
ActiveState=failed
"""


def test_only_units_enabled_and_active_are_left_out():
    units = ["django-daphne@1.socket", "django-daphne@1.service", "django-daphne@3.service"]
    assert systemd.units_not_up(SHOW, units) == ["django-daphne@3.service"]


def test_failed_and_unlisted_units_are_named_in_order():
    units = ["django-daphne@2.service", "django-daphne@2.socket", "django-daphne@1.socket"]
    assert systemd.units_not_up(SHOW, units) == ["django-daphne@2.service", "django-daphne@2.socket"]


def test_enabled_but_stopped_or_active_but_disabled_both_count():
    show = "Id=a.service\nActiveState=inactive\nUnitFileState=enabled\n\nId=b.service\nActiveState=active\nUnitFileState=disabled\n"
    assert systemd.units_not_up(show, ["a.service", "b.service"]) == ["a.service", "b.service"]


def test_empty_output_names_every_unit():
    assert systemd.units_not_up("", ["a.socket", "a.service"]) == ["a.socket", "a.service"]


def test_units_stale_lists_what_is_loaded_and_not_declared():
    listed = (
        "blog-worker@1.service loaded active running Celery worker 1\n"
        "\u25cf blog-worker@2.service loaded failed failed Celery worker 2\n"
        "blog-old.timer loaded active waiting old\n"
    )
    assert systemd.units_stale(listed, ["blog-worker@1.service"]) == ["blog-old.timer", "blog-worker@2.service"]
    assert systemd.units_stale("", ["blog-worker@1.service"]) == []


def test_units_unsettled_names_stopped_restarting_and_missing_units():
    first = "Id=a@1.service\nActiveState=active\nMainPID=10\n\nId=b@1.service\nActiveState=active\nMainPID=20\n\nId=c@1.service\nActiveState=activating\nMainPID=0\n"
    second = "Id=a@1.service\nActiveState=active\nMainPID=10\n\nId=b@1.service\nActiveState=active\nMainPID=21\n\nId=c@1.service\nActiveState=active\nMainPID=30\n"
    units = ["a@1.service", "b@1.service", "c@1.service", "d@1.service"]
    assert systemd.units_unsettled(first, second, units) == ["b@1.service", "c@1.service", "d@1.service"]
    assert systemd.units_unsettled(first, second, ["a@1.service"]) == []


def test_units_disabled_names_what_is_not_enabled_whatever_runs():
    units = ["django-daphne@1.service", "django-daphne@3.service", "django-daphne@2.socket", "ufw.service"]
    assert systemd.units_disabled(SHOW, units) == ["django-daphne@3.service", "ufw.service"]
