"""deploy/crumbs@.service as systemd reads it and as it runs Crumbs. No systemd runs here
(no PID 1 to start units), so the unit is checked in two halves: `systemd-analyze verify`
reads it as systemd would (every key known, the command executable), and its ExecStart is
run as systemd would run it for crumbs@<port>, credentials in their directory: every flag
it passes is one this crumbs takes, it serves, logs each request to stdout (the journal),
and stops cleanly on its KillSignal within TimeoutStopSec."""

import http.client
import pathlib
import re
import secrets
import shlex
import signal
import subprocess

from conftest import CRUMBS_BIN, Crumbs, write_key
from nginx_runner import free_port

UNIT = pathlib.Path(__file__).resolve().parents[2] / "deploy" / "crumbs@.service"


def directives(text):
    """The unit's `Key=value` lines, continuation lines joined, as (section, key, value)."""
    joined = re.sub(r"\\\n\s*", " ", text)
    section, found = None, []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
        else:
            key, _, value = line.partition("=")
            found.append((section, key, value))
    return found


def value(key):
    return [v for _, k, v in directives(UNIT.read_text()) if k == key]


def test_systemd_reads_the_unit_without_a_complaint(tmp_path):
    # The binary under test where the unit expects `make install` to have put it.
    unit = tmp_path / "crumbs@.service"
    unit.write_text(UNIT.read_text().replace("/usr/local/bin/crumbs", CRUMBS_BIN))
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", "crumbs@5001.service"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60)
    # An unknown key is only a warning to systemd: any output at all fails the test.
    assert result.returncode == 0 and result.stdout == "" and result.stderr == "", result


def test_the_units_command_serves_and_stops_as_systemd_would_run_it(tmp_path):
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    # LoadCredential=name:path, each copied by systemd into $CREDENTIALS_DIRECTORY/name.
    for credential in value("LoadCredential"):
        name, _, source = credential.partition(":")
        assert source.startswith("/etc/crumbs/")
        write_key(credentials / name, secrets.token_bytes(32))
    port = free_port()
    (command,) = value("ExecStart")
    command = command.replace("%i", str(port)).replace("${CREDENTIALS_DIRECTORY}", str(credentials))
    argv = shlex.split(command)
    assert argv[0] == "/usr/local/bin/crumbs"
    server = Crumbs(argv[1:], cwd=tmp_path)
    try:
        assert server.port == port
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/sessions/count", headers={"X-Forwarded-For": "203.0.113.7"})
        response = connection.getresponse()
        assert response.status == 200 and b'"session_value": 1' in response.read()
        connection.close()
    finally:
        (kill_signal,) = value("KillSignal")
        (timeout,) = value("TimeoutStopSec")
        code, out, err = server.stop(sig=getattr(signal, kill_signal), timeout=float(timeout))
    assert code == 0, err
    # --access-log -: one line a request on stdout, the client as the trusted proxy says.
    assert re.search(r"^203\.0\.113\.7 .*\"GET /sessions/count HTTP/1\.1\" 200 ", out, re.M), out
