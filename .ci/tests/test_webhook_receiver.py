"""The alert webhook stand-in's wait mode, on recorded posts."""
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "molecule/shared/files"))
import webhook_receiver  # noqa: E402


def post(path, received, *alerts):
    body = {"alerts": [{"status": status, "labels": {"alertname": name}} for name, status in alerts]}
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps({"received": received, "body": body}) + "\n")


def test_wait_reports_each_alert_seconds_after_the_cause(tmp_path, capsys):
    path = tmp_path / "hooks.jsonl"
    post(path, 90.0, ("RedisDown", "firing"))  # before the cause: not counted
    post(path, 112.5, ("RedisDown", "firing"), ("UnitFailed", "firing"))
    post(path, 130.0, ("RedisDown", "resolved"))
    assert webhook_receiver.wait(str(path), 100.0, "firing", ["RedisDown", "UnitFailed"], timeout=1) == 0
    assert json.loads(capsys.readouterr().out) == {"RedisDown": 12.5, "UnitFailed": 12.5}
    assert webhook_receiver.wait(str(path), 100.0, "resolved", ["RedisDown"], timeout=1) == 0


def test_wait_fails_naming_what_did_not_arrive(tmp_path, capsys):
    path = tmp_path / "hooks.jsonl"
    post(path, 110.0, ("RedisDown", "firing"))
    assert webhook_receiver.wait(str(path), 100.0, "resolved", ["RedisDown"], timeout=0.1) == 1
    assert "not resolved within 0 s: RedisDown" in capsys.readouterr().err


def test_a_unit_failure_hook_counts_as_a_firing_alert(tmp_path, capsys):
    path = tmp_path / "hooks.jsonl"
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps({"received": 104.0, "body": {"event": "unit_failed", "unit": "django-backup.service"}}) + "\n")
    assert webhook_receiver.wait(str(path), 100.0, "firing", ["unit_failed:django-backup.service"], timeout=1) == 0
    assert json.loads(capsys.readouterr().out) == {"unit_failed:django-backup.service": 4.0}


def test_the_smtp_sink_records_alertmanagers_mail_as_email_alerts(tmp_path, capsys):
    import smtplib
    import threading
    import time
    from email.message import EmailMessage

    path = tmp_path / "hooks.jsonl"
    server = webhook_receiver.smtp_server(0, str(path))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    since = time.time() - 1
    try:
        for subject in ("[FIRING:1] RedisDown trixie-aio 127.0.0.1:9121", "[RESOLVED] RedisDown trixie-aio",
                        "not an alert"):
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = "am@example.test", "ops@example.test", subject
            # A body line that starts with a dot is sent dot-stuffed and read back whole.
            message.set_content(".dotted line\nalertname = RedisDown\n")
            with smtplib.SMTP(*server.server_address, timeout=5) as client:
                client.send_message(message)
    finally:
        server.shutdown()
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["body"]["subject"] for r in records][2] == "not an alert"
    assert records[0]["body"]["from"] == "am@example.test" and records[0]["body"]["to"] == ["ops@example.test"]
    assert webhook_receiver.wait(str(path), since, "firing", ["email:RedisDown"], timeout=1) == 0
    assert webhook_receiver.wait(str(path), since, "resolved", ["email:RedisDown"], timeout=1) == 0
    assert webhook_receiver.wait(str(path), since, "firing", ["email:not"], timeout=0.1) == 1
    capsys.readouterr()
