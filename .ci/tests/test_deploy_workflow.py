"""The deploy-on-push example (docs/examples/deploy-on-push.yml) holds what the
runbook promises: push to main, staging then production behind its environment's
reviewers, one run per environment that is never cancelled halfway, secrets only
from the CI's store, host keys pinned, and the collection's deploy playbook.
Not run here (no GitHub runner); these checks fail when an edit breaks a promise."""

import pathlib
import re

import pytest
import yaml

WORKFLOW = pathlib.Path(__file__).resolve().parents[2] / "docs/examples/deploy-on-push.yml"


@pytest.fixture(scope="module")
def workflow():
    return yaml.safe_load(WORKFLOW.read_text())


def script(job):
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_a_push_to_main_deploys_staging_then_production(workflow):
    assert workflow["on"]["push"]["branches"] == ["main"]
    jobs = workflow["jobs"]
    assert list(jobs) == ["staging", "production"]
    assert jobs["production"]["needs"] == "staging"
    assert [jobs[name]["environment"]["name"] for name in jobs] == ["staging", "production"]
    assert workflow["permissions"] == {"contents": "read"}


def test_one_run_per_environment_and_none_cancelled_halfway(workflow):
    for name, job in workflow["jobs"].items():
        assert job["concurrency"] == {"group": f"deploy-{name}", "cancel-in-progress": False}
        assert 0 < job["timeout-minutes"] <= 60


def test_each_job_runs_the_collections_deploy_playbook_against_its_own_inventory(workflow):
    for job in workflow["jobs"].values():
        text = script(job)
        assert 'ansible-playbook -i "deploy/inventories/$ENVIRONMENT_NAME" djangoops.deploy.deploy' in text
        assert "--vault-password-file" in text
        deploy = next(step for step in job["steps"] if "djangoops.deploy.deploy" in step.get("run", ""))
        assert deploy["env"]["ENVIRONMENT_NAME"] == "${{ github.job }}"


def test_secrets_come_from_the_ci_store_and_never_reach_the_command_line(workflow):
    for job in workflow["jobs"].values():
        text = script(job)
        # Secrets are passed through env, never expanded into a script.
        assert "secrets." not in text
        used = {
            value
            for step in job["steps"]
            for value in step.get("env", {}).values()
            if "secrets." in str(value)
        }
        assert used == {
            "${{ secrets.ANSIBLE_VAULT_PASSWORD }}",
            "${{ secrets.DEPLOY_SSH_KEY }}",
            "${{ secrets.DEPLOY_KNOWN_HOSTS }}",
        }
        assert "umask 077" in text
        cleanup = job["steps"][-1]
        assert cleanup["if"] == "always()" and "vault-pass" in cleanup["run"]


def test_host_keys_are_pinned(workflow):
    for job in workflow["jobs"].values():
        text = script(job)
        assert "~/.ssh/known_hosts" in text
        assert not re.search(r"StrictHostKeyChecking\s*=?\s*no|HOST_KEY_CHECKING[=:]\s*\"?false", text, re.I)
        deploy = next(step for step in job["steps"] if "djangoops.deploy.deploy" in step.get("run", ""))
        assert deploy["env"]["ANSIBLE_HOST_KEY_CHECKING"] == "true"


def test_no_github_expression_is_expanded_inside_a_script(workflow):
    # ${{ }} in a run: script is a script-injection risk; values go through env.
    for job in workflow["jobs"].values():
        assert "${{" not in script(job)
