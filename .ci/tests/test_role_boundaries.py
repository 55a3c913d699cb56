"""The roles are leaves: the checker finds nothing in roles/, and finds what it should."""

import importlib.util
import pathlib
import textwrap

HERE = pathlib.Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("check_role_boundaries", HERE.parent / "check_role_boundaries.py")
boundaries = importlib.util.module_from_spec(spec)
spec.loader.exec_module(boundaries)


def make_role(root, name, files):
    for rel, text in files.items():
        path = root / "roles" / name / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def test_the_collection_roles_read_only_their_own_variables():
    assert boundaries.findings() == []


def test_a_default_reading_another_roles_variable_is_found(tmp_path):
    make_role(tmp_path, "web", {"tasks/main.yml": "---\n- ansible.builtin.debug: {msg: hi}\n",
                                "defaults/main.yml": "web_root: \"{{ app_root | default('/srv/x') }}\"\n"})
    make_role(tmp_path, "app", {"tasks/main.yml": "---\n- ansible.builtin.debug: {msg: hi}\n",
                                "defaults/main.yml": "app_root: /opt/app\n"})
    assert boundaries.findings(tmp_path / "roles") == ["roles/web/defaults/main.yml: reads app_root (app's)"]


def test_conditions_templates_and_literal_paths_are_found_but_messages_are_not(tmp_path):
    make_role(tmp_path, "web", {
        "tasks/main.yml": """\
            ---
            - name: Uses another role's switch
              ansible.builtin.debug:
                msg: "set app_enabled: false to skip this"
              when: app_enabled
            """,
        "templates/site.conf.j2": "root {{ app_root }}; alias /srv/django/static;\n",
    })
    make_role(tmp_path, "app", {"tasks/main.yml": "---\n- ansible.builtin.debug: {msg: hi}\n"})
    assert boundaries.findings(tmp_path / "roles") == [
        "roles/web/tasks/main.yml: reads app_enabled (app's)",
        "roles/web/templates/site.conf.j2: literal /srv/django",
        "roles/web/templates/site.conf.j2: reads app_root (app's)",
    ]


def test_the_release_flow_may_read_published_facts_only(tmp_path):
    make_role(tmp_path, "app", {"tasks/main.yml": """\
        ---
        - name: Publish
          ansible.builtin.set_fact:
            app_release_id: x
            __app_private: y
        """})
    make_role(tmp_path, "release", {"tasks/main.yml": """\
        ---
        - name: Read
          ansible.builtin.debug:
            msg: "{{ app_release_id }} {{ __app_private | default('') }} {{ app_keep }}"
        """})
    assert boundaries.findings(tmp_path / "roles") == ["roles/release/tasks/main.yml: reads app_keep (app's)"]
