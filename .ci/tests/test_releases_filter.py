"""releases_to_prune decides which release directories a deploy deletes: it must never
name the live release or the one live before the run, whatever their age."""
import importlib.util
import pathlib

import pytest
from ansible.errors import AnsibleFilterError

spec = importlib.util.spec_from_file_location(
    "releases_filter", pathlib.Path(__file__).parents[2] / "plugins/filter/releases.py"
)
releases = importlib.util.module_from_spec(spec)
spec.loader.exec_module(releases)
prune = releases.releases_to_prune

ROOT = "/srv/shop/releases/"
NAMES = ["20261202100000-aaaaaaaaaaaa", "20261202110000-bbbbbbbbbbbb", "20261202120000-cccccccccccc",
         "20261202130000-dddddddddddd", "20261202140000-eeeeeeeeeeee", "20261202150000-ffffffffffff"]
PATHS = [ROOT + name for name in NAMES]


def test_keeps_the_newest_and_removes_the_oldest_first():
    assert prune(list(reversed(PATHS)), 4) == PATHS[:2]


def test_nothing_to_remove_when_fewer_than_keep():
    assert prune(PATHS[:3], 5) == []


def test_a_rolled_back_to_release_is_never_removed():
    # rollback to the oldest kept release, then a deploy: it is the previous release now
    assert prune(PATHS, 4, [NAMES[5], NAMES[0]]) == [PATHS[1]]


def test_protect_takes_paths_and_ignores_empty_names():
    assert prune(PATHS, 4, ["", None, ROOT + NAMES[1] + "/"]) == [PATHS[0]]


def test_keep_from_the_command_line_is_a_string():
    assert prune(PATHS, "5") == PATHS[:1]


@pytest.mark.parametrize("keep", ["two", None, 0, -1, "0"])
def test_a_bad_keep_is_refused_naming_it(keep):
    with pytest.raises(AnsibleFilterError, match="keep must be"):
        prune(PATHS, keep)
