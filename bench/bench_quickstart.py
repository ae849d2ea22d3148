#!/usr/bin/env python3
"""bench_quickstart.py — how long the README's first command takes, for two
commits in the same session, taking turns. Not a ctest; run by hand:

    python3 bench/bench_quickstart.py [--rounds 3] OLD_REV NEW_REV [REV:suite ...]

Each run copies the commit's tree (`git archive`: what a fresh clone has, no
build directory) into a temporary directory and runs its
scripts/quickstart.sh there, so every build is cold. The packages must
already be installed: a run whose setup step would install something is
refused, so apt's time is never in a figure. Runs alternate between the two
commits (old first in odd rounds, new first in even ones) so a busy moment
of the machine falls on both. Printed per run and as medians: the wall time
of the whole command and its CPU time (user + system of every process it
started), which is less sensitive than the wall time to other work on the
machine. Every run must end with the demo's "All N expectations held." and
exit status 0: a fast failure is no result.

REV:suite runs, in REV's tree, what the quickstart did before 659afdc (and
what issue 19 measured): the test command's packages checked, the whole
tree built with tests and benches on (the fuzz targets' replay programs
with them), then `build/detour demo`."""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


SUITE = ("./scripts/setup.sh --test && DETOUR_BUILD_DIR=build ./scripts/build.sh "
         "-DDETOUR_BUILD_TESTS=ON -DDETOUR_BUILD_BENCH=ON && build/detour demo")


def run_once(spec):
    rev, _, variant = spec.partition(":")
    cmd = ["bash", "-c", SUITE] if variant == "suite" else ["./scripts/quickstart.sh"]
    with tempfile.TemporaryDirectory(prefix="qs-") as tmp:
        tree = subprocess.run(["git", "-C", SOURCE, "archive", rev], check=True,
                              capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=tree, check=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DETOUR_")}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        p = subprocess.run(cmd, cwd=tmp, env=env,
                           capture_output=True, text=True)
        wall = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        out = p.stdout + p.stderr
        if p.returncode != 0 or "expectations held." not in p.stdout:
            sys.exit(f"{spec}: quickstart failed (exit {p.returncode}):\n{out[-3000:]}")
        log = os.path.join(tmp, "build", "quickstart.log")  # where newer scripts put setup's line
        if os.path.exists(log):
            with open(log) as f:
                out += f.read()
        if "packages present" not in out:
            sys.exit(f"{spec}: the setup step installed packages; install them first "
                     "(scripts/setup.sh) so apt's time is not measured")
        return wall, cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("more", nargs="*", help="more commits (REV or REV:suite)")
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    specs = [a.old, a.new] + a.more
    short = {}
    for spec in specs:
        rev = spec.partition(":")[0]
        short[spec] = subprocess.run(["git", "-C", SOURCE, "rev-parse", "--short", rev],
                                     check=True, capture_output=True, text=True).stdout.strip()
    res = {spec: [] for spec in specs}
    print(f"cores: {os.cpu_count()}; load before: {os.getloadavg()[0]:.2f}")
    for r in range(a.rounds):
        order = specs if r % 2 == 0 else specs[::-1]
        for spec in order:
            wall, cpu = run_once(spec)
            res[spec].append((wall, cpu))
            print(f"round {r + 1}  {spec:>14} ({short[spec]})  wall {wall:6.1f} s  "
                  f"cpu {cpu:6.1f} s  load {os.getloadavg()[0]:.2f}", flush=True)
    med = {spec: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
           for spec, v in res.items()}
    for spec, (w, c) in med.items():
        walls = [w for w, _ in res[spec]]
        cpus = [c for _, c in res[spec]]
        print(f"median {spec:>14}: wall {w:.1f} s ({min(walls):.1f}-{max(walls):.1f}), "
              f"cpu {c:.1f} s ({min(cpus):.1f}-{max(cpus):.1f})")
    for spec in specs[:1] + specs[2:]:
        print(f"{a.new}/{spec}: wall {med[a.new][0] / med[spec][0]:.2f}x, "
              f"cpu {med[a.new][1] / med[spec][1]:.2f}x")


if __name__ == "__main__":
    main()
