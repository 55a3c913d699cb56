"""djangoops.deploy.host_state reads a host's state in one call, and the filters of
plugins/filter/host.py compare it with what a role wants (lineinfile-style edits,
ufw's rule files), so a run that changes nothing makes few module calls."""
import importlib.util
import os
import pathlib
import pwd

ROOT = pathlib.Path(__file__).parents[2]


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


host_state = load("host_state_module", "plugins/modules/host_state.py")
host = load("host_filter", "plugins/filter/host.py")

# What ufw 0.36 wrote on Debian 12 for these rules (ufw allow ... / --dry-run).
USER_RULES = """\
### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=737368
### tuple ### allow tcp 443 0.0.0.0/0 any 0.0.0.0/0 in comment=776562
### tuple ### allow tcp 5432 0.0.0.0/0 any 10.0.0.0/8 in comment=706f737467726573716c
### tuple ### limit tcp 8101:8102 0.0.0.0/0 any 0.0.0.0/0 in
### tuple ### allow udp 53 0.0.0.0/0 any 10.1.2.3 in
### tuple ### allow any 53 0.0.0.0/0 any 10.1.2.3 in
-A ufw-user-input -p tcp --dport 22 -j ACCEPT
"""
USER6_RULES = """\
### tuple ### allow tcp 22 ::/0 any ::/0 in comment=737368
### tuple ### allow tcp 6379 ::/0 any fd00::/8 in
### tuple ### limit tcp 8101:8102 ::/0 any ::/0 in
"""


def rule(port, src="any", comment="", proto="tcp", action="allow"):
    return {"rule": action, "port": port, "proto": proto, "from": src, "comment": comment}


def test_rules_ufw_holds_are_not_missing():
    rules = [rule("22", comment="ssh"), rule("5432", "10.0.0.0/8", "postgresql"), rule("8101:8102", action="limit"),
             rule("53", "10.1.2.3", proto="udp"), rule("53", "10.1.2.3", proto="any"), rule("6379", "fd00::/8")]
    assert host.ufw_rules_missing(rules, USER_RULES + USER6_RULES) == []


def test_a_rule_from_any_needs_both_address_families():
    # 443 is in user.rules only: the IPv6 half is missing, so the rule is applied.
    assert host.ufw_rules_missing([rule("443", comment="web")], USER_RULES + USER6_RULES) == [rule("443", comment="web")]


def test_another_comment_port_source_or_action_is_missing():
    wanted = [rule("22", comment="sshd"), rule("2222", comment="ssh"), rule("5432", "10.0.0.0/16", "postgresql"),
              rule("22", comment="ssh", action="deny")]
    assert host.ufw_rules_missing(wanted, USER_RULES + USER6_RULES) == wanted


def test_rules_it_does_not_model_are_always_applied():
    wanted = [rule("ssh"), rule("22", "web.example.com"), rule("22", proto="icmp")]
    assert host.ufw_rules_missing(wanted, USER_RULES + USER6_RULES) == wanted
    assert host.ufw_rules_missing([rule("22", comment="ssh")], None) == [rule("22", comment="ssh")]


LOGIN_DEFS = "# comment\nUMASK\t\t022\n#SHA_CRYPT_MIN_ROUNDS 5000\nENCRYPT_METHOD SHA512\n"
EDITS = [{"regexp": r"^#?\s*UMASK\s", "line": "UMASK\t027"},
         {"regexp": r"^#?\s*SHA_CRYPT_MIN_ROUNDS\s", "line": "SHA_CRYPT_MIN_ROUNDS\t65536"},
         {"regexp": r"^#?\s*SHA_CRYPT_MAX_ROUNDS\s", "line": "SHA_CRYPT_MAX_ROUNDS\t65536"}]


def test_lineinfile_text_replaces_the_last_match_and_appends_the_rest():
    out = host.lineinfile_text(LOGIN_DEFS, EDITS)
    assert out == ("# comment\nUMASK\t027\nSHA_CRYPT_MIN_ROUNDS\t65536\nENCRYPT_METHOD SHA512\n"
                   "SHA_CRYPT_MAX_ROUNDS\t65536\n")
    # Applied again it changes nothing (the role's idempotence rests on this).
    assert host.lineinfile_text(out, EDITS) == out


def test_lineinfile_text_of_a_missing_file_and_of_duplicates():
    assert host.lineinfile_text(None, EDITS[:1]) == "UMASK\t027\n"
    assert host.lineinfile_text("UMASK 1\nUMASK 2\n", EDITS[:1]) == "UMASK 1\nUMASK\t027\n"


def fake_run(outputs):
    calls = []

    def run(argv):
        calls.append(argv)
        if argv[0] == "missing-tool":
            raise FileNotFoundError(2, "No such file or directory", argv[0])
        return outputs.get(argv[0], (0, "", ""))
    run.calls = calls
    return run


def test_missing_packages_reads_dpkg_status_and_never_trusts_versions():
    run = fake_run({"dpkg-query": (1, "ufw ii \nfail2ban rc \nnginx hi \n", "dpkg-query: no packages found matching nope\n")})
    wanted = ["ufw", "fail2ban", "nginx", "nope", "redis-server=5:7.0.15-1"]
    assert host_state.missing_packages(wanted, run) == ["fail2ban", "nope", "redis-server=5:7.0.15-1"]
    assert "redis-server=5:7.0.15-1" not in run.calls[0]
    assert host_state.missing_packages([], run) == [] and len(run.calls) == 1


def test_commands_report_rc_and_a_missing_tool_as_127():
    run = fake_run({"sysctl": (0, "net.ipv4.ip_forward = 0\n", "")})
    out = host_state.run_commands({"sysctl": ["sysctl", "--all"], "gone": ["missing-tool"]}, run)
    assert out["sysctl"] == {"rc": 0, "stdout": "net.ipv4.ip_forward = 0\n", "stderr": ""}
    assert out["gone"]["rc"] == 127


def test_paths_and_reads(tmp_path):
    (tmp_path / "f").write_text("x\n")
    (tmp_path / "l").symlink_to(tmp_path / "f")
    (tmp_path / "f").chmod(0o640)
    state = host_state.path_state(str(tmp_path / "f"))
    assert {k: state[k] for k in ("exists", "isdir", "islink", "size", "mode")} == {
        "exists": True, "isdir": False, "islink": False, "size": 2, "mode": "0640"}
    assert state["owner"] == pwd.getpwuid(os.getuid()).pw_name and state["mtime"] > 0
    assert host_state.path_state(str(tmp_path / "l"))["islink"] is True
    # a link's target as written (a release switch compares it with releases/<id>)
    (tmp_path / "current").symlink_to("releases/r1")
    assert host_state.path_state(str(tmp_path / "current"))["target"] == "releases/r1"
    assert state["target"] == "" and host_state.path_state(str(tmp_path / "none"))["target"] == ""
    assert host_state.path_state(str(tmp_path / "none"))["exists"] is False
    assert host_state.read_text(str(tmp_path / "f")) == "x\n"
    assert host_state.read_text(str(tmp_path / "none")) is None


MARKER = "# {mark} djangoops.deploy: PgBouncer's auth_query"
IDENT = "# MAPNAME SYSTEM-USERNAME PG-USERNAME\nlocal_map  alice  alice"


def test_blockinfile_text_adds_replaces_and_removes_the_block_as_blockinfile_does():
    added = host.blockinfile_text(IDENT, MARKER, "djangoops_pooler  postgres  pooler")
    # blockinfile ends an unterminated last line before it appends the block.
    assert added == (IDENT + "\n# BEGIN djangoops.deploy: PgBouncer's auth_query\n"
                     "djangoops_pooler  postgres  pooler\n# END djangoops.deploy: PgBouncer's auth_query\n")
    assert host.blockinfile_text(added, MARKER, "djangoops_pooler  postgres  pooler") == added
    changed = host.blockinfile_text(added + "after\n", MARKER, "djangoops_pooler  postgres  lookup")
    assert changed == added.replace("pooler\n#", "lookup\n#") + "after\n"
    assert host.blockinfile_text(added, MARKER, "x", state="absent") == IDENT + "\n"
    assert host.blockinfile_text(None, MARKER, "", state="absent") == ""


def test_assemble_text_sorts_filters_and_ends_unterminated_fragments():
    fragments = {"99-reject.conf": "host all all 0.0.0.0/0 reject\n", "00-head.conf": "local all postgres peer",
                 "50-shop.conf": "host shop shop 127.0.0.1/32 scram-sha-256\n", "README": "not a rule\n"}
    assert host.assemble_text(fragments, "[.]conf$") == (
        "local all postgres peer\nhost shop shop 127.0.0.1/32 scram-sha-256\nhost all all 0.0.0.0/0 reject\n")
    assert host.assemble_text({}, "[.]conf$") == ""


def test_read_dir_reads_the_matching_files_only(tmp_path):
    (tmp_path / "a.conf").write_text("a\n")
    (tmp_path / "b.txt").write_text("b\n")
    (tmp_path / "sub.conf").mkdir()
    assert host_state.read_dir(str(tmp_path), "[.]conf$") == {"a.conf": "a\n"}
    assert host_state.read_dir(str(tmp_path / "none")) == {}


def test_units_state_is_one_systemctl_show_shared_by_both_modules():
    """host_state and files read units through module_utils.commands.units_state."""
    from ansible_collections.djangoops.deploy.plugins.module_utils import commands

    calls = []

    def run(argv):
        calls.append(argv)
        return (0, "Id=a.service\n", "") if len(calls) == 1 else (1, "", "Failed to connect to bus\n")

    assert commands.units_state([], run) == "" and calls == []
    assert commands.units_state(["a.service", "b.socket"], run) == "Id=a.service\n"
    assert calls[0] == ["systemctl", "show", commands.SHOW_PROPERTIES, "a.service", "b.socket"]
    try:
        commands.units_state(["a.service"], run)
    except RuntimeError as error:
        assert str(error) == "systemctl show failed: Failed to connect to bus"
    else:
        raise AssertionError("a failed systemctl show must raise")
