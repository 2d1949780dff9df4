#!/usr/bin/env python3
"""Makes pgo/crumbs.profdata, the profile the release build is linked with (`make pgo`).

LLVM lays out and inlines the release binary's code by this profile at link time
(context-sensitive PGO, lld's `--lto-cs-profile-file`): blocks that run together sit
together, and the ones that do not run move out of the way, so a request runs through fewer
64-byte lines of code, which it fetches again every request after the kernel's network stack
has run on the same core. Measured in duets (BENCHMARKS.md): 2.0-2.4% more requests per CPU
second on the lesson's routes, own lines 261 to 187 a `count` request.

Steps:
1. an instrumented release build into .build-pgo (lld's `--lto-cs-profile-generate`, the
   profile runtime linked in, which nothing in the binary references, so `-u` keeps it);
2. the benchmark's seven scenarios against it, one loop, a few seconds each (the lesson's
   traffic: cookies verified and signed, first visits, the page, 1,000 distinct sessions);
3. the raw profile's version word marked as IR and context-sensitive instrumentation
   (bits 56 and 57): Swift's front end does not define `__llvm_profile_raw_version`, so the
   runtime writes the profile as front-end instrumentation, which the link ignores without a
   word;
4. `llvm-profdata merge --sparse` (only the functions that ran) into pgo/crumbs.profdata.

A profile goes stale function by function as the code changes: a function whose control flow
changed no longer matches its record (LLVM keeps a hash of each function's control flow) and
is laid out without it, never wrongly. Rerun `make pgo` after changing the
request path, and commit the new profile with the change.

Usage: pgo/train.py [--seconds S] [--output pgo/crumbs.profdata]   (needs wrk and taskset)
"""

import argparse
import glob
import os
import pathlib
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import run  # noqa: E402  (the scenarios and their cookies, as `make bench` makes them)

SCRATCH = ROOT / ".build-pgo"
# LLVM's raw profile header: the version word's variant bits (InstrProfData.inc).
VARIANT_MASK_IR_PROF = 1 << 56
VARIANT_MASK_CSIR_PROF = 1 << 57


def toolchain_file(*parts):
    """A file of the Swift toolchain that runs `swift`: usr/bin/swift, so usr/ is two up."""
    swift = pathlib.Path(shutil.which("swift")).resolve()
    matches = sorted(glob.glob(str(swift.parents[1].joinpath(*parts))))
    if not matches:
        sys.exit(f"not in the Swift toolchain at {swift.parents[1]}: {'/'.join(parts)}")
    return matches[-1]


def build_instrumented(raw_pattern):
    runtime = toolchain_file("lib", "clang", "*", "lib", "linux", f"libclang_rt.profile-{os.uname().machine}.a")
    subprocess.run(
        ["swift", "build", "-c", "release", "--product", "crumbs", "--static-swift-stdlib",
         "--experimental-lto-mode=full", "--scratch-path", str(SCRATCH),
         "-Xlinker", "--lto-cs-profile-generate", "-Xlinker", f"--lto-cs-profile-file={raw_pattern}",
         "-Xlinker", "-u__llvm_profile_runtime", "-Xlinker", runtime],
        cwd=ROOT, check=True)
    return SCRATCH / "release" / "crumbs"


def train(binary, workdir, seconds):
    """Every scenario of `make bench` against the instrumented server; the profile is written
    when it exits (SIGTERM: a graceful stop, so exit handlers run)."""
    # (The cookies are signed by this binary too: its profile joins the server's.)
    run.CRUMBS = binary
    key_file, _, _, _ = run.prepare(workdir, 1, sys.executable)
    server = run.Server("Crumbs (instrumented)", [str(binary), "--port", "18190", "--threads", "1",
                                                 "--secret-key-file", str(key_file)], 18190, "0")
    try:
        for scenario in run.SCENARIOS:
            result = run.wrk(server.port, scenario, seconds, "1")
            print(f"trained on {scenario}: {result['requests']} requests", flush=True)
    finally:
        server.stop()


def mark_context_sensitive(raw_file):
    data = bytearray(raw_file.read_bytes())
    (version,) = struct.unpack_from("<Q", data, 8)
    struct.pack_into("<Q", data, 8, version | VARIANT_MASK_IR_PROF | VARIANT_MASK_CSIR_PROF)
    raw_file.write_bytes(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=3, help="seconds of wrk per scenario")
    parser.add_argument("--output", default=str(ROOT / "pgo" / "crumbs.profdata"))
    args = parser.parse_args()
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="crumbs-pgo-"))
    raw_pattern = workdir / "crumbs-%p.profraw"
    binary = build_instrumented(raw_pattern)
    os.environ["LLVM_PROFILE_FILE"] = str(raw_pattern)
    train(binary, workdir, args.seconds)
    raw_files = sorted(workdir.glob("crumbs-*.profraw"))
    if not raw_files:
        sys.exit("the instrumented server wrote no profile")
    for raw_file in raw_files:
        mark_context_sensitive(raw_file)
    subprocess.run([toolchain_file("bin", "llvm-profdata"), "merge", "--sparse", "-o", args.output]
                   + [str(f) for f in raw_files], check=True)
    shutil.rmtree(workdir)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
