#!/usr/bin/env python3
"""bench_transport.py — detour's https against curl's, on a real nginx on
loopback (fixtures/nginx/good.conf.in for HTTP/1.1 over TLS 1.2 and
http2.conf.in for HTTP/2 over TLS 1.3). Not a ctest; run by hand:

    python3 bench/bench_transport.py [--build DIR ...] [--runs 7]
                                     [--bulk-mib 256] [--processes 20]

Each --build DIR is a detour build (Release; e.g. one per TLS backend);
every figure is measured in the same run for detour and for curl
(Debian's, OpenSSL 3 + nghttp2), alternating, and the median of --runs is
printed with the ratio detour / curl:

  * bulk: one `detour fetch -o /dev/null` of a --bulk-mib MiB file against
    `curl -s -o /dev/null`, each a new process (MiB/s from wall time);
  * process per fetch: --processes fetches of a small page in a row, one
    process each, each a full TLS handshake (fetches/s);

Both sides get the same names mapped with --connect-to, the test CA, and
no HSTS store (detour). Every fetch must exit 0 with the whole body: a fast
wrong answer is no answer. Warm keep-alive, resumed sessions and heap per
TLS connection are bench/bench_fetch.c's."""

import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))


def timed(cmd):
    t = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    secs = time.monotonic() - t
    if p.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({p.returncode}): {p.stderr[-800:]!r}")
    return secs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", action="append", default=None)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--bulk-mib", type=int, default=256)
    ap.add_argument("--processes", type=int, default=20)
    a = ap.parse_args()
    builds = a.build or [os.path.join(SRC, "build-rel")]
    os.environ["DETOUR_BUILD_DIR"] = os.path.abspath(builds[0])
    os.environ.setdefault("DETOUR_SOURCE_DIR", SRC)
    from dtfixture import ca_file  # noqa: E402
    from nginx import Nginx  # noqa: E402

    ca = ca_file()  # the first build's test CA; every build's works
    detours = []
    for b in builds:
        exe = os.path.join(os.path.abspath(b), "detour")
        v = subprocess.run([exe, "version"], capture_output=True, text=True).stdout.strip()
        detours.append((exe, v))
        print(f"detour: {exe}\n        {v}")
    curl_v = subprocess.run(["curl", "--version"], capture_output=True, text=True).stdout
    print(f"curl:   {curl_v.splitlines()[0]}")
    print(f"cpus: {os.cpu_count()}, load {os.getloadavg()[0]:.2f}, runs {a.runs} (medians)")

    size = a.bulk_mib << 20
    for conf, label in (("good", "HTTP/1.1, TLS 1.2"), ("http2", "HTTP/2, TLS 1.3")):
        with Nginx(conf, docroot={"index.html": "home\n"}) as ng:
            with open(os.path.join(ng.dir, "www", "big"), "wb") as f:
                f.truncate(size)  # zeros, read from the page cache
            ct = []
            for n in ("a.test",):
                ct += ["--connect-to", f"{n}:443:127.0.0.1:{ng.https_port}"]
            curl = ["curl", "-s", "-f", "--cacert", ca, *ct]
            for exe, _ in detours:
                d = [exe, "fetch", "--no-hsts-store", "--cacert", ca, *ct]
                tag = os.path.basename(os.path.dirname(exe))
                # warm-up: page cache, nginx
                timed(d + ["-o", "/dev/null", "https://a.test/big"])
                timed(curl + ["-o", "/dev/null", "https://a.test/big"])
                bulk_d, bulk_c, proc_d, proc_c = [], [], [], []
                for _ in range(a.runs):
                    bulk_d.append(timed(d + ["-o", "/dev/null", "https://a.test/big"]))
                    bulk_c.append(timed(curl + ["-o", "/dev/null", "https://a.test/big"]))
                    t = sum(timed(d + ["-o", "/dev/null", "https://a.test/"])
                            for _ in range(a.processes))
                    proc_d.append(t)
                    t = sum(timed(curl + ["-o", "/dev/null", "https://a.test/"])
                            for _ in range(a.processes))
                    proc_c.append(t)
                # the body really came whole (once, outside the timing)
                out = os.path.join(ng.dir, "got")
                timed(d + ["-o", out, "https://a.test/big"])
                if os.path.getsize(out) != size:
                    sys.exit(f"{tag}: got {os.path.getsize(out)} of {size} bytes")
                os.unlink(out)
                md, mc = statistics.median(bulk_d), statistics.median(bulk_c)
                print(f"\n[{label}] {tag}")
                print(f"  bulk {a.bulk_mib} MiB          detour {a.bulk_mib / md:8.0f} MiB/s   "
                      f"curl {a.bulk_mib / mc:8.0f} MiB/s   detour/curl {mc / md:5.2f}  "
                      f"(runs: detour {min(bulk_d):.3f}-{max(bulk_d):.3f} s, "
                      f"curl {min(bulk_c):.3f}-{max(bulk_c):.3f} s)")
                pd, pc = statistics.median(proc_d), statistics.median(proc_c)
                print(f"  {a.processes} processes, full TLS detour {a.processes / pd:8.0f} fetch/s  "
                      f"curl {a.processes / pc:8.0f} fetch/s  detour/curl {pc / pd:5.2f}")


if __name__ == "__main__":
    main()
