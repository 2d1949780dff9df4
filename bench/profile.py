#!/usr/bin/env python3
"""Where the time goes: the C baseline and Crumbs side by side, per request.

For each scenario and server this measures
- CPU time per request, user and kernel, from /proc/PID/stat around a pinned wrk run
  (server on core 0, wrk on core 1), the median of three runs;
- instructions per request under callgrind, split by where they run: the server's own code
  (with the Swift runtime for Crumbs), libevent, libc, libcrypto, zlib. Counting starts
  after a warm-up (callgrind_control -z) and covers whole seconds of wrk with 8
  connections, so it includes libevent's reading, parsing and writing.

- lines of code per request, from the same callgrind run: the 64-byte lines holding an
  instruction that runs at least once every two requests, in all and in the server's own
  code. Between two requests the kernel's network stack runs on the same core and evicts
  most of the L1 instruction cache, so each such line is fetched again for each request:
  on the 2-core EPYC measured here, 3,200 no-op instructions added to the C server's
  handler cost it 4.7% of its requests per second as 150 lines of straight-line code, and
  2.2% as a loop in one line: some 0.017% a line.

Instruction counts are exact for the requests run but vary by about 1% with how requests
batch per epoll_wait; CPU times vary with the machine. Neither is asserted anywhere.

Usage: bench/profile.py [--output FILE]   (make profile; needs valgrind, wrk, taskset)
"""

import argparse
import collections
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import run  # noqa: E402  (the servers, the cookies and the scenarios of make bench)

SCENARIOS = ["count_with_cookie", "hello_no_cookie", "crumbs", "distinct_sessions", "page"]
GROUPS = [
    ("own code", lambda obj: obj in ("crumbs", "bench-baseline") or obj.startswith("libswift")),
    ("libevent", lambda obj: obj.startswith("libevent")),
    ("libc", lambda obj: obj.startswith("libc.so") or obj.startswith("ld-linux")),
    ("libcrypto", lambda obj: obj.startswith("libcrypto")),
    ("zlib", lambda obj: obj.startswith("libz.so")),
]


def wrk_requests(port, scenario, seconds, connections=8, cpus=None):
    out = subprocess.run(
        (["taskset", "-c", cpus] if cpus else [])
        + ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(run.WRK_DIR / f"{scenario}.lua"),
           f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True).stdout
    return int(re.search(r"(\d+) requests in", out).group(1))


def cpu_per_request(name, scenario, key_file, page_file, port):
    """User and kernel CPU microseconds per request, pinned, median of three runs."""
    samples = []
    for _ in range(3):
        server = run.Server(name, run.server_command(name, port, key_file, page_file), port, "0")
        try:
            wrk_requests(port, scenario, 1, 64, "1")
            before = pathlib.Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            served = wrk_requests(port, scenario, 3, 64, "1")
            after = pathlib.Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        finally:
            server.stop()
        ticks = os.sysconf("SC_CLK_TCK")
        samples.append(tuple((int(after[i]) - int(before[i])) / ticks / served * 1e6 for i in (11, 12)))
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def instructions_per_request(name, scenario, key_file, page_file, port, workdir):
    """Instructions per request by group, and lines of code per request (all, own), under
    callgrind."""
    out_file = workdir / f"callgrind.{port}.out"
    process = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--compress-strings=no", "--compress-pos=no", "--dump-instr=yes",
         f"--callgrind-out-file={out_file}"] + run.server_command(name, port, key_file, page_file),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        run.wait_until_serving(port, process, timeout=60)
        wrk_requests(port, scenario, 3)
        subprocess.run(["callgrind_control", "-z", str(process.pid)], capture_output=True, check=True)
        served = wrk_requests(port, scenario, 10)
        subprocess.run(["callgrind_control", "-d", str(process.pid)], capture_output=True, check=True)
    finally:
        process.terminate()
        process.wait()
    dump = max(workdir.glob(f"callgrind.{port}.out.*"), key=lambda p: p.stat().st_mtime)
    by_object = collections.Counter()
    # Instructions run at each address, per object: cost lines are "address line Ir".
    by_address = collections.defaultdict(collections.Counter)
    obj, after_call = "?", False
    for line in dump.read_text().splitlines():
        if line.startswith("ob="):
            obj = line[3:].rsplit("/", 1)[-1]
        elif line.startswith("calls="):
            after_call = True
        elif line.startswith("0x"):
            fields = line.split()
            if len(fields) >= 3:
                # (The line after calls= is the call's inclusive cost, not this code's own.)
                if not after_call:
                    by_object[obj] += int(fields[2])
                    by_address[obj][int(fields[0], 16)] += int(fields[2])
                after_call = False
        elif line.startswith("fn="):
            after_call = False
    for path in workdir.glob(f"callgrind.{port}.out*"):
        path.unlink()
    groups = {label: sum(v for o, v in by_object.items() if test(o)) / served for label, test in GROUPS}
    groups["total"] = sum(by_object.values()) / served
    lines = {o: {address >> 6 for address, count in counts.items() if count * 2 >= served}
             for o, counts in by_address.items()}
    groups["code lines"] = sum(len(found) for found in lines.values())
    is_own = dict(GROUPS)["own code"]
    groups["own code lines"] = sum(len(found) for o, found in lines.items() if is_own(o))
    return groups


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", default=None, help="write the table here as Markdown (default: print it)")
    args = parser.parse_args()
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="crumbs-profile-"))
    key_file, _, _, page_file = run.prepare(workdir, 1, sys.executable)

    rows = []
    for scenario in SCENARIOS:
        for name, port in (("C baseline", 18131), ("Crumbs", 18132)):
            user, kernel = cpu_per_request(name, scenario, key_file, page_file, port)
            instructions = instructions_per_request(name, scenario, key_file, page_file, port, workdir)
            rows.append((scenario, name, user, kernel, instructions))
            print(f"{scenario:18} {name:11} user {user:5.2f} µs kernel {kernel:5.2f} µs "
                  + " ".join(f"{label} {value:,.0f}" for label, value in instructions.items()), flush=True)

    lines = [
        "| scenario | server | user µs | kernel µs | instructions | own code | libevent | libc | libcrypto | zlib "
        "| code lines | own code lines |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario, name, user, kernel, groups in rows:
        lines.append(
            f"| {scenario} | {name} | {user:.2f} | {kernel:.2f} | {groups['total']:,.0f} | {groups['own code']:,.0f} | "
            f"{groups['libevent']:,.0f} | {groups['libc']:,.0f} | {groups['libcrypto']:,.0f} | {groups['zlib']:,.0f} | "
            f"{groups['code lines']:,} | {groups['own code lines']:,} |")
    table = "\n".join(lines) + "\n"
    if args.output:
        pathlib.Path(args.output).write_text(table)
        print(f"wrote {args.output}")
    else:
        print(table)


if __name__ == "__main__":
    main()
