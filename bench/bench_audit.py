#!/usr/bin/env python3
"""bench_audit.py — `detour audit --from` throughput and peak memory against
a local nginx (fixtures/nginx/good.conf.in with room for many connections,
no access log), on loopback. Not a ctest; run by hand:

    python3 bench/bench_audit.py [--build DIR] [-n 2000] [--concurrency 64]
                                 [--baseline-n 200]

Use a Release build (the default DIR is build-rel if it has a detour binary,
else build). Each run is one `detour audit --from LIST` process: audits a
minute from its wall time, peak RSS as that process's VmHWM (sampled; not
ru_maxrss, which for a vfork'd child starts at the Python parent's size).
Compared in the same run with two naive baselines:
  * sequential: the same binary with --concurrency 1 (one audit at a time);
  * one process per target: `detour audit DOMAIN` in a loop, as a shell
    script over a list would do.
Every audit must come back clean (0 errors): a fast wrong answer is no
answer. The goal (issue): >= 2,000 audits a minute on a 2-core machine."""

import argparse
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=None)
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=64)
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

    print(f"detour: {detour_bin()}")
    print(f"cpus: {os.cpu_count()}")
    results = {}
    with BulkNginx(access_log=False) as ng:
        def bulk(label, n, conc):
            path = write_list(["a.test"] * n)
            try:
                rc, out, err, rss, secs = run_bulk(ng, path, "--concurrency", str(conc))
            finally:
                os.unlink(path)
            bad = [js for js in out if js["errors"] or js["warnings"]]
            if rc != 0 or len(out) != n or bad:
                sys.exit(f"{label}: rc {rc}, {len(out)}/{n} lines, {len(bad)} not clean: "
                         f"{bad[:1]} {err[-500:]}")
            rate = n * 60.0 / secs
            results[label] = rate
            print(f"{label:<34} {n:>6} audits {secs:8.2f} s {rate:10.0f}/min "
                  f"peak RSS {rss / 1024:7.1f} MiB")
            return rate, rss

        # warm-up (page cache, nginx session cache)
        bulk("warm-up", 50, a.concurrency)
        bulk(f"bulk --concurrency {a.concurrency}", a.n, a.concurrency)
        bulk(f"bulk --concurrency {a.concurrency} (n/10)", max(1, a.n // 10), a.concurrency)
        bulk("baseline --concurrency 1", a.baseline_n, 1)

        # one process per target
        t = time.monotonic()
        for _ in range(a.process_n):
            p = subprocess.run([detour_bin(), "audit", "--json", "--no-chains",
                                "--cacert", ca_file(), *ng.connect_to_args(), "a.test"],
                               capture_output=True)
            if p.returncode != 0:
                sys.exit(f"process-per-target: rc {p.returncode}: {p.stderr[-500:]!r}")
        secs = time.monotonic() - t
        rate = a.process_n * 60.0 / secs
        results["process"] = rate
        print(f"{'baseline: a process per target':<34} {a.process_n:>6} audits {secs:8.2f} s "
              f"{rate:10.0f}/min")

    main_rate = results[f"bulk --concurrency {a.concurrency}"]
    print(f"ratio bulk / sequential:           {main_rate / results['baseline --concurrency 1']:.1f}x")
    print(f"ratio bulk / process per target:   {main_rate / results['process']:.1f}x")
    print(f"goal >= 2000/min: {'met' if main_rate >= 2000 else 'NOT met'}")


if __name__ == "__main__":
    main()
