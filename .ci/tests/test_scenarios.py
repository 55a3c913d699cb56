""".ci/scenarios.sh: two lanes of Molecule scenarios, with a stand-in runner."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".ci" / "scenarios.sh"

FAKE_RUNNER = """#!/usr/bin/env bash
# Records start and end of each scenario; sleeps; fails when named in FAIL.
echo "start $1 $(date +%s.%N)" >> "$RECORD"
if [ -n "${DJANGOOPS_BACKGROUND_LANE:-}" ]; then
  [ -e "$DJANGOOPS_BACKGROUND_LANE" ] && seen=present || seen=absent
  echo "flag-at-start $1 $seen" >> "$FLAGS"
fi
extra="EXTRA_${1//-/_}"
sleep "${SLEEP:-0.5}"; sleep "${!extra:-0}"
echo "end $1 $(date +%s.%N)" >> "$RECORD"
case " ${FAIL:-} " in *" $1 "*) exit 1;; esac
exit 0
"""


@pytest.fixture
def run(tmp_path):
    runner = tmp_path / "runner.sh"
    runner.write_text(FAKE_RUNNER)
    record = tmp_path / "record"

    def _run(*scenarios, **env):
        record.write_text("")
        environ = {k: v for k, v in os.environ.items() if k != "MOLECULE_LANES"}
        environ.update(DJANGOOPS_SCENARIO_RUNNER=str(runner), RECORD=str(record),
                       FLAGS=str(tmp_path / "flags"), **env)
        result = subprocess.run(["bash", str(SCRIPT), *scenarios], env=environ,
                                capture_output=True, text=True, timeout=60)
        events = {}
        for line in record.read_text().splitlines():
            kind, name, when = line.split()
            events.setdefault(name, {})[kind] = float(when)
        for name in scenarios:
            (ROOT / ".ci" / "logs" / f"lane-{name}.out").unlink(missing_ok=True)
        return result, events

    return _run


NAMES = ("fake-default", "fake-trixie", "fake-multihost")


def test_first_scenario_runs_beside_the_others(run):
    result, events = run(*NAMES, SLEEP="1", MOLECULE_LANES="2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert set(events) == set(NAMES)
    first, second, third = (events[n] for n in NAMES)
    # The background lane overlaps the foreground one, which is sequential.
    assert second["start"] < first["end"]
    assert third["start"] >= second["end"]


@pytest.mark.parametrize("failing", NAMES)
def test_any_failure_fails_the_run(run, failing):
    result, events = run(*NAMES, FAIL=failing, MOLECULE_LANES="2")
    assert result.returncode == 1
    if failing == NAMES[1]:
        assert NAMES[2] not in events  # the foreground lane stops at its failure


def test_one_lane_runs_them_in_order(run):
    result, events = run(*NAMES, MOLECULE_LANES="1")
    assert result.returncode == 0
    order = sorted(NAMES, key=lambda n: events[n]["start"])
    assert order == list(NAMES)
    assert events[NAMES[1]]["start"] >= events[NAMES[0]]["end"]


def test_one_lane_is_the_default(run):
    result, events = run(*NAMES)
    assert result.returncode == 0
    assert events[NAMES[1]]["start"] >= events[NAMES[0]]["end"]


def test_foreground_scenarios_can_tell_the_background_lane_still_runs(run, tmp_path):
    # fake-trixie starts while the background lane (1 s) runs; fake-multihost starts
    # after fake-trixie's 2.5 s, when the background lane has ended.
    result, events = run(*NAMES, SLEEP="1", EXTRA_fake_trixie="1.5", MOLECULE_LANES="2")
    assert result.returncode == 0
    flags = dict(line.split()[1:] for line in (tmp_path / "flags").read_text().splitlines())
    assert flags == {NAMES[1]: "present", NAMES[2]: "absent"}
    assert not (ROOT / ".ci" / "logs" / f"lane-{NAMES[0]}.running").exists()


def test_one_lane_sets_no_background_flag(run, tmp_path):
    result, _ = run(*NAMES, MOLECULE_LANES="1")
    assert result.returncode == 0
    assert not (tmp_path / "flags").exists()


def test_a_first_argument_with_a_plus_runs_its_scenarios_in_turn_in_the_background(run):
    result, events = run("fake-multihost+fake-apps", "fake-trixie", "fake-default", SLEEP="1", MOLECULE_LANES="2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert set(events) == {"fake-multihost", "fake-apps", "fake-trixie", "fake-default"}
    assert events["fake-apps"]["start"] >= events["fake-multihost"]["end"]
    assert events["fake-trixie"]["start"] < events["fake-multihost"]["end"]
    assert events["fake-default"]["start"] < events["fake-apps"]["end"]


def test_a_plus_in_one_lane_runs_everything_in_order(run):
    result, events = run("fake-multihost+fake-apps", "fake-trixie", MOLECULE_LANES="1")
    assert result.returncode == 0
    assert events["fake-apps"]["start"] >= events["fake-multihost"]["end"]
    assert events["fake-trixie"]["start"] >= events["fake-apps"]["end"]


def test_a_failure_in_the_first_of_a_background_lane_skips_the_rest(run):
    result, events = run("fake-multihost+fake-apps", "fake-trixie", FAIL="fake-multihost", MOLECULE_LANES="2")
    assert result.returncode == 1
    assert "fake-apps" not in events
