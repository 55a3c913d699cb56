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
        return {"lineinfile_text": lineinfile_text, "ufw_rules_missing": ufw_rules_missing}
