"""djangoops.deploy.deploy_lock: one run holds an app's lock; the same run takes it again;
another run is told who holds it; a stale lock is broken only on request; only the holder
releases it."""
import importlib.util
import json
import pathlib

spec = importlib.util.spec_from_file_location(
    "deploy_lock_module", pathlib.Path(__file__).parents[2] / "plugins/modules/deploy_lock.py"
)
lock = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lock)


def record(token, since=1000):
    return {"holder": f"ops@{token}", "playbook": "djangoops.deploy.deploy", "since": since, "token": token}


def test_first_run_takes_it_and_takes_it_again(tmp_path):
    path = str(tmp_path / "shop.lock")
    assert lock.take(path, record("a"), False, 1800, 1000) == (True, False, record("a"), 0)
    assert json.loads((tmp_path / "shop.lock" / "holder.json").read_text())["token"] == "a"
    held, broken, holder, age = lock.take(path, record("a", 1010), False, 1800, 1010)
    assert (held, broken, holder["since"], age) == (True, False, 1000, 10)


def test_another_run_is_refused_with_the_holder(tmp_path):
    path = str(tmp_path / "shop.lock")
    lock.take(path, record("a"), False, 1800, 1000)
    held, broken, holder, age = lock.take(path, record("b", 1100), False, 1800, 1100)
    assert (held, broken, holder["holder"], age) == (False, False, "ops@a", 100)


def test_stale_lock_broken_only_on_request_and_only_when_old(tmp_path):
    path = str(tmp_path / "shop.lock")
    lock.take(path, record("a"), False, 1800, 1000)
    assert lock.take(path, record("b", 2000), True, 1800, 2000)[0] is False  # 1000 s old: younger
    assert lock.take(path, record("b", 3000), False, 1800, 3000)[0] is False  # old, not requested
    held, broken, holder, age = lock.take(path, record("b", 3000), True, 1800, 3000)
    assert (held, broken, holder["holder"], age) == (True, True, "ops@a", 2000)  # whose lock was broken
    assert json.loads((tmp_path / "shop.lock" / "holder.json").read_text())["token"] == "b"


def test_lock_without_holder_counts_as_age_zero(tmp_path):
    """A run killed between mkdir and writing holder.json: never broken before stale_after."""
    path = tmp_path / "shop.lock"
    path.mkdir()
    held, _, holder, age = lock.take(str(path), record("b", 5000), True, 1800, 5000)
    assert (held, holder, age) == (False, {}, 0)


def test_only_the_holder_releases(tmp_path):
    path = str(tmp_path / "shop.lock")
    lock.take(path, record("a"), False, 1800, 1000)
    assert lock.release(path, "b", 1001)[0] is False
    assert (tmp_path / "shop.lock").is_dir()
    assert lock.release(path, "a", 1002)[0] is True
    assert not (tmp_path / "shop.lock").exists()
    assert lock.release(path, "a", 1003)[0] is False  # nothing left to release
