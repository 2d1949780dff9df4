#!/usr/bin/env python3
"""Soak: wrk against Crumbs for a long run (default 5 minutes, 256 connections, the mix),
sampling the server's resident memory every 10 s. Reports errors and RSS after the first
minute against RSS at the end; fails if any request failed or memory grew more than 5%.

Usage: bench/soak.py [--minutes 5] [--connections 256]   (`make soak` builds and runs it)
"""

import argparse
import os
import pathlib
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from run import CRUMBS, WRK_DIR, Server  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--connections", type=int, default=256)
    args = parser.parse_args()

    workdir = pathlib.Path(tempfile.mkdtemp(prefix="crumbs-soak-"))
    key_file = workdir / "secret_key"
    key_file.write_bytes(secrets.token_bytes(32))
    key_file.chmod(0o600)
    os.environ["CRUMBS_COOKIE"] = subprocess.run(
        [str(CRUMBS), "sign", '{"count":0,"goodnight":"Moon","hello":"World"}', "--secret-key-file", str(key_file)],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    server = Server("Crumbs", [str(CRUMBS), "--port", "18201", "--secret-key-file", str(key_file)], 18201, None)
    samples = []
    done = threading.Event()

    def sample():
        started = time.monotonic()
        while not done.wait(10):
            samples.append((time.monotonic() - started, server.rss_kib()))

    sampler = threading.Thread(target=sample)
    sampler.start()
    seconds = int(args.minutes * 60)
    try:
        out = subprocess.run(
            ["wrk", "-t2", f"-c{args.connections}", f"-d{seconds}s", "--latency", "-s", str(WRK_DIR / "mix.lua"),
             "http://127.0.0.1:18201"],
            capture_output=True, text=True, check=True,
        ).stdout
    finally:
        done.set()
        sampler.join()
        server.stop()
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non2xx.group(1)) if non2xx else 0
    after_first_minute = next(rss for t, rss in samples if t >= 60) if any(t >= 60 for t, _ in samples) else samples[0][1]
    at_end = samples[-1][1]
    growth = (at_end - after_first_minute) / after_first_minute * 100
    print(out)
    print("RSS samples (s, KiB): " + ", ".join(f"{t:.0f}:{rss}" for t, rss in samples))
    print(f"soak: {requests} requests in {seconds} s, {errors} errors; RSS after the first minute {after_first_minute} KiB, "
          f"at the end {at_end} KiB ({growth:+.1f}%)")
    if errors or growth > 5:
        sys.exit(1)


if __name__ == "__main__":
    main()
