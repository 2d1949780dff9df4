"""nginx in front of Crumbs instances, configured with deploy/nginx-crumbs.conf itself (its
ports rewritten), for the deploy test and the benchmark."""

import pathlib
import shutil
import socket
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Nginx:
    def __init__(self, workdir: pathlib.Path, upstreams, port):
        snippet = (ROOT / "deploy" / "nginx-crumbs.conf").read_text()
        for placeholder, actual in (
            ("server 127.0.0.1:5001 ", f"server 127.0.0.1:{upstreams[0]} "),
            ("server 127.0.0.1:5002 ", f"server 127.0.0.1:{upstreams[1]} "),
            ("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{port};"),
        ):
            assert placeholder in snippet, f"deploy/nginx-crumbs.conf no longer has {placeholder!r}"
            snippet = snippet.replace(placeholder, actual)
        (workdir / "crumbs.conf").write_text(snippet)
        for folder in ("body", "proxy"):
            (workdir / folder).mkdir(exist_ok=True)
        (workdir / "nginx.conf").write_text(
            f"pid {workdir}/nginx.pid;\n"
            f"error_log {workdir}/error.log;\n"
            "daemon off;\n"
            "worker_processes 1;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            "    access_log off;\n"
            f"    client_body_temp_path {workdir}/body;\n"
            f"    proxy_temp_path {workdir}/proxy;\n"
            f"    include {workdir}/crumbs.conf;\n"
            "}\n"
        )
        self.port = port
        self.process = subprocess.Popen(
            [NGINX, "-p", str(workdir), "-c", str(workdir / "nginx.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"nginx exited: {self.process.stderr.read()}")
                time.sleep(0.05)
        raise RuntimeError("nginx did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
