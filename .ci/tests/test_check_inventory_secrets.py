"""The inventory secret check catches plaintext secrets and passes vault references."""
import pathlib
import subprocess
import sys

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parent.parent / "check_inventory_secrets.py"
REPO = SCRIPT.parent.parent


def run(root):
    return subprocess.run([sys.executable, str(SCRIPT), str(root)], capture_output=True, text=True)


def write(root, relative, text):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_the_shipped_inventories_hold_no_plaintext_secret():
    result = run(REPO / "inventories")
    assert result.returncode == 0, result.stdout
    assert ": 0 plaintext secret(s)" in result.stdout


@pytest.mark.parametrize(
    "text, finding",
    [
        ("postgresql_app_password: hunter2\n", "postgresql_app_password looks like a secret"),
        ("django_app_secret_key: abc\n", "django_app_secret_key looks like a secret"),
        ("django_app_secret_env:\n  STRIPE_API_KEY: sk_live_1\n", "STRIPE_API_KEY looks like a secret"),
        ("vault_redis_password: x\n", "defines a vault_ variable outside an encrypted vault file"),
        ("redis_password: \"{{ redis_password_plain }}\"\n", "redis_password looks like a secret"),
        # a *_file name does not make a key itself a path
        ("ansible_ssh_private_key_file: \"-----BEGIN OPENSSH PRIVATE KEY-----\"\n", "ansible_ssh_private_key_file looks like a secret"),
    ],
)
def test_plaintext_secrets_are_found(tmp_path, text, finding):
    write(tmp_path, "prod/group_vars/all/vars.yml", text)
    result = run(tmp_path)
    assert result.returncode == 1
    assert finding in result.stdout


def test_an_unencrypted_vault_file_is_refused(tmp_path):
    write(tmp_path, "prod/group_vars/all/vault.yml", "vault_redis_password: x\n")
    result = run(tmp_path)
    assert result.returncode == 1
    assert "vault file is not encrypted" in result.stdout


def test_vault_references_inline_vault_and_encrypted_files_pass(tmp_path):
    write(tmp_path, "prod/group_vars/all/vars.yml",
          "redis_password: \"{{ vault_redis_password }}\"\n"
          "django_app_secret_key: \"{{ vault_django_secret_key | trim }}\"\n"
          "api_token: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n"
          "use_password_auth: false\n"
          "ansible_ssh_private_key_file: \"{{ inventory_dir }}/../.ssh/id_ed25519\"\n"
          "backup_passphrase_file: /etc/djangoops/backup.pass\n")
    write(tmp_path, "prod/group_vars/all/vault.yml", "$ANSIBLE_VAULT;1.2;AES256;prod\n6162\n")
    result = run(tmp_path)
    assert result.returncode == 0, result.stdout
