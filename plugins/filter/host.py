"""Filters that compare a host's state, read once with djangoops.deploy.host_state,
with what a role wants, so that the role changes only what differs."""

import re


def lineinfile_text(text, edits):
    """The text with each edit applied the way ansible.builtin.lineinfile applies
    regexp + line: the last line matching regexp is replaced by line; when none
    matches, line is appended (unless the same line is already there)."""
    if text is None:
        text = ""
    lines = text.splitlines()
    for edit in edits:
        pattern = re.compile(edit["regexp"])
        matches = [i for i, line in enumerate(lines) if pattern.search(line)]
        if matches:
            lines[matches[-1]] = edit["line"]
        elif edit["line"] not in lines:
            lines.append(edit["line"])
    return "\n".join(lines) + "\n" if lines else ""


def blockinfile_text(text, marker, block, state="present"):
    """The text with a marked block set the way ansible.builtin.blockinfile sets it
    (insertafter EOF): the block between the '{mark}' BEGIN/END markers is replaced,
    or added at the end; with state absent, or an empty block, it is removed."""
    lines = (text or "").splitlines(True)
    begin, end = marker.replace("{mark}", "BEGIN") + "\n", marker.replace("{mark}", "END") + "\n"
    blocklines = []
    if state == "present" and block:
        block = block if block.endswith("\n") else block + "\n"
        blocklines = [begin] + block.splitlines(True) + [end]
    n0 = n1 = None
    for i, line in enumerate(lines):
        if line == begin:
            n0 = i
        if line == end:
            n1 = i
    if n0 is None or n1 is None:
        n0 = len(lines)
    elif n0 < n1:
        lines[n0:n1 + 1] = []
    else:
        lines[n1:n0 + 1] = []
        n0 = n1
    if n0 > 0 and not lines[n0 - 1].endswith("\n"):
        lines[n0 - 1] += "\n"
    lines[n0:n0] = blocklines
    return "".join(lines)


def assemble_text(fragments, regexp=None):
    """What ansible.builtin.assemble writes from a directory whose files are the
    fragments (name: text): the names matching regexp in sorted order, joined, with
    a newline after a fragment that does not end with one."""
    out, add_newline = [], False
    for name in sorted(fragments):
        if regexp and not re.search(regexp, name):
            continue
        if add_newline:
            out.append("\n")
        out.append(fragments[name])
        add_newline = not fragments[name].endswith("\n")
    return "".join(out)


def _ufw_tuples(rule):
    """The '### tuple ###' lines ufw writes to user.rules / user6.rules for one rule
    (action proto dport dst sport src direction [comment=hex]), or None for a rule
    this filter does not model (it is then always applied by the ufw module)."""
    action, proto, port, src = (str(rule.get(k, "")) for k in ("rule", "proto", "port", "from"))
    if action not in ("allow", "deny", "reject", "limit") or proto not in ("tcp", "udp", "any"):
        return None
    if not re.fullmatch(r"\d+(:\d+)?", port):
        return None
    comment = rule.get("comment") or ""
    suffix = f" comment={comment.encode().hex()}" if comment else ""
    if src == "any":
        sources = [("0.0.0.0/0", "0.0.0.0/0"), ("::/0", "::/0")]
    elif re.fullmatch(r"[\d.]+(/\d+)?", src):
        sources = [("0.0.0.0/0", src)]
    elif re.fullmatch(r"[0-9a-fA-F:]+(/\d+)?", src):
        sources = [("::/0", src)]
    else:
        return None
    return [f"{action} {proto} {port} {dst} any {source} in{suffix}" for dst, source in sources]


def ufw_rules_missing(rules, rules_text):
    """The rules, in order, that ufw's user.rules + user6.rules (rules_text) do not
    hold exactly, comment included. A rule it cannot model counts as missing: the
    ufw module, which is idempotent, then decides."""
    present = {line[len("### tuple ### "):].strip() for line in (rules_text or "").splitlines()
               if line.startswith("### tuple ### ")}
    missing = []
    for rule in rules:
        tuples = _ufw_tuples(rule)
        if tuples is None or not all(t in present for t in tuples):
            missing.append(rule)
    return missing


class FilterModule:
    def filters(self):
        return {"lineinfile_text": lineinfile_text, "blockinfile_text": blockinfile_text,
                "assemble_text": assemble_text, "ufw_rules_missing": ufw_rules_missing}
