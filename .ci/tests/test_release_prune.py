"""release_prune decides which release directories a deploy deletes (it must never name
the live release or the one live before the run, whatever their age), and removes the
virtualenvs no kept release links to and wheelhouses beyond the newest few."""
import importlib.util
import os
import pathlib

import pytest

spec = importlib.util.spec_from_file_location(
    "release_prune", pathlib.Path(__file__).parents[2] / "plugins/modules/release_prune.py"
)
release_prune = importlib.util.module_from_spec(spec)
spec.loader.exec_module(release_prune)
prune = release_prune.releases_to_prune

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
    with pytest.raises(ValueError, match="keep must be"):
        prune(PATHS, keep)


def test_plan_removes_old_releases_unused_venvs_and_old_wheelhouses(tmp_path):
    releases, venvs, wheels = tmp_path / "releases", tmp_path / "venvs", tmp_path / "wheels"
    for name in NAMES:
        (releases / name).mkdir(parents=True)
    for venv in ("v-old", "v-live", "v-unused"):
        (venvs / venv).mkdir(parents=True)
    (releases / NAMES[0] / ".venv").symlink_to(venvs / "v-old")  # pruned: its venv goes too
    for name in NAMES[1:]:
        (releases / name / ".venv").symlink_to(venvs / "v-live")
    for age, wheelhouse in enumerate(["w3", "w2", "w1", "w0"]):
        (wheels / wheelhouse).mkdir(parents=True)
        os.utime(wheels / wheelhouse, (1000 + age, 1000 + age))
    removed = release_prune.plan(str(releases), str(venvs), str(wheels), 5, 3, [NAMES[5], ""])
    assert removed == [str(releases / NAMES[0]), str(venvs / "v-old"), str(venvs / "v-unused"), str(wheels / "w3")]


def test_plan_keeps_the_venv_of_a_protected_old_release(tmp_path):
    releases, venvs = tmp_path / "releases", tmp_path / "venvs"
    for name in NAMES:
        (releases / name).mkdir(parents=True)
    (venvs / "v-old").mkdir(parents=True)
    (releases / NAMES[0] / ".venv").symlink_to(venvs / "v-old")
    removed = release_prune.plan(str(releases), str(venvs), str(tmp_path / "none"), 4, 3, [NAMES[0]])
    assert removed == [str(releases / NAMES[1])]
