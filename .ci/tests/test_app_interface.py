"""The app interface filter: defaults, derived paths and endpoints, and errors that name the fix."""

import importlib.util
import pathlib

import pytest
from ansible.errors import AnsibleFilterError

ROOT = pathlib.Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("app_filter", ROOT / "plugins" / "filter" / "app.py")
app_filter = importlib.util.module_from_spec(spec)
spec.loader.exec_module(app_filter)
app_interface = app_filter.app_interface
app_upstreams = app_filter.app_upstreams


def test_defaults_follow_the_name():
    app = app_interface({"name": "shop", "domains": ["shop.example.com"]})
    assert (app["user"], app["group"], app["root"]) == ("shop", "shop", "/srv/shop")
    assert app["project_dir"] == "/srv/shop/current"
    assert app["venv"] == "/srv/shop/current/.venv"
    assert app["media_root"] == "/srv/shop/shared/media"
    assert app["static_root"] == "/srv/shop/current/staticfiles"
    assert app["gunicorn_endpoint"] == "/run/shop/gunicorn.sock"
    assert app["daphne_endpoints"] == ["/run/shop/daphne-1.sock", "/run/shop/daphne-2.sock"]
    assert app["http_upstreams"] == ["unix:/run/shop/gunicorn.sock"]
    assert app["websocket_upstreams"] == ["unix:/run/shop/daphne-1.sock", "unix:/run/shop/daphne-2.sock"]
    assert app["allowed_hosts"] == ["localhost", "shop.example.com"]
    assert app["csrf_trusted_origins"] == ["https://shop.example.com"]
    assert (app["database"], app["database_user"], app["redis_user"]) == ("shop", "shop", "shop")
    assert app["environment"] == {}
    assert app["app_ports"] == []
    assert app["health_path"] == "/readiness/"


def test_another_root_a_src_layout_and_a_settings_module():
    app = app_interface({
        "name": "my-shop", "root": "/opt/shop/", "project_subdir": "/src/", "domains": ["a.test"],
        "settings_module": "myproject.settings.production", "wsgi_app": "myproject.wsgi:application",
    })
    assert app["root"] == "/opt/shop"
    assert app["project_dir"] == "/opt/shop/current/src"
    assert app["venv"] == "/opt/shop/current/.venv"
    assert app["environment"] == {"DJANGO_SETTINGS_MODULE": "myproject.settings.production"}
    assert app["database"] == "my_shop"
    assert app["gunicorn_endpoint"] == "/run/my-shop/gunicorn.sock"


def test_tcp_endpoints_ports_and_firewall_ranges():
    app = app_interface({"name": "shop", "domains": ["a.test"], "listen": "tcp", "bind_address": "10.0.0.5",
                         "daphne_instances": "3", "daphne_port_base": 9000, "gunicorn_port": "8080"})
    assert app["gunicorn_endpoint"] == "10.0.0.5:8080"
    assert app["daphne_endpoints"] == ["10.0.0.5:9001", "10.0.0.5:9002", "10.0.0.5:9003"]
    assert app["http_upstreams"] == ["10.0.0.5:8080"]
    assert app["app_ports"] == ["8080", "9001:9003"]


def test_a_partial_env_names_override_keeps_the_other_names():
    app = app_interface({"name": "shop", "domains": ["a.test"],
                         "env_names": {"secret_key": "SECRET_KEY", "log_file": ""}})
    assert app["env_names"]["secret_key"] == "SECRET_KEY"
    assert app["env_names"]["log_file"] == ""
    assert app["env_names"]["database_url"] == "DATABASE_URL"
    assert app["env_names"]["redis_url"] == "REDIS_URL"
    assert len(app["env_names"]) == 11 and app["env_names"]["error_dsn"] == "SENTRY_DSN"
    assert app["env_names"]["db_disable_server_side_cursors"] == "DATABASE_DISABLE_SERVER_SIDE_CURSORS"


def test_upstreams_over_several_hosts_keep_each_hosts_address():
    hosts = [{"name": "shop", "domains": ["a.test"], "listen": "tcp", "bind_address": f"10.0.0.{n}"} for n in (2, 3)]
    assert app_upstreams(hosts, "http") == ["10.0.0.2:8000", "10.0.0.3:8000"]
    assert app_upstreams(hosts, "websocket") == ["10.0.0.2:8101", "10.0.0.2:8102", "10.0.0.3:8101", "10.0.0.3:8102"]


@pytest.mark.parametrize("app, message", [
    ({"domains": ["a.test"]}, "djangoops_app.name is missing"),
    ({"name": "Shop", "domains": ["a.test"]}, "djangoops_app.name is 'Shop'"),
    ({"name": "shop"}, "djangoops_app.domains is empty"),
    ({"name": "shop", "domains": "a.test"}, "djangoops_app.domains is 'a.test': give a list"),
    ({"name": "shop", "domains": ["https://a.test/"]}, "djangoops_app.domains has 'https://a.test/'"),
    ({"name": "shop", "domains": ["a.test"], "settings_modul": "x"}, "settings_modul (did you mean settings_module?)"),
    ({"name": "shop", "domains": ["a.test"], "root": "srv/shop"}, "djangoops_app.root is 'srv/shop'"),
    ({"name": "shop", "domains": ["a.test"], "root": "/"}, "djangoops_app.root is '/'"),
    ({"name": "shop", "domains": ["a.test"], "settings_module": "my project.settings"}, "djangoops_app.settings_module"),
    ({"name": "shop", "domains": ["a.test"], "wsgi_app": "config.wsgi"}, "give module:callable"),
    ({"name": "shop", "domains": ["a.test"], "listen": "socket"}, "djangoops_app.listen is 'socket'"),
    ({"name": "shop", "domains": ["a.test"], "daphne_instances": 0}, "djangoops_app.daphne_instances is 0"),
    ({"name": "shop", "domains": ["a.test"], "daphne_instances": "two"}, "djangoops_app.daphne_instances is 'two'"),
    ({"name": "shop", "domains": ["a.test"], "daphne_instances": True}, "djangoops_app.daphne_instances is True"),
    ({"name": "shop", "domains": ["a.test"], "listen": "tcp", "gunicorn_port": 8101}, "also a Daphne port"),
    ({"name": "shop", "domains": ["a.test"], "health_path": "readiness"}, "djangoops_app.health_path is 'readiness'"),
    ({"name": "shop", "domains": ["a.test"], "health_headers": ["X"]}, "djangoops_app.health_headers"),
    ({"name": "shop", "domains": ["a.test"], "env_names": {"databse_url": "DB"}}, "unknown key(s) databse_url"),
    ({"name": "shop", "domains": ["a.test"], "env_names": {"database_url": "DB-URL"}}, "gives database_url the name 'DB-URL'"),
    ({"name": "shop", "domains": ["a.test"], "database": "Shop"}, "djangoops_app.database is 'Shop'"),
    ({"name": "shop", "domains": ["a.test"], "project_subdir": "../src"}, "djangoops_app.project_subdir"),
    ("shop", "djangoops_app is a str: give a mapping"),
])
def test_bad_input_names_the_field_and_the_fix(app, message):
    with pytest.raises(AnsibleFilterError) as error:
        app_interface(app)
    assert message in str(error.value)
    assert ":" in str(error.value)


def test_app_fields_names_what_to_set_for_a_wired_variable():
    fields = app_filter.app_fields
    assert fields(["{{ __djangoops_app.daphne_instances }}"]) == ["djangoops_app.daphne_instances"]
    assert fields(["{{ __djangoops_app.gunicorn_endpoint }}"]) == [
        "djangoops_app.listen", "djangoops_app.bind_address", "djangoops_app.gunicorn_port"]
    assert fields(["{{ __djangoops_app_upstreams_websocket }}", "{{ __djangoops_app.domains }}"]) == [
        "djangoops_app.listen", "djangoops_app.bind_address", "djangoops_app.daphne_port_base",
        "djangoops_app.daphne_instances", "djangoops_app.domains"]
    assert fields(["{{ postgresql_app_password | default('') }}"]) == []


def test_every_wired_variable_comes_from_an_input_field():
    import yaml
    wiring = yaml.safe_load((ROOT / "roles" / "wiring" / "vars" / "main" / "app_interface.yml").read_text())
    app = app_interface({"name": "shop", "domains": ["a.test"]})
    for variable, expression in wiring.items():
        for field in app_filter.app_fields([expression]):
            assert field.split(".", 1)[1] in app_filter.FIELDS, (variable, field)
        for used in __import__("re").findall(r"__djangoops_app\.(\w+)", expression):
            assert used in app, (variable, used)


def test_static_files_are_collected_in_the_project_directory_of_a_src_layout():
    app = app_interface({"name": "shop", "root": "/opt/shop", "project_subdir": "src", "domains": ["a.test"]})
    assert app["static_root"] == "/opt/shop/current/src/staticfiles"


def test_shared_paths_are_relative_directories_kept_in_shared():
    app = app_interface({"name": "shop", "root": "/opt/shop", "domains": ["a.test"],
                         "shared_paths": ["logs/", "shopsite/logs", "logs"]})
    assert app["shared_paths"] == ["logs", "shopsite/logs"]
    assert app["shared_path_targets"] == ["/opt/shop/shared/logs", "/opt/shop/shared/shopsite/logs"]


@pytest.mark.parametrize("entry", ["../etc", ".env", ".venv/lib", "staticfiles", "a//b", ""])
def test_shared_paths_outside_the_project_or_over_the_release_are_refused(entry):
    with pytest.raises(AnsibleFilterError) as error:
        app_interface({"name": "shop", "domains": ["a.test"], "shared_paths": [entry]})
    assert "djangoops_app.shared_paths has" in str(error.value)


def test_redis_database_defaults_to_zero_and_is_checked():
    assert app_interface({"name": "shop", "domains": ["a.test"]})["redis_database"] == 0
    assert app_interface({"name": "shop", "domains": ["a.test"], "redis_database": "3"})["redis_database"] == 3
    with pytest.raises(AnsibleFilterError, match=r"redis_database is 16: give a whole number from 0 to 15"):
        app_interface({"name": "shop", "domains": ["a.test"], "redis_database": 16})


BLOG = {"name": "blog", "root": "/opt/blog", "domains": ["blog.test"], "redis_database": 1}
SHOP = {"name": "shop", "root": "/opt/shop", "domains": ["shop.test"], "redis_database": 2}


def test_two_apps_that_share_nothing_have_no_conflict():
    assert app_filter.app_conflicts([BLOG, SHOP]) == []
    assert app_filter.app_conflicts([SHOP]) == []


@pytest.mark.parametrize("change, expected", [
    ({"name": "blog", "root": "/opt/blog2"}, "djangoops_app.name of blog is 'blog', as blog's"),
    ({"user": "blog"}, "djangoops_app.user of shop is 'blog', as blog's: each app runs as its own system user"),
    ({"root": "/opt/blog"}, "djangoops_app.root of shop is '/opt/blog'"),
    ({"database": "blog"}, "djangoops_app.database of shop is 'blog', as blog's"),
    ({"database_user": "blog"}, "djangoops_app.database_user of shop"),
    ({"redis_user": "blog"}, "djangoops_app.redis_user of shop"),
    ({"redis_database": 1}, "djangoops_app.redis_database of shop is 1, as blog's: apps on one Redis database share"),
    ({"domains": ["shop.test", "blog.test"]}, "djangoops_app.domains of shop and blog both list blog.test"),
])
def test_each_shared_field_is_named_with_both_apps(change, expected):
    problems = app_filter.app_conflicts([BLOG, {**SHOP, **change}])
    assert any(problem.startswith(expected) for problem in problems), problems


def test_the_default_redis_database_clashes_between_two_apps():
    problems = app_filter.app_conflicts([{"name": "blog", "domains": ["b.test"]}, {"name": "shop", "domains": ["s.test"]}])
    assert problems == ["djangoops_app.redis_database of shop is 0, as blog's: apps on one Redis database share their cache and channel keys; give shop its own"]


PROCS = {"name": "blog", "root": "/opt/blog", "domains": ["blog.test"]}


def test_processes_become_commands_from_the_release_virtualenv():
    app = app_interface({**PROCS, "processes": [
        {"name": "worker", "type": "celery-worker", "queues": ["default", "mail"], "concurrency": 4, "instances": 2},
        {"name": "beat", "type": "celery-beat"},
        {"name": "consumer", "type": "command", "argv": ["python", "manage.py", "runworker", "thumbnails"]},
    ], "timers": [{"name": "clearsessions", "command": ["clearsessions"], "schedule": "daily"}]})
    worker, beat, consumer = app["processes"]
    venv = "/opt/blog/current/.venv"
    assert worker["argv"] == [f"{venv}/bin/celery", "-A", "config", "worker", "--hostname", "worker-%i@%H", "--loglevel", "INFO",
                              "--concurrency", "4", "--pool", "prefork", "--queues", "default,mail"]
    assert (worker["unit"], worker["instances"], worker["ping"], worker["singleton"], worker["stop_timeout"]) == ("blog-worker", 2, True, False, 60)
    assert beat["argv"][-2:] == ["--schedule", "/var/lib/blog-beat/celerybeat-schedule"]
    assert (beat["singleton"], beat["ping"], beat["state_dir"]) == (True, False, "blog-beat")
    assert consumer["argv"] == [f"{venv}/bin/python", "manage.py", "runworker", "thumbnails"]
    assert worker["units"] == ["blog-worker@1.service", "blog-worker@2.service"]
    assert worker["exec_start"].endswith("--hostname worker-%i@%H --loglevel INFO --concurrency 4 --pool prefork --queues default,mail")
    assert app["queues"] == ["default", "mail"]
    assert app["timers"] == [{"name": "clearsessions", "unit": "blog-clearsessions", "schedule": "daily", "randomized_delay": 60,
                              "argv": [f"{venv}/bin/python", "manage.py", "clearsessions"],
                              "exec_start": f"{venv}/bin/python manage.py clearsessions"}]


def test_the_queues_of_all_workers_default_to_celerys_own():
    app = app_interface({**PROCS, "processes": [
        {"name": "worker", "type": "celery-worker"},
        {"name": "mailer", "type": "celery-worker", "queues": ["mail"]},
    ]})
    assert [process["queues"] for process in app["processes"]] == [["celery"], ["mail"]]
    assert app["queues"] == ["celery", "mail"]
    assert app_interface(PROCS)["queues"] == []


def test_a_command_is_quoted_for_systemd_and_its_percent_and_dollar_kept_literal():
    app = app_interface({**PROCS, "processes": [
        {"name": "c", "type": "command", "argv": ["python", "-c", 'print("50% of $HOME")']}]})
    assert app["processes"][0]["exec_start"] == '/opt/blog/current/.venv/bin/python -c "print(\\"50%% of $$HOME\\")"'



def test_the_celery_app_follows_the_wsgi_module_and_absolute_commands_stay():
    app = app_interface({**PROCS, "wsgi_app": "shopsite.wsgi:application", "processes": [
        {"name": "worker", "type": "celery-worker"}, {"name": "rq", "type": "command", "argv": ["/usr/bin/env", "true"]}]})
    assert app["processes"][0]["argv"][2] == "shopsite"
    assert app["processes"][1]["argv"] == ["/usr/bin/env", "true"]


@pytest.mark.parametrize("processes, message", [
    ([{"name": "w", "type": "celery-wroker"}], r"processes has type 'celery-wroker' \(w\): give celery-worker, celery-beat or command"),
    ([{"name": "beat", "type": "celery-beat", "instances": 2}], r"processes\[beat\] asks for a second beat: celery-beat runs once per app"),
    ([{"name": "b1", "type": "celery-beat"}, {"name": "b2", "type": "celery-beat"}], r"processes\[b2\] asks for a second beat"),
    ([{"name": "w", "type": "celery-worker", "argv": ["x"]}], r"processes\[w\] has argv: a celery-worker takes "),
    ([{"name": "gunicorn", "type": "command", "argv": ["x"]}], r"processes\[gunicorn\] is named 'gunicorn'"),
    ([{"name": "w", "type": "command"}], r"processes\[w\] has no argv"),
    ([{"name": "w", "type": "celery-worker", "pool": "fork"}], r"processes\[w\] has pool 'fork': give one of prefork"),
    ([{"name": "w", "type": "celery-worker"}, {"name": "w", "type": "celery-worker"}], r"processes\[w\] is listed twice"),
    ([{"name": "w", "type": "celery-worker", "instances": 0}], r"processes\[w\].instances is 0: give a whole number from 1 to 32"),
])
def test_bad_processes_are_refused_naming_the_fix(processes, message):
    with pytest.raises(AnsibleFilterError, match=message):
        app_interface({**PROCS, "processes": processes})


@pytest.mark.parametrize("timers, message", [
    ([{"name": "t", "command": ["clearsessions"]}], r"timers\[t\] has schedule '': give a systemd calendar expression"),
    ([{"name": "t", "command": [], "schedule": "daily"}], r"timers\[t\] has no command"),
    ([{"name": "t", "command": ["x"], "schedule": "daily", "every": 5}], r"timers\[t\] has every: a timer takes"),
    ([{"name": "worker", "command": ["x"], "schedule": "daily"}], r"timers\[worker\] is named 'worker': give it a name no process"),
])
def test_bad_timers_are_refused_naming_the_fix(timers, message):
    with pytest.raises(AnsibleFilterError, match=message):
        app_interface({**PROCS, "processes": [{"name": "worker", "type": "celery-worker"}], "timers": timers})
