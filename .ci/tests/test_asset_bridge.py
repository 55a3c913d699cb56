"""bench/asset_bridge.py counts what a browser tab asks for across a switch."""

import http.server
import json
import pathlib
import subprocess
import sys
import threading

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "bench" / "asset_bridge.py"
OLD = ["/static/css/site.aaaaaaaaaaaa.css", "/static/js/site.bbbbbbbbbbbb.js"]
NEW = ["/static/css/site.cccccccccccc.css", "/static/js/site.bbbbbbbbbbbb.js"]


def serve(switch_after, keep_old):
    """A site whose page links OLD for its first switch_after loads, NEW after; the
    old CSS stays served only when keep_old (a bridged release)."""
    loads = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path == "/":
                loads.append(True)
            links = NEW if len(loads) > switch_after else OLD
            if self.path == "/":
                body = "".join(f'<link href="{u}">' if u.endswith(".css") else f'<script src="{u}"></script>'
                               for u in links).encode()
                status = 200
            elif self.path in links or (keep_old and self.path in OLD):
                body, status = b"body{}", 200
            else:
                body, status = b"not found", 404
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.parametrize("keep_old", [True, False])
def test_counts_the_previous_release_assets_after_the_switch(keep_old):
    server = serve(switch_after=3, keep_old=keep_old)
    try:
        run = subprocess.run([sys.executable, str(SCRIPT), f"http://127.0.0.1:{server.server_port}/",
                              "--seconds", "3", "--interval", "0.05"],
                             capture_output=True, text=True, timeout=30, check=True)
    finally:
        server.shutdown()
    result = json.loads(run.stdout)
    assert result["previous"] == OLD
    assert result["new"] == [NEW[0]]
    assert result["rounds"] > 4 and result["switched_after_s"] > 0
    assert result["pages"] == {"200": result["rounds"]}
    after = result["previous_after_switch"]
    assert after["requests"] > 0 and result["new_assets"]["requests"] > 0
    assert result["new_assets"]["non_200"] == 0
    if keep_old:
        assert after["non_200"] == 0 and result["asset_non_200"] == 0 and result["first_failures"] == []
    else:
        # Only the old CSS fails (the JS kept its name), and only after the switch.
        assert result["assets"][OLD[0]].get("404") == after["non_200"] > 0
        assert after["non_200"] < after["requests"]
        assert {f["url"] for f in result["first_failures"]} == {OLD[0]}
