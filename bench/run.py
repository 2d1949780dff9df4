#!/usr/bin/env python3
"""Crumbs benchmark: Crumbs against a hand-written C evhttp baseline and the Flask lesson
app under gunicorn, measured in the same run, interleaved, and written to BENCHMARKS.md.

Pinned runs put every server on core 0 and wrk on core 1 (taskset), one event loop each.
Each round runs every scenario against every server once, back to back, and the next round
runs them in the reverse order (A B C, C B A, ...), so neither server always goes first;
each run starts once the server before it has stopped using the CPU. Every round after the
first starts each server anew (a process keeps where it was placed, its addresses and its
physical pages, and with them a few percent of luck, for its whole life).
The ratio quoted against C is the median of the rounds' ratios: two runs a second apart see
the same machine, while the machine drifts by more than the servers differ from one round to
the next. `--self-check` adds a second copy of the C baseline, pinned and with two loops,
whose ratio to the first shows how far the method itself strays from 1.00 on this machine.

Duets (`--duet-rounds`, Bulej et al., "Duet Benchmarking: Improving Measurement Accuracy in
the Cloud", Empirical Software Engineering 25, 2020) run Crumbs and the C server at the same
time, both pinned to core 0, each loaded by its own wrk on core 1. On a machine whose speed
changes from one second to the next, that is the only way for both to see the same machine;
their ratio is requests per second of CPU the scheduler gave each. On the 2-core Intel Xeon
where it was introduced, the copy of the C server measured 0.87-1.07x the C server in
sequential rounds and 0.997-1.013x in duets (medians of 5 rounds per scenario).
Timings are never asserted: this reports, `make test` checks behaviour.

Usage: bench/run.py [--rounds N] [--duration S] [--warmup S] [--duet-rounds N] [--self-check]
                    [--only-duets] [--million] [--output BENCHMARKS.md]
(`make bench` builds what it needs and runs this.)
"""

import argparse
import datetime
import http.client
import os
import pathlib
import platform
import re
import secrets
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests" / "interop"))
from nginx_runner import Nginx  # noqa: E402
CRUMBS = ROOT / ".build" / "release" / "crumbs"
BASELINE = ROOT / ".build" / "bench-baseline"
WRK_DIR = ROOT / "bench" / "wrk"
SCENARIOS = ["count_with_cookie", "hello_no_cookie", "crumbs", "mix", "distinct_sessions", "first_visit_storm", "page"]
CONNECTIONS = 64


def wait_until_serving(port, process, timeout=20.0):
    # A server left over from an interrupted run would answer in its place.
    time.sleep(0.3)
    if process.poll() is not None:
        raise RuntimeError(f"server on {port} exited with {process.returncode} (is the port taken?)")
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on {port} exited with {process.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/crumbs", timeout=1).read()
            return
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"server on {port} did not answer")


class Server:
    def __init__(self, name, command, port, cpus):
        self.name, self.port = name, port
        self.command = (["taskset", "-c", cpus] if cpus else []) + command
        self.start()

    def start(self):
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, start_new_session=True
        )
        wait_until_serving(self.port, self.process)

    def restart(self, warmup, cpus, threads=1):
        """A fresh process, warmed up with `warmup` seconds of the mix and of the distinct
        sessions (every code path of the scenarios, zlib's included). One process keeps where
        it was placed for its life (code and libraries at addresses chosen anew at each
        start, memory on the physical pages it was given), and the same binary measured 0.87× and
        0.94× the C server in two runs a few minutes apart, each with rounds as tight as
        ±0.01: a run that starts each server once measures the luck of those pages. A new
        process each round makes the median over the rounds measure the servers."""
        self.stop()
        self.start()
        for scenario in ("mix", "distinct_sessions"):
            wrk(self.port, scenario, warmup, cpus, threads=threads)
        self.wait_until_idle()

    def pids(self):
        """The server and its children (gunicorn's worker)."""
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout.split()
        return [self.process.pid] + [int(pid) for pid in children]

    def cpu_ticks(self):
        total = 0
        for pid in self.pids():
            try:
                fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
            except (FileNotFoundError, IndexError):
                pass
        return total

    def cpu_ns(self):
        """Time on a CPU, every thread of the server and its children, in nanoseconds
        (/proc/PID/task/TID/schedstat: exact, where /proc/PID/stat counts 10 ms ticks)."""
        total = 0
        for pid in self.pids():
            for stat in pathlib.Path(f"/proc/{pid}/task").glob("*/schedstat"):
                try:
                    total += int(stat.read_text().split()[0])
                except (FileNotFoundError, IndexError, ValueError):
                    pass
        return total

    def wait_until_idle(self, timeout=5.0):
        """Returns once the server has used no CPU for 100 ms. gunicorn goes on answering the
        requests queued when wrk stops for a fraction of a second, on the core the next server
        is measured on."""
        deadline = time.time() + timeout
        ticks = self.cpu_ticks()
        while time.time() < deadline:
            time.sleep(0.1)
            now = self.cpu_ticks()
            if now == ticks:
                return
            ticks = now

    def status_kib(self, field):
        """A /proc/PID/status memory field, summed over the server and its children."""
        total = 0
        for pid in self.pids():
            try:
                status = pathlib.Path(f"/proc/{pid}/status").read_text()
                total += int(re.search(rf"{field}:\s+(\d+)", status).group(1))
            except (FileNotFoundError, AttributeError):
                pass
        return total

    def rss_kib(self):
        """Resident memory of the server and its children (gunicorn's worker)."""
        return self.status_kib("VmRSS")

    def anon_kib(self):
        """Anonymous resident memory of the server and its children: what the processes
        allocated (heap, stacks), without the file-backed pages of binaries and libraries,
        which the kernel can drop and other processes share."""
        return self.status_kib("RssAnon")

    def rss_parts_kib(self):
        """(anonymous, file-backed) resident memory of the server process: what it allocated,
        and the pages of its binary and libraries it has touched."""
        status = pathlib.Path(f"/proc/{self.process.pid}/status").read_text()
        return tuple(int(re.search(rf"{field}:\s+(\d+)", status).group(1)) for field in ("RssAnon", "RssFile"))

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


def parse_duration(text):
    value, unit = float(re.match(r"[\d.]+", text).group()), re.search(r"[a-z]+$", text).group()
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk_command(port, scenario, duration, cpus, threads=1, connections=CONNECTIONS):
    return (["taskset", "-c", cpus] if cpus else []) + [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
        "-s", str(WRK_DIR / f"{scenario}.lua"), f"http://127.0.0.1:{port}",
    ]


def wrk(port, scenario, duration, cpus, threads=1, connections=CONNECTIONS, env=None):
    command = wrk_command(port, scenario, duration, cpus, threads, connections)
    out = subprocess.run(command, capture_output=True, text=True, check=True, env={**os.environ, **(env or {})}).stdout
    return wrk_result(out, command)


def wrk_result(out, command):
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    # The latency distribution's lines, not the "+/- Stdev" column of the thread table.
    p50 = parse_duration(re.search(r"^\s+50%\s+(\S+)$", out, re.MULTILINE).group(1))
    p99 = parse_duration(re.search(r"^\s+99%\s+(\S+)$", out, re.MULTILINE).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non2xx.group(1)) if non2xx else 0
    return {"rps": rps, "p50": p50, "p99": p99, "errors": errors, "requests": requests, "command": command}


def prepare(workdir, seed, python):
    """What every scenario needs, in `workdir`: a fresh key (0600), a session cookie signed
    with it (CRUMBS_COOKIE), 1,000 distinct ones (the file CRUMBS_COOKIES names) and the
    page for the C baseline. Returns (key file, cookie, cookies file, page file)."""
    key_file = workdir / "secret_key"
    key_file.write_bytes(secrets.token_bytes(32))
    key_file.chmod(0o600)
    cookie = subprocess.run(
        [str(CRUMBS), "sign", '{"count":0,"goodnight":"Moon","hello":"World"}', "--secret-key-file", str(key_file)],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    os.environ["CRUMBS_COOKIE"] = cookie
    os.environ["CRUMBS_SECRET_KEY_FILE"] = str(key_file)
    cookies_file = workdir / "distinct_cookies"
    cookies_file.write_text("".join(f"session={c}; mouse=Cookie\n" for c in distinct_cookies(key_file, seed, python)))
    os.environ["CRUMBS_COOKIES"] = str(cookies_file)
    page_file = workdir / "page"
    save_page(key_file, page_file)
    return key_file, cookie, cookies_file, page_file


def distinct_cookies(key_file, seed, python):
    """1,000 session cookies signed by Flask itself with the bench's key, each the lesson's
    session with a distinct count drawn with `seed`; one in ten has a longer hello, which
    makes it no default session, so zlib is tried for it (and a few arrive compressed)."""
    script = (
        "import random, sys\n"
        "from flask import Flask\n"
        "app = Flask('bench')\n"
        "app.secret_key = open(sys.argv[1], 'rb').read()\n"
        "serializer = app.session_interface.get_signing_serializer(app)\n"
        "counts = random.Random(int(sys.argv[2])).sample(range(1_000_000), 1000)\n"
        "with app.app_context():\n"
        "    for i, count in enumerate(counts):\n"
        "        hello = 'World' if i % 10 else 'World, and every mouse that ever followed crumbs'\n"
        "        print(serializer.dumps({'count': count, 'goodnight': 'Moon', 'hello': hello}))\n"
    )
    out = subprocess.run([python, "-c", script, str(key_file), str(seed)], capture_output=True, text=True, check=True)
    return out.stdout.split()


def save_page(key_file, page_file):
    """The page as Crumbs serves it (headers but Date and Content-Length, a blank line, the
    body), for the C baseline to serve the same bytes."""
    server = Server("Crumbs", [str(CRUMBS), "--port", "18119", "--secret-key-file", str(key_file)], 18119, None)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", 18119, timeout=10)
        connection.request("GET", "/")
        response = connection.getresponse()
        body = response.read()
        headers = "".join(f"{name}: {value}\n" for name, value in response.getheaders()
                          if name.lower() not in ("date", "content-length"))
        page_file.write_bytes(headers.encode() + b"\n" + body)
    finally:
        server.stop()


def reply(port, path, cookie):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    body = response.read()
    headers = [(name, value) for name, value in response.getheaders() if name.lower() != "date"]
    connection.close()
    return response.status, headers, body


def check_same_replies(servers, cookie, cookies_file):
    """Every scenario's requests get the same status, headers (Date aside) and body from the
    C baseline as from Crumbs, each of the 1,000 distinct sessions included: the two do the
    same work. Signed cookies carry the second, so a pair that straddles one is asked again."""
    distinct = cookies_file.read_text().splitlines()
    cases = [("/sessions/count", f"session={cookie}; mouse=Cookie"), ("/sessions/hello", None),
             ("/crumbs", f"session={cookie}; mouse=Cookie"), ("/sessions/goodnight", f"session={cookie}; mouse=Cookie"),
             ("/", None)] + [("/sessions/count", line) for line in distinct]
    for path, cookie_header in cases:
        # Asked again for up to two seconds: the two servers read the clock a moment apart,
        # and a second may begin in between.
        deadline = time.monotonic() + 2
        while True:
            replies = [reply(servers[name].port, path, cookie_header) for name in ("C baseline", "Crumbs")]
            if replies[0] == replies[1] or time.monotonic() > deadline:
                break
        if replies[0] != replies[1]:
            raise SystemExit(f"the C baseline and Crumbs answer {path} ({cookie_header}) differently:\n"
                             f"{replies[0]}\n{replies[1]}")
    print(f"same replies from the C baseline and Crumbs: {len(cases)} requests", flush=True)


def server_command(name, port, key_file, page_file, threads=1):
    """Crumbs, or the C baseline (or its copy), on `port` with `threads` event loops."""
    if name == "Crumbs":
        return [str(CRUMBS), "--port", str(port), "--threads", str(threads), "--secret-key-file", str(key_file)]
    return [str(BASELINE), str(port), str(key_file), str(threads), str(page_file)]


def duet(first, second, scenario, duration, cpus, threads=1):
    """One wrk per server, started together: both servers on the same cores at the same time
    (duet benchmarking, Bulej et al., 2020), so whatever the machine does to one it does to the
    other. Returns each server's run, with the CPU time it was given (`cpu`, seconds)."""
    before = {server.name: server.cpu_ns() for server in (first, second)}
    commands = {server.name: wrk_command(server.port, scenario, duration, cpus, threads) for server in (first, second)}
    processes = {name: subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for name, command in commands.items()}
    runs = {}
    for name, process in processes.items():
        out, _ = process.communicate()
        if process.returncode != 0:
            raise subprocess.CalledProcessError(process.returncode, commands[name], out)
        runs[name] = wrk_result(out, commands[name])
    for server in (first, second):
        runs[server.name]["cpu"] = (server.cpu_ns() - before[server.name]) / 1e9
        server.wait_until_idle()
    return runs[first.name], runs[second.name]


def duet_suite(args, key_file, page_file, commands):
    """Crumbs and the C server in duets, and with `--self-check` the copy of the C server and
    the C server: every server pinned to core 0 with one loop, both wrk to core 1. Rounds as
    in the sequential runs: every server started anew for each round after the first, the
    two duets of a scenario in the reverse order and the other wrk started first every other
    round. Returns {(other, scenario): [(C's run, other's run), ...]}."""
    names = ["C baseline", "Crumbs"] + (["C baseline (copy)"] if args.self_check else [])
    servers = {}
    for offset, name in enumerate(names):
        port = 18120 + offset
        command = server_command(name, port, key_file, page_file)
        servers[name] = Server(name, command, port, "0")
        commands[(name, "server, duet")] = command
    pairs = {}
    try:
        for server in servers.values():
            for scenario in SCENARIOS:
                wrk(server.port, scenario, args.warmup, "1")
            server.wait_until_idle()
        others = names[1:]
        for round_number in range(args.duet_rounds):
            if round_number:
                for server in servers.values():
                    server.restart(args.round_warmup, "1")
            for scenario in SCENARIOS:
                for other in (others if round_number % 2 == 0 else reversed(others)):
                    c, x = servers["C baseline"], servers[other]
                    if round_number % 2 == 0:
                        c_run, other_run = duet(c, x, scenario, args.duration, "1")
                    else:
                        other_run, c_run = duet(x, c, scenario, args.duration, "1")
                    pairs.setdefault((other, scenario), []).append((c_run, other_run))
                    commands[(other, scenario, "duet")] = other_run["command"]
                    print(f"duet round {round_number + 1} {scenario:18} C {c_run['rps']:9.0f} rps "
                          f"p99 {c_run['p99']:.2f} ms {c_run['cpu']:.3f} s CPU | {other:17} {other_run['rps']:9.0f} rps "
                          f"p99 {other_run['p99']:.2f} ms {other_run['cpu']:.3f} s CPU | per CPU second "
                          f"{efficiency_ratio(c_run, other_run):.3f}x, requests/s {other_run['rps'] / c_run['rps']:.3f}x",
                          flush=True)
    finally:
        for server in servers.values():
            server.stop()
    for (other, scenario), runs in pairs.items():
        ratios = [efficiency_ratio(c, x) for c, x in runs]
        print(f"duet median {scenario:18} {other:17} {median(ratios):.3f}x C per CPU second (range {min(ratios):.3f}-"
              f"{max(ratios):.3f}), requests/s {median([x['rps'] / c['rps'] for c, x in runs]):.3f}x, "
              f"p99 {median([x['p99'] / c['p99'] for c, x in runs]):.2f}x", flush=True)
    return pairs


def efficiency_ratio(c_run, other_run):
    """Requests a CPU second, of the other server against C's, in one duet. The scheduler
    shares the core evenly only on average (one server is given a slice more than the other
    in some duets: 1.49 s against 1.59 s in 3 s runs), and this corrects for it."""
    return (other_run["requests"] / other_run["cpu"]) / (c_run["requests"] / c_run["cpu"])


def duet_report(args, duets):
    """The duets' section of the report."""
    if not duets:
        return []
    return [
        "",
        "## Duets: pinned, one loop, both servers at once",
        "",
        f"Crumbs and the C server on core 0 at the same time, each loaded by its own wrk (both on core 1, "
        f"{CONNECTIONS} connections each, started together), {args.duet_rounds} rounds of {args.duration} s, "
        "every server started anew for each round after the first; with `--self-check` a copy of the C server "
        "is set against it in the same way, in the same rounds. Whatever the machine does to one server in a "
        "duet it does to the other at the same moment. \"Per CPU second\" is the ratio of requests served per "
        "second of CPU the scheduler gave each server in the duet (/proc/PID/task/*/schedstat): what a request "
        "costs each, on the same core at the same time, corrected for the scheduler's uneven slices (the "
        "ratio of requests/s is beside it). The copy's column is this method's own error.",
        "",
    ] + duet_table(duets)


def duet_table(pairs):
    """A row per scenario: Crumbs against C, and the copy against C, as medians of the duets."""
    rows = [
        "| scenario | C requests/s | Crumbs requests/s | Crumbs vs C, per CPU second | middle half | lowest–highest | "
        "requests/s vs C | p99 vs C | copy vs C, per CPU second | copy lowest–highest | copy p99 vs C |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario in SCENARIOS:
        runs = pairs.get(("Crumbs", scenario))
        if not runs:
            continue
        ratios = [efficiency_ratio(c, x) for c, x in runs]
        low, high = middle_half(ratios)
        copy = pairs.get(("C baseline (copy)", scenario), [])
        copy_ratios = [efficiency_ratio(c, x) for c, x in copy]
        copy_cells = (f"{median(copy_ratios):.3f}× | {min(copy_ratios):.3f}–{max(copy_ratios):.3f}× | "
                      f"{median([x['p99'] / c['p99'] for c, x in copy]):.2f}×") if copy else "– | – | –"
        rows.append(
            f"| {scenario} | {median([c['rps'] for c, _ in runs]):,.0f} | {median([x['rps'] for _, x in runs]):,.0f} | "
            f"{median(ratios):.3f}× | {low:.3f}–{high:.3f}× | {min(ratios):.3f}–{max(ratios):.3f}× | "
            f"{median([x['rps'] / c['rps'] for c, x in runs]):.3f}× | "
            f"{median([x['p99'] / c['p99'] for c, x in runs]):.2f}× | {copy_cells} |")
    return rows


def median(values):
    return statistics.median(values) if values else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--duration", type=int, default=2, help="seconds per wrk run")
    parser.add_argument("--self-check", action="store_true",
                        help="also run a second C baseline, to measure the method's own error (an A/A test)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of each scenario run first, not recorded")
    parser.add_argument("--round-warmup", type=int, default=1,
                        help="seconds of the mix and of the distinct sessions run by each server started anew for a "
                             "round, not recorded")
    parser.add_argument("--million", action="store_true", help="also measure RSS after 1,000,000 requests")
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--store-rounds", type=int, default=7, help="rounds of the Redis store suite")
    parser.add_argument("--two-loop-rounds", type=int, default=5, help="rounds of the unpinned two-loop comparison")
    parser.add_argument("--duet-rounds", type=int, default=9,
                        help="rounds of duets, Crumbs and the C server measured at the same time on the same core")
    parser.add_argument("--only-duets", action="store_true", help="run the duets alone (a quick check of a change)")
    parser.add_argument("--only-store", action="store_true", help="run the Redis store suite alone")
    parser.add_argument("--skip-store", action="store_true", help="leave the Redis store suite out")
    parser.add_argument("--seed", type=int, default=None, help="seed of the distinct sessions' counts (printed)")
    parser.add_argument("--profile", action="store_true",
                        help="also run bench/profile.py (CPU and instructions per request, under valgrind) and "
                             "add its table")
    args = parser.parse_args()

    workdir = pathlib.Path(tempfile.mkdtemp(prefix="crumbs-bench-"))
    seed = args.seed if args.seed is not None else secrets.randbelow(2**32)
    print(f"distinct sessions: seed {seed} (--seed {seed} draws the same counts)", flush=True)
    key_file, cookie, cookies_file, page_file = prepare(workdir, seed, args.python)
    definitions = {
        "C baseline": ([str(BASELINE), "18101", str(key_file), "1", str(page_file)], 18101),
        "Crumbs": ([str(CRUMBS), "--port", "18102", "--threads", "1", "--secret-key-file", str(key_file)], 18102),
        "C baseline (copy)": ([str(BASELINE), "18109", str(key_file), "1", str(page_file)], 18109),
        "Flask+gunicorn": (
            [args.python, "-m", "gunicorn", "-w", "1", "-b", "127.0.0.1:18103", "--chdir", str(ROOT / "Tests" / "interop"),
             "--log-level", "warning", "lesson_app:from_environment()"],
            18103,
        ),
    }
    if not args.self_check:
        del definitions["C baseline (copy)"]
    if args.only_duets:
        commands = {}
        duets = duet_suite(args, key_file, page_file, commands)
        pathlib.Path(args.output).write_text("\n".join(["# Duets", ""] + duet_report(args, duets)[1:] + [""]))
        print(f"wrote {args.output}")
        return
    if args.only_store:
        store = store_suite(args, key_file, workdir, {})
        write_store_report(args, store)
        return
    results = {}  # (server, scenario) -> list of runs
    commands = {}
    servers = {}
    try:
        for name, (command, port) in definitions.items():
            servers[name] = Server(name, command, port, "0")
            commands[(name, "server")] = servers[name].command
        check_same_replies(servers, cookie, cookies_file)
        # A first, unrecorded run of every scenario: the first seconds of a fresh process
        # (page faults, caches, allocator growth) belong to no round.
        for name, server in servers.items():
            for scenario in (["mix"] if name == "Flask+gunicorn" else SCENARIOS):
                wrk(server.port, scenario, args.warmup, "1")
            server.wait_until_idle()
        in_turn = list(servers.items())
        for round_number in range(args.rounds):
            if round_number:
                for name, server in servers.items():
                    if name != "Flask+gunicorn":  # (35x slower: the luck of its pages is lost in that)
                        server.restart(args.round_warmup, "1")
            for scenario in SCENARIOS:
                for name, server in (in_turn if round_number % 2 == 0 else reversed(in_turn)):
                    if name == "Flask+gunicorn" and scenario != "mix":
                        continue
                    run = wrk(server.port, scenario, args.duration, "1")
                    server.wait_until_idle()
                    results.setdefault((name, scenario), []).append(run)
                    commands[(name, scenario)] = run["command"]
                    print(f"round {round_number + 1} {scenario:18} {name:15} {run['rps']:10.0f} rps "
                          f"p50 {run['p50']:.2f} ms p99 {run['p99']:.2f} ms errors {run['errors']}", flush=True)
        rss = {name: (server.rss_kib(), server.anon_kib()) for name, server in servers.items()}
        for row in pinned_summary(results, rss):
            print(f"median {row['scenario']:18} {row['name']:15} {row['rps']:10.0f} rps p50 {row['p50']:.2f} ms "
                  f"p99 {row['p99']:.2f} ms errors {row['errors']} RSS {row['rss']} KiB (anonymous {row['anon']} KiB) {row['paired']:.2f}x C "
                  f"(middle half of the rounds {row['paired_low']:.2f}-{row['paired_high']:.2f}x, "
                  f"ratio of the medians {row['ratio']:.2f}x)",
                  flush=True)
        flask_ratios = round_ratios(results[("Crumbs", "mix")], results[("Flask+gunicorn", "mix")])
        print(f"mix: Crumbs {median(flask_ratios):.1f}x Flask+gunicorn (median of the rounds' ratios)", flush=True)
        ab = {}
        for name in ("C baseline", "Crumbs"):
            command = ["taskset", "-c", "1", "ab", "-q", "-k", "-n", "100000", "-c", str(CONNECTIONS),
                       # ab keeps only the last -C, so both cookies go in one.
                       "-C", f"session={cookie}; mouse=Cookie",
                       f"http://127.0.0.1:{servers[name].port}/sessions/count"]
            out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            ab[name] = float(re.search(r"Requests per second:\s+([\d.]+)", out).group(1))
            commands[(name, "ab")] = command
            print(f"ab -k {name:15} {ab[name]:10.0f} rps", flush=True)
    finally:
        for server in servers.values():
            server.stop()

    # Duets: Crumbs and the C server at the same time on the same core.
    duets = duet_suite(args, key_file, page_file, commands) if args.duet_rounds else {}

    # Unpinned, two event loops against the C baseline with two threads, wrk -t2 on the same
    # two cores, rounds interleaved as above.
    unpinned = {}
    two_loops = {
        "C baseline": Server("C baseline", [str(BASELINE), "18114", str(key_file), "2", str(page_file)], 18114, None),
        "Crumbs": Server("Crumbs", [str(CRUMBS), "--port", "18104", "--threads", "2", "--secret-key-file", str(key_file)],
                         18104, None),
    }
    if args.self_check:
        # The A/A check of this method too: how far two identical servers drift apart when
        # they and wrk share the two cores.
        two_loops["C baseline (copy)"] = Server(
            "C baseline (copy)", [str(BASELINE), "18115", str(key_file), "2", str(page_file)], 18115, None)
    try:
        for name, server in two_loops.items():
            commands[(name, "server, two loops")] = server.command
            for scenario in SCENARIOS:
                wrk(server.port, scenario, args.warmup, None, threads=2)
        in_turn = list(two_loops.items())
        for round_number in range(args.two_loop_rounds):
            if round_number:
                for server in two_loops.values():
                    server.restart(args.round_warmup, None, threads=2)
            for scenario in SCENARIOS:
                for name, server in (in_turn if round_number % 2 == 0 else reversed(in_turn)):
                    run = wrk(server.port, scenario, args.duration, None, threads=2)
                    server.wait_until_idle()
                    unpinned.setdefault((name, scenario), []).append(run)
                    commands[(name, scenario, "two loops")] = run["command"]
                    print(f"two loops round {round_number + 1} {scenario:18} {name:15} {run['rps']:10.0f} rps "
                          f"p99 {run['p99']:.2f} ms errors {run['errors']}", flush=True)
    finally:
        for server in two_loops.values():
            server.stop()

    # Through nginx (deploy/nginx-crumbs.conf) to two instances, one loop each, unpinned.
    behind_nginx = {}
    instances = [
        Server("Crumbs", [str(CRUMBS), "--port", str(port), "--threads", "1", "--secret-key-file", str(key_file)], port, None)
        for port in (18106, 18107)
    ]
    nginx_dir = workdir / "nginx"
    nginx_dir.mkdir()
    nginx = Nginx(nginx_dir, [18106, 18107], 18108)
    try:
        for scenario in ("count_with_cookie", "mix"):
            behind_nginx[scenario] = wrk(18108, scenario, args.duration, None, threads=2)
            print(f"nginx + 2 instances {scenario:18} {behind_nginx[scenario]['rps']:10.0f} rps", flush=True)
    finally:
        nginx.stop()
        for instance in instances:
            instance.stop()

    million = None
    if args.million:
        server = Server("Crumbs", [str(CRUMBS), "--port", "18105", "--threads", "1", "--secret-key-file", str(key_file)],
                        18105, "0")
        try:
            served = wrk(18105, "mix", 10, "1")["requests"]
            anon_at_first = (served, server.anon_kib())
            while served < 1_000_000:
                served += wrk(18105, "mix", 10, "1")["requests"]
            million = (served, server.rss_kib(), *server.rss_parts_kib(), *anon_at_first)
            print(f"RSS after {served} requests: {million[1]} KiB (anonymous {million[2]}, file-backed {million[3]}); "
                  f"anonymous after the first {anon_at_first[0]} requests: {anon_at_first[1]} KiB", flush=True)
        finally:
            server.stop()

    store = None if args.skip_store else store_suite(args, key_file, workdir, results)
    profile = None
    if args.profile:
        subprocess.run([sys.executable, str(ROOT / "bench" / "profile.py"), "--output", str(workdir / "profile.md")],
                       check=True)
        profile = (workdir / "profile.md").read_text()
    write_report(args, results, rss, ab, unpinned, duets, behind_nginx, million, commands, store, seed, profile)


STORE_SCENARIOS = {
    # scenario: (wrk script, the cookie-mode scenario it is set against)
    "store_one_session": ("store_one_session", "count_with_cookie"),
    "store_many_sessions": ("store_many_sessions", "count_with_cookie"),
    "store_new_visitors": ("hello_no_cookie", "hello_no_cookie"),
    "store_crumbs": ("store_crumbs", "crumbs"),
}


def redis_commands(client, server_name):
    """Commands the server sent Redis so far (INFO aside). Redis also counts the commands a
    Lua script runs: Crumbs sends no GET or SETEX of its own, only inside its compare-and-set
    script, so for Crumbs those are part of the EVALSHA that ran them, not commands sent; so
    is TIME, but for the one a loop sends every 30 s to measure Redis' clock."""
    stats = client.info("commandstats")
    inside_scripts = ("cmdstat_time", "cmdstat_get", "cmdstat_setex") if server_name.startswith("Crumbs") else ()
    return sum(fields["calls"] for name, fields in stats.items()
               if not name.startswith(("cmdstat_info", "cmdstat_config")) and name not in inside_scripts)


def store_suite(args, key_file, workdir, cookie_results):
    """Crumbs --store against the lesson app on Flask-Session 0.8 + gunicorn (1 worker), on
    the same redis-server, pinned and interleaved as above: requests/s, latencies, and Redis
    commands per request (from INFO commandstats around each run)."""
    import redis

    folder = pathlib.Path(tempfile.mkdtemp(prefix="crumbs-redis-"))
    socket_path = folder / "redis.sock"
    redis_process = subprocess.Popen(
        ["taskset", "-c", "1", "redis-server", "--port", "0", "--unixsocket", str(socket_path), "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(unix_socket_path=str(socket_path))
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    os.environ["CRUMBS_REDIS_SOCKET"] = str(socket_path)
    definitions = {
        "Crumbs --store": ([str(CRUMBS), "--port", "18111", "--threads", "1", "--secret-key-file", str(key_file),
                            "--store", f"unix://{socket_path}"], 18111),
        "Flask-Session+gunicorn": (
            [args.python, "-m", "gunicorn", "-w", "1", "-b", "127.0.0.1:18112", "--chdir", str(ROOT / "Tests" / "interop"),
             "--log-level", "warning", "lesson_app:store_from_environment()"], 18112),
    }
    servers, results, commands, env = {}, {}, {}, {}
    try:
        for name, (command, port) in definitions.items():
            servers[name] = Server(name, command, port, "0")
            commands[(name, "server")] = servers[name].command
            # One session to hammer, and 1,000 to take in turn, made by the server itself.
            sids = []
            for _ in range(1001):
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/sessions/hello", timeout=10) as response:
                    cookie = response.headers["Set-Cookie"]
                sids.append(re.match(r"session=([^;]+)", cookie).group(1))
            sid_file = workdir / f"sids-{port}"
            sid_file.write_text("\n".join(sids[1:]) + "\n")
            env[name] = {"CRUMBS_STORE_SID": sids[0], "CRUMBS_STORE_SIDS": str(sid_file)}
        for name, server in servers.items():
            for scenario, (script, _) in STORE_SCENARIOS.items():
                wrk(server.port, script, args.warmup, "1", env=env[name])
            server.wait_until_idle()
        in_turn = list(servers.items())
        for round_number in range(args.store_rounds):
            for scenario, (script, _) in STORE_SCENARIOS.items():
                for name, server in (in_turn if round_number % 2 == 0 else reversed(in_turn)):
                    before = redis_commands(client, name)
                    run = wrk(server.port, script, args.duration, "1", env=env[name])
                    server.wait_until_idle()
                    run["redis_per_request"] = (redis_commands(client, name) - before) / max(run["requests"], 1)
                    results.setdefault((name, scenario), []).append(run)
                    commands[(name, scenario)] = run["command"]
                    print(f"store round {round_number + 1} {scenario:20} {name:22} {run['rps']:10.0f} rps "
                          f"p50 {run['p50']:.2f} ms p99 {run['p99']:.2f} ms errors {run['errors']} "
                          f"Redis commands/request {run['redis_per_request']:.2f}", flush=True)
    finally:
        for server in servers.values():
            server.stop()
        redis_process.kill()
        redis_process.wait()
    rows = []
    for scenario, (_, cookie_scenario) in STORE_SCENARIOS.items():
        crumbs_runs, flask_runs = results[("Crumbs --store", scenario)], results[("Flask-Session+gunicorn", scenario)]
        cookie_runs = cookie_results.get(("Crumbs", cookie_scenario), [])
        for name, runs in (("Crumbs --store", crumbs_runs), ("Flask-Session+gunicorn", flask_runs)):
            rows.append({
                "scenario": scenario, "name": name, "rps": median([r["rps"] for r in runs]),
                "p50": median([r["p50"] for r in runs]), "p99": median([r["p99"] for r in runs]),
                "errors": sum(r["errors"] for r in runs),
                "redis": median([r["redis_per_request"] for r in runs]),
                "vs_flask": median(round_ratios(runs, flask_runs)),
                "vs_cookie": (median([r["rps"] for r in runs]) / median([r["rps"] for r in cookie_runs])
                              if cookie_runs and name == "Crumbs --store" else None),
            })
            print(f"store median {scenario:20} {name:22} {rows[-1]['rps']:10.0f} rps p99 {rows[-1]['p99']:.2f} ms "
                  f"Redis/request {rows[-1]['redis']:.2f} {rows[-1]['vs_flask']:.1f}x Flask-Session", flush=True)
    return {"rows": rows, "commands": commands}


def store_table(store):
    lines = [
        "", "## Sessions in Redis (`--store`), against Flask-Session + gunicorn", "",
        "Crumbs (`--store`, one loop) and the lesson app on Flask-Session 0.8 under gunicorn (1 sync worker), both "
        "pinned to core 0, wrk and redis-server on core 1, the same redis-server (unix socket), rounds interleaved as "
        "above. Redis commands per request are the commands each server sent, counted with `INFO commandstats` around each run (the TIME, GET and SETEX that Crumbs' compare-and-set script runs inside Redis are part of its one EVALSHA; a new session is one SET NX). \"vs cookie mode\" "
        "sets Crumbs with the store against Crumbs with signed cookies on the matching route of the pinned run above.",
        "",
        "| scenario | server | requests/s | p50 ms | p99 ms | errors | Redis commands/request | vs Flask-Session | vs cookie mode |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in store["rows"]:
        cookie = f"{row['vs_cookie']:.2f}×" if row["vs_cookie"] else "–"
        lines.append(
            f"| {row['scenario']} | {row['name']} | {row['rps']:,.0f} | {row['p50']:.2f} | {row['p99']:.2f} | "
            f"{row['errors']} | {row['redis']:.2f} | {row['vs_flask']:.1f}× | {cookie} |")
    lines += ["", "Scenarios: `store_one_session` (GET /sessions/count, one stored session, every request changes "
              "it), `store_many_sessions` (the same over 1,000 stored sessions in turn), `store_new_visitors` "
              "(GET /sessions/hello without a cookie: a new stored session each), `store_crumbs` (GET /crumbs with "
              "a stored session's cookie).",
              "", "The Flask side runs gunicorn's sync worker, as the goal is stated (one worker, the same cores); a "
              "gthread worker with 8 threads measured no faster on this machine (1.2–1.8k requests/s either way, "
              "interleaved by hand), so it would not make a stronger baseline."]
    return lines


def write_store_report(args, store):
    lines = ["# Benchmarks (Redis store only)", "", f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}"]
    lines += store_table(store)
    lines += ["", "## Commands", "", "```"] + [shlex.join(c) for c in store["commands"].values()] + ["```", ""]
    pathlib.Path(args.output).write_text("\n".join(lines))
    print(f"wrote {args.output}")


def scenario_table(title, runs):
    lines = ["", f"## {title}", "", "| scenario | requests/s | p50 ms | p99 ms | errors |", "|---|---:|---:|---:|---:|"]
    for scenario, run in runs.items():
        lines.append(f"| {scenario} | {run['rps']:,.0f} | {run['p50']:.2f} | {run['p99']:.2f} | {run['errors']} |")
    return lines


def round_ratios(runs, base_runs):
    """Each round's ratio of one server to another: the two ran back to back."""
    return [run["rps"] / base["rps"] for run, base in zip(runs, base_runs)]


def middle_half(values):
    """The first and third quartiles."""
    quartiles = statistics.quantiles(values, n=4) if len(values) > 1 else values * 3
    return quartiles[0], quartiles[2]


def pinned_summary(results, rss):
    """A row per server and scenario: the medians of the pinned rounds, and the ratio to C as
    the median of the rounds' ratios with their middle half (the ratio of the medians is kept
    beside it; it mixes rounds the machine ran at different speeds)."""
    rows = []
    for scenario in SCENARIOS:
        base_runs = results.get(("C baseline", scenario), [])
        base = median([r["rps"] for r in base_runs])
        for name in ("C baseline", "C baseline (copy)", "Crumbs", "Flask+gunicorn"):
            runs = results.get((name, scenario))
            if not runs:
                continue
            rps = median([r["rps"] for r in runs])
            ratios = round_ratios(runs, base_runs)
            low, high = middle_half(ratios)
            rows.append({
                "scenario": scenario, "name": name, "rps": rps, "p50": median([r["p50"] for r in runs]),
                "p99": median([r["p99"] for r in runs]), "errors": sum(r["errors"] for r in runs), "rss": rss[name][0],
                "anon": rss[name][1],
                "ratio": rps / base, "paired": median(ratios), "paired_low": low, "paired_high": high,
                "p99_vs_c": median([r["p99"] for r in runs]) / median([r["p99"] for r in base_runs]),
            })
    return rows


def write_report(args, results, rss, ab, unpinned, duets, behind_nginx, million, commands, store, seed, profile=None):
    cpu = re.search(r"model name\s*:\s*(.*)", pathlib.Path("/proc/cpuinfo").read_text())
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run.py`); numbers from one run on the machine below. "
        "Timings are reported here, never asserted in tests.",
        "",
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}",
        f"- machine: {os.cpu_count()} cores, {cpu.group(1) if cpu else platform.processor()}, Linux {platform.release()}",
        f"- method: {args.warmup} s of each scenario per server first (not recorded), then "
        f"{args.rounds} rounds, {args.duration} s per run, {CONNECTIONS} connections, servers pinned to core 0 "
        "and wrk to core 1 with taskset, one event loop; every C and Crumbs server is started anew for each round "
        f"after the first and warmed up with {args.round_warmup} s of the mix and of the distinct sessions (not "
        "recorded), since a process keeps where it was placed (addresses, physical pages) and with it a few "
        "percent of luck; "
        "within a round the servers run back to back, in the "
        "reverse order every other round, each once the one before has gone idle; requests/s and latencies are "
        "medians of the rounds; \"vs C\" is the median of the rounds' ratios (each round's two runs are seconds "
        "apart, so they see the same machine), with the middle half of those ratios and, last, the ratio of the "
        "medians",
        "- servers: `crumbs` (release build, `--threads 1`); `bench/baseline.c`, the strongest honest C found: "
        "the same work by hand on evhttp (cookie parsing, HMAC-SHA1 verify and sign with a keyed OpenSSL context per "
        "loop, the same JSON and cookie bytes, checked at the start of every run, Crumbs' default header/body limits "
        "and 10 s timeout) with every shortcut that keeps Flask's bytes: zlib skipped for the lesson's default "
        "sessions (proven for all million of them), the 512-byte deflate table where it writes the same bytes, "
        "table-driven base64 four characters to three bytes a step, integers two digits at a time, a default "
        "session read by its count alone, cookie pairs split with glibc's strchrnul and memchr, no printf, "
        "the body written on the stack and added to the request's own buffer in one piece, Content-Length "
        "written from its digits, the Date header formatted once a second and each reply written to the socket "
        "as soon as it is made instead of on epoll's word that it is writable (as Crumbs' transport does all "
        "three); the Flask lesson app "
        "under gunicorn (1 sync worker, mix only)",
        "- scenarios (`bench/wrk/*.lua`): `count_with_cookie` (valid session and mouse cookie: verify + sign per "
        "request), `hello_no_cookie` (first visit: sign), `crumbs` (echo cookies, set mouse), `mix` (count, hello, "
        "crumbs, count, goodnight), `distinct_sessions` (count over 1,000 distinct sessions signed by Flask with the "
        f"bench's key, one per request in turn, counts drawn with seed {seed}; one in ten has a longer hello, so it is "
        "no default session: zlib is tried when it is signed, and the few that zlib shortens arrive compressed and "
        "are inflated), `first_visit_storm` (first visits, each on a new connection), `page` (GET /)",
        "",
        "## Pinned, one loop",
        "",
        "| scenario | server | requests/s | p50 ms | p99 ms | p99 vs C | errors | RSS KiB | anonymous KiB | vs C | middle half | ratio of medians |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in pinned_summary(results, rss):
        lines.append(
            f"| {row['scenario']} | {row['name']} | {row['rps']:,.0f} | {row['p50']:.2f} | {row['p99']:.2f} | "
            f"{row['p99_vs_c']:.2f}× | "
            f"{row['errors']} | {row['rss']:,} | {row['anon']:,} | {row['paired']:.2f}× | {row['paired_low']:.2f}–{row['paired_high']:.2f}× | "
            f"{row['ratio']:.2f}× |"
        )
    flask_runs = results.get(("Flask+gunicorn", "mix"), [])
    crumbs_vs_flask = round_ratios(results[("Crumbs", "mix")], flask_runs)
    c_vs_flask = round_ratios(results[("C baseline", "mix")], flask_runs)
    lines += [
        "",
        f"Mix against Flask + gunicorn (1 worker), median of the rounds' ratios: Crumbs "
        f"**{median(crumbs_vs_flask):.1f}×** (middle half {middle_half(crumbs_vs_flask)[0]:.1f}–"
        f"{middle_half(crumbs_vs_flask)[1]:.1f}×), C baseline {median(c_vs_flask):.1f}×.",
        "",
        "Per-round requests/s (to judge the noise):",
        "",
    ]
    for (name, scenario), runs in sorted(results.items()):
        lines.append(f"- {scenario} / {name}: " + ", ".join(f"{r['rps']:,.0f}" for r in runs))
    lines += duet_report(args, duets)
    lines += [
        "",
        "## ab, keep-alive, with cookies",
        "",
        "| server | requests/s | vs C |",
        "|---|---:|---:|",
    ]
    for name, rps in ab.items():
        lines.append(f"| {name} | {rps:,.0f} | {rps / ab['C baseline']:.2f}× |")
    lines += [
        "",
        "## Unpinned, two event loops",
        "",
        f"Crumbs `--threads 2` against the C baseline with two threads (one SO_REUSEPORT socket and loop each), "
        f"wrk `-t2`, all unpinned on the machine's two cores, {args.two_loop_rounds} interleaved rounds; the "
        "servers and wrk share the cores, so this measures the servers and wrk competing for them.",
        "",
        "| scenario | C requests/s | Crumbs requests/s | vs C | middle half | C p99 ms | Crumbs p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario in SCENARIOS:
        c_runs, crumbs_runs = unpinned.get(("C baseline", scenario), []), unpinned.get(("Crumbs", scenario), [])
        if not c_runs or not crumbs_runs:
            continue
        ratios = round_ratios(crumbs_runs, c_runs)
        low, high = middle_half(ratios)
        lines.append(
            f"| {scenario} | {median([r['rps'] for r in c_runs]):,.0f} | {median([r['rps'] for r in crumbs_runs]):,.0f} | "
            f"{median(ratios):.2f}× | {low:.2f}–{high:.2f}× | {median([r['p99'] for r in c_runs]):.2f} | "
            f"{median([r['p99'] for r in crumbs_runs]):.2f} | {sum(r['errors'] for r in c_runs + crumbs_runs)} |")
    copy_rows = []
    for scenario in SCENARIOS:
        c_runs, copy_runs = unpinned.get(("C baseline", scenario), []), unpinned.get(("C baseline (copy)", scenario), [])
        if c_runs and copy_runs:
            ratios = round_ratios(copy_runs, c_runs)
            low, high = middle_half(ratios)
            copy_rows.append(f"| {scenario} | {median(ratios):.2f}× | {low:.2f}–{high:.2f}× | "
                             f"{median([r['p99'] for r in copy_runs]) / median([r['p99'] for r in c_runs]):.2f}× |")
    if copy_rows:
        lines += ["", "The method's own spread here (`--self-check`): a second copy of the C baseline, two threads, "
                  "in the same rounds, against the first.", "",
                  "| scenario | copy vs C | middle half | p99 vs C |", "|---|---:|---:|---:|"] + copy_rows
    lines += scenario_table(
        "Through nginx to two instances (`deploy/nginx-crumbs.conf`, one loop each, all unpinned on two cores)",
        behind_nginx)
    if million:
        lines += ["", f"RSS of Crumbs after {million[0]:,} requests (mix, one loop): {million[1]:,} KiB, of which "
                  f"{million[2]:,} KiB anonymous (heap, stacks) and {million[3]:,} KiB file-backed (the pages of "
                  "the binary and shared libraries it has touched). Anonymous memory after the first "
                  f"{million[4]:,} requests was {million[5]:,} KiB: growth past warm-up is "
                  f"{million[2] - million[5]:+,} KiB."]
    if store:
        lines += store_table(store)
    if profile:
        lines += [
            "", "## Where the time goes", "",
            "`bench/profile.py` (`--profile`), after the runs above: CPU per request from /proc around a pinned "
            "3 s wrk run (user and kernel, the median of three), and instructions per request under callgrind "
            "(whole seconds of wrk with 8 connections after a warm-up, split by where they run; \"own code\" is "
            "the server's binary, with the Swift runtime for Crumbs), and from the same callgrind run the lines "
            "of code a request runs (64-byte lines holding an instruction that runs at least once every two "
            "requests, in all and in the server's own code: each is fetched into the L1 instruction cache again "
            "for each request, after the kernel's network stack has run on the same core). Both servers make the same system calls "
            "per request (strace: one epoll_ctl, one readv, one ioctl, one writev; each writes its reply as soon as it is made), so the kernel's share is the "
            "same work; the difference is user space.", "",
        ] + profile.strip().splitlines()
    lines += ["", "## Commands", "", "```"]
    for key in sorted(commands, key=str):
        lines.append(shlex.join(commands[key]))
    for key in sorted(store["commands"] if store else []):
        lines.append(shlex.join(store["commands"][key]))
    lines += ["```", ""]
    pathlib.Path(args.output).write_text("\n".join(lines))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
