#!/usr/bin/env python3
"""How many 64-byte lines of code and of data one request touches, by where they lie, and
which of the server's own functions touch them: what bench/profile.py's "code lines" count
cannot show (data, and which function first reaches a line).

Between two requests the kernel's network stack runs on the same core and evicts most of
the L1 caches, so every line a request touches is fetched again for each request: fewer
lines, fewer stalls (BENCHMARKS.md, "Where the time goes").

The server runs under valgrind's lackey (every instruction and every load and store); one
keep-alive client sends the scenario's request, warms up with 50, then counts 200. A
request is the stretch between two calls of evhttp_send_reply, which both servers call
once per request; the counts are the median over the requests. A line of code outside
every function (PLT stubs: calls into libevent, libc, libcrypto) is put down to the symbol
before it (`_fini` with lld, `_init` with GNU ld). Slow (about a minute a server) and exact for the requests
run; not part of make bench (make bench builds both servers first).

Usage: bench/footprint.py [--scenario count_with_cookie|hello_no_cookie|crumbs|page]
                          [--server crumbs|baseline] [--functions N]
"""

import argparse
import bisect
import collections
import http.client
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import run  # noqa: E402  (the servers, their command lines and the cookies of make bench)

LIBEVENT = "/usr/lib/x86_64-linux-gnu/libevent-2.1.so.7"
PORT = 18151
# scenario: (path, whether the request carries the session and mouse cookies)
REQUESTS = {
    "count_with_cookie": ("/sessions/count", True),
    "hello_no_cookie": ("/sessions/hello", False),
    "crumbs": ("/crumbs", True),
    "page": ("/", False),
}


def mappings(pid):
    """(start, end, name) of each mapping; anonymous ones named by where they start."""
    found = []
    for line in pathlib.Path(f"/proc/{pid}/maps").read_text().splitlines():
        fields = line.split()
        start, end = (int(x, 16) for x in fields[0].split("-"))
        name = fields[5].rsplit("/", 1)[-1] if len(fields) > 5 else f"anonymous {start:#x} ({(end - start) >> 10} KiB)"
        found.append((start, end, name))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=sorted(REQUESTS), default="count_with_cookie")
    parser.add_argument("--server", choices=["crumbs", "baseline"], default="crumbs")
    parser.add_argument("--functions", type=int, default=40, help="how many of the own functions to list")
    args = parser.parse_args()
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="crumbs-footprint-"))
    key_file, cookie, _, page_file = run.prepare(workdir, 1, sys.executable)
    binary = run.CRUMBS if args.server == "crumbs" else run.BASELINE
    command = run.server_command("Crumbs" if args.server == "crumbs" else "C baseline", PORT, key_file, page_file)
    trace = workdir / "lackey.out"
    process = subprocess.Popen(["valgrind", "--tool=lackey", "--trace-mem=yes", f"--log-file={trace}"] + command,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        run.wait_until_serving(PORT, process, timeout=120)
        path, with_cookies = REQUESTS[args.scenario]
        headers = {"Cookie": f"session={cookie}; mouse=Cookie"} if with_cookies else {}
        client = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        for _ in range(50):
            client.request("GET", path, headers=headers)
            client.getresponse().read()
        maps = mappings(process.pid)
        start = os.path.getsize(trace)
        for _ in range(200):
            client.request("GET", path, headers=headers)
            client.getresponse().read()
        client.close()
        time.sleep(1)  # (lackey writes its log as it goes)
        end = os.path.getsize(trace)
    finally:
        process.terminate()
        process.wait()

    libevent_base = next(lo for lo, _, name in maps if name.startswith("libevent-2.1"))
    symbols = subprocess.run(["nm", "-D", LIBEVENT], capture_output=True, text=True, check=True).stdout
    marker = libevent_base + int(re.search(r"^([0-9a-f]+) T evhttp_send_reply$", symbols, re.M).group(1), 16)
    starts = [lo for lo, _, _ in maps]

    def mapping(address):
        index = bisect.bisect_right(starts, address) - 1
        return maps[index][2] if index >= 0 and address < maps[index][1] else "?"

    own = binary.name
    own_base = min(lo for lo, _, name in maps if name == own)
    own_symbols = []
    for line in subprocess.run(["nm", "-n", "-C", str(binary)], capture_output=True, text=True).stdout.splitlines():
        fields = line.split(" ", 2)
        if len(fields) == 3 and fields[0] and fields[1] in "tTwW":
            own_symbols.append((int(fields[0], 16), fields[2]))
    own_addresses = [address for address, _ in own_symbols]

    def function(address):
        if mapping(address) != own:
            return mapping(address)
        index = bisect.bisect_right(own_addresses, address - own_base) - 1
        return own_symbols[index][1] if index >= 0 else "?"

    with open(trace, "rb") as file:
        file.seek(start)
        text = file.read(end - start).decode(errors="replace")
    requests = []  # (code lines, data lines, data line -> instruction that first touched it)
    code, data, first, instruction, started = set(), set(), {}, 0, False
    for line in text.splitlines():
        kind, _, rest = line.strip().partition(" ")
        address, _, size = rest.partition(",")
        try:
            address, size = int(address, 16), int(size)
        except ValueError:
            continue
        if kind == "I":
            if address == marker:
                if started:
                    requests.append((code, data, first))
                code, data, first, started = set(), set(), {}, True
            code.update((address >> 6, (address + size - 1) >> 6))
            instruction = address
        else:
            for cache_line in (address >> 6, (address + size - 1) >> 6):
                if cache_line not in data:
                    data.add(cache_line)
                    first[cache_line] = instruction
    if not requests:
        raise SystemExit("no request seen: did the server call evhttp_send_reply?")
    print(f"{args.server}, {args.scenario}: {len(requests)} requests; per request (median) "
          f"{statistics.median(len(c) for c, _, _ in requests)} lines of code, "
          f"{statistics.median(len(d) for _, d, _ in requests)} lines of data")
    code, data, first = requests[-1]
    for label, lines in (("code", code), ("data", data)):
        where = collections.Counter(mapping(line << 6) for line in lines)
        print(f"{label}, the last request: " + ", ".join(f"{name} {count}" for name, count in where.most_common()))
    by_function = collections.Counter(function(line << 6) for line in code if mapping(line << 6) == own)
    by_first_toucher = collections.Counter(function(first[line]) for line in data)
    report = [f"\nthe last request's lines of {own}'s own code, by function:"]
    report += [f"{count:5} {name}" for name, count in by_function.most_common(args.functions)]
    report += ["\nthe last request's lines of data, by the function that first touched them:"]
    report += [f"{count:5} {name}" for name, count in by_first_toucher.most_common(args.functions)]
    # Swift's names demangled when the toolchain is there (nm -C knows only C++'s).
    demangled = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(report), capture_output=True,
                               text=True)
    print(demangled.stdout if demangled.returncode == 0 else "\n".join(report))


if __name__ == "__main__":
    main()
