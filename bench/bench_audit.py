#!/usr/bin/env python3
"""bench_audit.py — `detour audit --from` throughput and peak memory against
a local nginx (fixtures/nginx/good.conf.in with room for many connections,
no access log), on loopback. Not a ctest; run by hand:

    python3 bench/bench_audit.py --build DIR [-n 8192] [--concurrency 64,1024]
                                 [--runs 3] [--compare LABEL=BINARY ...]
                                 [--in-flight 1,256,1024,4096]
                                 [--baseline-n 200] [--process-n 50]

Use a Release build (DIR gives the detour binary and the test CA). Each
measurement is one `detour audit --from LIST` process over N × a.test:
audits a minute from its wall time, peak RSS as that process's VmHWM
(sampled; not ru_maxrss, which for a vfork'd child starts at the Python
parent's size). Every audit must come back clean (0 errors, 0 warnings): a
fast wrong answer is no answer.

--compare runs other detour binaries (e.g. a Release build of the commit
before a change) on the same server in the same runs, alternating the order
run by run, and prints the ratio of medians against the first of them.
--in-flight measures peak RSS at each window size with 4 × the window in
targets (at least 2,000), and the cost of one more audit in flight: the
slope between the smallest and the largest window.

Baselines in the same run, for this build only: the same binary with
--concurrency 1 (one audit at a time), and one `detour audit DOMAIN`
process per target, as a shell loop over a list would do. The goal (issue):
>= 2,000 audits a minute on a 2-core machine."""

import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))


def ints(s):
    return [int(x) for x in s.split(",") if x]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=None)
    ap.add_argument("-n", type=int, default=8192)
    ap.add_argument("--concurrency", type=ints, default=[64, 1024])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--compare", action="append", default=[],
                    metavar="LABEL=BINARY")
    ap.add_argument("--in-flight", type=ints, default=[])
    ap.add_argument("--baseline-n", type=int, default=200)
    ap.add_argument("--process-n", type=int, default=50)
    a = ap.parse_args()
    src = os.path.abspath(os.path.join(HERE, ".."))
    build = a.build
    if not build:
        rel = os.path.join(src, "build-rel")
        build = rel if os.path.exists(os.path.join(rel, "detour")) else os.path.join(src, "build")
    os.environ["DETOUR_BUILD_DIR"] = os.path.abspath(build)
    os.environ.setdefault("DETOUR_SOURCE_DIR", src)
    from dtfixture import ca_file, detour_bin  # noqa: E402
    from test_audit_bulk import BulkNginx, run_bulk, write_list  # noqa: E402

    binaries = [("this build", detour_bin())]
    for c in a.compare:
        label, _, path = c.partition("=")
        if not path or not os.access(path, os.X_OK):
            sys.exit(f"--compare wants LABEL=BINARY, got {c!r}")
        binaries.append((label, path))
    for label, path in binaries:
        print(f"{label}: {path}")
    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}")
    lists = {}

    def target_list(n):
        if n not in lists:
            lists[n] = write_list(["a.test"] * n)
        return lists[n]

    with BulkNginx(access_log=False) as ng:
        def bulk(label, binary, n, conc):
            rc, out, err, rss, secs = run_bulk(ng, target_list(n), "--concurrency", str(conc),
                                               binary=binary)
            bad = [js for js in out if js["errors"] or js["warnings"]]
            if rc != 0 or len(out) != n or bad:
                sys.exit(f"{label}: rc {rc}, {len(out)}/{n} lines, {len(bad)} not clean: "
                         f"{bad[:1]} {err[-500:]}")
            rate = n * 60.0 / secs
            print(f"{label:<40} {n:>6} audits {secs:8.2f} s {rate:10.0f}/min "
                  f"peak RSS {rss / 1024:7.1f} MiB", flush=True)
            return rate, rss / 1024

        try:
            for label, path in binaries:  # warm-up (page cache, nginx's session cache)
                bulk(f"warm-up, {label}", path, 200, 64)
            got = {}  # (label, conc) -> [(rate, rss)]
            for r in range(a.runs):
                order = binaries if r % 2 == 0 else binaries[::-1]
                for conc in a.concurrency:
                    for label, path in order:
                        got.setdefault((label, conc), []).append(
                            bulk(f"run {r + 1}, {label}, --concurrency {conc}", path, a.n, conc))
            print()
            print(f"medians of {a.runs} runs, {a.n} audits each:")
            for conc in a.concurrency:
                for label, _ in binaries:
                    v = got[(label, conc)]
                    rate = statistics.median(x[0] for x in v)
                    rss = statistics.median(x[1] for x in v)
                    rates = ", ".join(f"{x[0]:.0f}" for x in v)
                    print(f"  --concurrency {conc:<5} {label:<16} {rate:10.0f}/min ({rates}) "
                          f"peak RSS {rss:7.1f} MiB")
                if len(binaries) > 1:
                    base = binaries[1][0]
                    r0 = statistics.median(x[0] for x in got[("this build", conc)])
                    r1 = statistics.median(x[0] for x in got[(base, conc)])
                    m0 = statistics.median(x[1] for x in got[("this build", conc)])
                    m1 = statistics.median(x[1] for x in got[(base, conc)])
                    print(f"  --concurrency {conc:<5} this build / {base}: audits/min "
                          f"{r0 / r1:.2f}x, peak RSS {m0 / m1:.2f}x")

            for label, path in binaries:
                if not a.in_flight:
                    break
                pts = []
                for conc in a.in_flight:
                    _, rss = bulk(f"in flight, {label}, --concurrency {conc}", path,
                                  max(2000, 4 * conc), conc)
                    pts.append((conc, rss))
                (c0, m0), (c1, m1) = pts[0], pts[-1]
                if c1 > c0:
                    print(f"  {label}: {(m1 - m0) * 1024 / (c1 - c0):.0f} KiB of peak RSS per "
                          f"audit in flight ({c0} -> {c1})")

            _, path = binaries[0]
            rate_seq, _ = bulk("baseline --concurrency 1", path, a.baseline_n, 1)
            t = time.monotonic()
            for _ in range(a.process_n):
                p = subprocess.run([path, "audit", "--json", "--no-chains",
                                    "--cacert", ca_file(), *ng.connect_to_args(), "a.test"],
                                   capture_output=True)
                if p.returncode != 0:
                    sys.exit(f"process-per-target: rc {p.returncode}: {p.stderr[-500:]!r}")
            secs = time.monotonic() - t
            rate_proc = a.process_n * 60.0 / secs
            print(f"{'baseline: a process per target':<40} {a.process_n:>6} audits "
                  f"{secs:8.2f} s {rate_proc:10.0f}/min")
        finally:
            for p in lists.values():
                os.unlink(p)

    main_rate = statistics.median(x[0] for x in got[("this build", a.concurrency[0])])
    print(f"ratio bulk (--concurrency {a.concurrency[0]}) / sequential:         "
          f"{main_rate / rate_seq:.1f}x")
    print(f"ratio bulk (--concurrency {a.concurrency[0]}) / process per target: "
          f"{main_rate / rate_proc:.1f}x")
    print(f"goal >= 2000/min: {'met' if main_rate >= 2000 else 'NOT met'}")


if __name__ == "__main__":
    main()
