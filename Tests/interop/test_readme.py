"""The README's examples run as written: every `$` line of README.md and deploy/README.md that
needs neither root nor a load generator runs, in order, in one shell per document, as a
newcomer would paste it, with `crumbs` on the PATH as `make install` puts it. The servers
the documents start (on 5555, 5001, 5002 and nginx's 8080) get free ports instead, and the
scratch folder /tmp/crumbs-try one of the test's own. A line passes when it exits 0, or
with the status its comment gives ("exits 1")."""

import os
import pathlib
import re
import shlex
import shutil
import subprocess

import pytest

from conftest import CRUMBS_BIN
from nginx_runner import NGINX, free_port

ROOT = pathlib.Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"^```console\n(.*?)^```", re.S | re.M)
# Not run here: root and systemd, the entry points this suite itself is, load generators.
NOT_RUN = re.compile(r"^(sudo |make (run|test|install)\b|ab |wrk |CRUMBS_COOKIE=\S+ wrk )")


def commands(markdown):
    """The `$` lines of every console block, a line ending in `\\` joined with the next."""
    found = []
    for block in BLOCK.findall(markdown):
        lines = block.splitlines()
        index = 0
        while index < len(lines):
            line = lines[index]
            index += 1
            if not line.startswith("$ "):
                continue
            command = line[2:]
            while command.endswith("\\") and index < len(lines):
                command = command[:-1] + " " + lines[index].strip()
                index += 1
            found.append(command)
    return found


def expected_status(command):
    match = re.search(r"#.*\bexits (\d+)", command)
    return int(match.group(1)) if match else 0


def starts_a_server(command):
    words = shlex.split(command, comments=True)
    return words[:1] == ["crumbs"] and (len(words) == 1 or words[1] == "serve" or words[1].startswith("-"))


def script(document, ports, scratch):
    ports.setdefault("5003", free_port())
    """One bash script for a document: a server on the README's port first (as `make run`),
    then each line, its status checked."""
    lines = [
        "set -u",
        # Whatever happens, nothing the document started outlives it (nor holds the output).
        f"trap 'kill $(jobs -p) 2>/dev/null; [ -f {scratch}/nginx.pid ] && kill $(cat {scratch}/nginx.pid) 2>/dev/null; "
        f"[ -S {scratch}-redis/redis.sock ] && redis-cli -s {scratch}-redis/redis.sock shutdown nosave >/dev/null 2>&1' EXIT",
        f"wait_for() {{ for _ in $(seq 200); do curl -s -o /dev/null http://127.0.0.1:$1/ && return 0; sleep 0.05; done; return 1; }}",
        f"crumbs --port {ports['5555']} >>server.log 2>&1 & server=$!",
        f"wait_for {ports['5555']}",
    ]
    ran = skipped = 0
    for command in commands(document):
        if NOT_RUN.match(command):
            skipped += 1
            continue
        ran += 1
        text = command
        for documented, actual in ports.items():
            text = re.sub(rf"(?<![0-9]){documented}(?![0-9])", str(actual), text)
        text = text.replace("/tmp/crumbs-try", str(scratch)).replace("/tmp/crumbs-redis", str(scratch) + "-redis")
        if starts_a_server(command) and not command.rstrip().endswith("&"):
            # An example server replaces the one on the README's port, as the README says.
            text = f"kill $server; wait $server 2>/dev/null; {text.split('#')[0].strip()} --port {ports['5555']} >>server.log 2>&1 & server=$!"
            lines += [text, f"wait_for {ports['5555']} || {{ echo \"FAILED to start: \"{shlex.quote(command)} >&2; exit 1; }}"]
            continue
        status = expected_status(command)
        lines += [
            text,
            f"status=$?; [ $status -eq {status} ] || {{ echo \"FAILED with $status (expected {status}): \"{shlex.quote(command)} >&2; exit 1; }}",
        ]
        if command.rstrip().endswith("&"):
            text = text.rstrip()[:-1] + ">>server.log &"
            lines[-2] = text
            port = re.search(r"--port (\d+)", text)
            if port:
                lines.append(f"wait_for {port.group(1)}")
        if command.startswith("nginx ") and "-s stop" not in command:
            lines.append(f"wait_for {ports['8080']}")
    lines += ["kill $server 2>/dev/null; kill $(jobs -p) 2>/dev/null; wait", "exit 0"]
    return "\n".join(lines), ran, skipped


@pytest.mark.parametrize("document", ["README.md", "deploy/README.md"])
def test_every_example_runs_as_written(tmp_path, document):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "crumbs").symlink_to(CRUMBS_BIN)
    work = tmp_path / "clone"
    work.mkdir()
    ports = {documented: free_port() for documented in ("5555", "5001", "5002", "5003", "8080")}
    # The deploy files, as in the repository, with their ports moved like the commands'.
    (work / "deploy").mkdir()
    for name in ("nginx-crumbs.conf", "nginx-try.conf"):
        text = (ROOT / "deploy" / name).read_text()
        for documented, actual in ports.items():
            text = text.replace(f":{documented}", f":{actual}")
        (work / "deploy" / name).write_text(text)
    scratch = tmp_path / "crumbs-try"
    body, ran, skipped = script((ROOT / document).read_text(), ports, scratch)
    environment = {**os.environ, "PATH": f"{bin_dir}:{os.path.dirname(NGINX)}:{os.environ['PATH']}"}
    result = subprocess.run(
        ["bash", "-c", body], cwd=work, env=environment, capture_output=True, text=True, timeout=240
    )
    print(f"{document}: {ran} lines run, {skipped} left to root, make or load generators")
    assert result.returncode == 0, result.stderr[-3000:]
    assert ran >= (15 if document == "README.md" else 8)
