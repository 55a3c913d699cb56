"""djangoops.deploy.template renders exactly what ansible.builtin.template renders, keeps the
names it adds (template_vars, template_path, ...) out of the task's variables, and puts the
builtin module's deepcopy back whatever happens."""

import copy
import importlib.util
import json
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

TEMPLATE = """{{ ansible_managed | comment }}
# {{ template_path | basename }}: {{ item.name }}
{% for key, value in settings | dictsort %}
{{ key }}={{ value }}
{% endfor %}
{% if nested.deep.flag %}deep: {{ nested.deep.numbers | join(',') }}{% endif %}
{# a comment #}
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lookup")
    (tmp / "templates").mkdir()
    (tmp / "templates" / "unit.j2").write_text(TEMPLATE)
    out = tmp / "out.json"
    args = "'unit.j2', template_vars={'item': {'name': 'manage'}}"
    play = [{"hosts": "localhost", "gather_facts": False,
             "vars": {"settings": {"B": "2", "A": "1"}, "nested": {"deep": {"flag": True, "numbers": [1, 2]}}},
             "tasks": [
                 {"name": "Render with both lookups", "ansible.builtin.set_fact": {
                     "builtin": f"{{{{ lookup('ansible.builtin.template', {args}) }}}}",
                     "ours": f"{{{{ lookup('djangoops.deploy.template', {args}) }}}}"}},
                 {"name": "Write what each rendered, and what the task sees afterwards", "ansible.builtin.copy": {
                     "dest": str(out), "mode": "0644",
                     "content": "{{ {'builtin': builtin, 'ours': ours, 'item': item is defined,"
                                " 'template_path': template_path is defined, 'nested': nested} | to_json }}"}}]}]
    (tmp / "play.yml").write_text(yaml.safe_dump(play))
    result = subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local",
                             "-e", "ansible_python_interpreter={{ ansible_playbook_python }}", str(tmp / "play.yml")],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(out.read_text())


def test_it_renders_what_the_builtin_renders(rendered):
    assert rendered["ours"] == rendered["builtin"]
    assert "# unit.j2: manage\nA=1\nB=2\ndeep: 1,2\n" in rendered["ours"]


def test_the_names_it_adds_stay_out_of_the_task(rendered):
    assert rendered["item"] is False
    assert rendered["template_path"] is False
    assert rendered["nested"] == {"deep": {"flag": True, "numbers": [1, 2]}}


def test_the_builtin_deepcopy_is_shallow_during_the_call_and_put_back_after_a_failure(monkeypatch):
    import ansible.plugins.lookup.template as builtin_template

    spec = importlib.util.spec_from_file_location("djangoops_template_lookup", ROOT / "plugins/lookup/template.py")
    plugin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plugin)
    seen = []

    def failing_run(self, terms, variables=None, **kwargs):
        seen.append(builtin_template.deepcopy)
        raise RuntimeError("the template failed")

    monkeypatch.setattr(plugin.BuiltinTemplateLookup, "run", failing_run)
    with pytest.raises(RuntimeError, match="the template failed"):
        object.__new__(plugin.LookupModule).run(["unit.j2"], variables={})
    assert seen == [copy.copy]
    assert builtin_template.deepcopy is copy.deepcopy
