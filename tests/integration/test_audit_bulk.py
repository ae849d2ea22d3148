"""`detour audit --from FILE`: many audits on one loop against a real nginx
(the good fixture, with room for many connections). JSON Lines, one per
target, streamed as each finishes; --shard splits a list into disjoint
slices that cover it; --concurrency does not change the verdicts; memory is
bounded by the window, not by the list's length (peak RSS of the child for
2,000 targets vs 200).

BulkNginx is also used by bench/bench_audit.py."""

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dtfixture import ca_file, detour_bin  # noqa: E402
from nginx import Nginx, nginx_bin  # noqa: E402

SAN = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


class BulkNginx(Nginx):
    """fixtures/nginx/good.conf.in with room for many clients: the fixture's
    64 worker_connections are for one audit at a time; a bulk run keeps
    --concurrency × 4 connections open. Optionally without the access log."""

    def __init__(self, access_log=True):
        super().__init__("good")
        with open(self.template) as f:
            text = f.read()
        text = text.replace("worker_connections 64;", "worker_connections 8192;")
        # Which connection served each request and which client sent it (the
        # checker says detour/VERSION, a browser Mozilla/5.0 ...): what the
        # audit shares is read from the server's own log.
        wire = "log_format wire '$scheme $host $request_method $request_uri $status"
        assert wire + "';" in text
        text = text.replace(wire + "';", wire + ' $connection "$http_user_agent"\';')
        if not access_log:
            text = text.replace("access_log @TMPDIR@/access.log wire;", "access_log off;")
        self._tpl_dir = tempfile.mkdtemp(prefix="detour-bulk-conf-")
        self.template = os.path.join(self._tpl_dir, "good-bulk.conf.in")
        with open(self.template, "w") as f:
            f.write(text)

    def stop(self):
        try:
            super().stop()
        finally:
            import shutil
            shutil.rmtree(self._tpl_dir, ignore_errors=True)


def write_list(lines):
    fd, path = tempfile.mkstemp(prefix="detour-audit-list-", suffix=".txt")
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def vm_hwm_kib(pid):
    """Peak resident memory of PID's own address space (VmHWM). Unlike
    ru_maxrss it does not start from the Python parent's size: on Linux a
    vfork/exec'd child's ru_maxrss includes the parent's high-water mark."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_bulk(ng, path, *args, env=None, binary=None):
    """Runs `detour audit --from PATH --json`; returns (rc, [json lines],
    stderr, peak RSS KiB of that process (VmHWM, sampled until it exits),
    seconds). (--json: a list's default output is the text for people.)"""
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    t = time.monotonic()
    p = subprocess.Popen([binary or detour_bin(), "audit", "--json", "--from", path,
                          "--cacert", ca_file(), *ng.connect_to_args(), *args],
                         stdout=out, stderr=err, env=env)
    hwm = 0
    # Sample until it exits, without reaping it (WNOWAIT): VmHWM only grows.
    while os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        hwm = max(hwm, vm_hwm_kib(p.pid))
        time.sleep(0.005)
    p.wait()
    secs = time.monotonic() - t
    out.seek(0)
    err.seek(0)
    lines = [json.loads(ln) for ln in out.read().decode().splitlines()]
    e = err.read().decode("utf-8", "replace")
    out.close()
    err.close()
    return p.returncode, lines, e, hwm, secs


def asan_env():
    # ASan keeps freed memory in a quarantine (256 MB by default) so RSS would
    # grow with everything ever allocated; measure live memory instead.
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=1").lstrip(":")
    return env


class AuditBulkList(unittest.TestCase):
    """What a list says without a server."""

    def test_an_empty_list_says_0_targets(self):
        # An empty list, or one without a target line, or a slice with none,
        # is a clean run that audited nothing: it says so on stderr (stdout
        # stays JSON Lines: no line) rather than printing nothing at all.
        with tempfile.TemporaryDirectory() as d:
            empty = os.path.join(d, "empty.txt")
            open(empty, "w").close()
            blank = os.path.join(d, "blank.txt")
            with open(blank, "w") as f:
                f.write("# nothing yet\n\n")
            two = os.path.join(d, "two.txt")
            with open(two, "w") as f:
                f.write("a.test\nb.test\n")
            for args, inp, name in ((["--from", empty], b"", empty),
                                    (["--from", blank], b"", blank),
                                    (["--from", "-"], b"", "stdin"),
                                    (["--from", two, "--shard", "3/3"], b"", two)):
                p = subprocess.run([detour_bin(), "audit", *args], input=inp,
                                   capture_output=True, timeout=60)
                err = p.stderr.decode()
                self.assertEqual((p.returncode, p.stdout), (0, b""), (args, err))
                self.assertIn("audit: 0 targets", err, args)
                self.assertIn(name, err, args)
                for m in SAN:
                    self.assertNotIn(m, err)

    def test_the_window_is_bounded(self):
        # Each audit in flight costs memory and sockets (docs/audit.md): past
        # 1,024 a larger window buys nothing, so it is a usage error that
        # says the bound, and --help says the cost.
        with tempfile.TemporaryDirectory() as d:
            empty = os.path.join(d, "empty.txt")
            open(empty, "w").close()
            p = subprocess.run([detour_bin(), "audit", "--from", empty, "--concurrency", "1024"],
                               capture_output=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            for n in ("1025", "4096", "0"):
                p = subprocess.run([detour_bin(), "audit", "--from", empty, "--concurrency", n],
                                   capture_output=True, timeout=60)
                self.assertEqual(p.returncode, 2, (n, p.stderr))
                self.assertIn("--concurrency wants 1..1024", p.stderr.decode())
        p = subprocess.run([detour_bin(), "audit", "--help"], capture_output=True, timeout=60)
        self.assertIn("at most\n", p.stdout.decode())
        self.assertIn("1024); each holds about 0.2 MB", p.stdout.decode())


@unittest.skipUnless(nginx_bin(), "nginx not installed (scripts/setup.sh installs nginx-light)")
class AuditBulk(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.ng = BulkNginx().start()

    @classmethod
    def tearDownClass(cls):
        cls.ng.stop()

    def setUp(self):
        self.paths = []

    def tearDown(self):
        for p in self.paths:
            os.unlink(p)

    def lst(self, lines):
        p = write_list(lines)
        self.paths.append(p)
        return p

    def clean(self, err):
        for m in SAN:
            self.assertNotIn(m, err)

    def test_a_list_that_cannot_be_read_is_an_error(self):
        # A directory opens on Linux and reads as an error: it must not pass
        # as an empty list (exit 11, the file error class, with the path).
        with tempfile.TemporaryDirectory() as d:
            p = subprocess.run([detour_bin(), "audit", "--from", d], capture_output=True,
                               timeout=60)
            err = p.stderr.decode()
            self.assertEqual(p.returncode, 11, err)
            self.assertIn("is a directory", err)
            self.assertIn(d, err)
            p = subprocess.run([detour_bin(), "audit", "--from", d + "/missing"],
                               capture_output=True, timeout=60)
            self.assertEqual(p.returncode, 11)
            self.assertIn("missing", p.stderr.decode())

    def wire_since(self, offset):
        """The access log's (scheme, connection, user agent) after OFFSET,
        every earlier request included: nginx logs after answering, so a
        barrier request, logged by the same single process after all the
        others, says the log is complete."""
        path = os.path.join(self.ng.dir, "access.log")
        self.ng.request("http", "barrier.test", self.ng.BARRIER, timeout=10)
        deadline = time.monotonic() + 10
        while True:
            with open(path) as f:
                f.seek(offset)
                text = f.read()
            if self.ng.BARRIER in text or time.monotonic() > deadline:
                break
            time.sleep(0.01)
        out = []
        for line in text.splitlines():
            p = line.split(" ", 6)
            if len(p) == 7 and p[3] != self.ng.BARRIER:
                out.append((p[0], p[5], p[6].strip('"')))
        return out

    def test_browsers_share_one_pool_apart_from_the_checker(self):
        # 30 targets one at a time: every target's browser makes its https
        # request on the connection the previous one left in the shared pool
        # (one connection for all, where each browser used to open its own:
        # 30), and no connection ever carries both a checker's request and a
        # browser's: they are two clients (docs/audit.md).
        log = os.path.join(self.ng.dir, "access.log")
        offset = os.path.getsize(log)
        rc, out, err, _, _ = run_bulk(self.ng, self.lst(["a.test"] * 30),
                                      "--concurrency", "1")
        self.clean(err)
        self.assertEqual((rc, len(out)), (0, 30), err)
        wire = self.wire_since(offset)
        browser = {(s, c) for s, c, ua in wire if ua.startswith("Mozilla/")}
        checker = {(s, c) for s, c, ua in wire if ua.startswith("detour/")}
        self.assertGreaterEqual(sum(1 for _, _, ua in wire if ua.startswith("Mozilla/")), 30)
        self.assertLessEqual(len(browser), 2, sorted(browser))
        self.assertTrue(browser.isdisjoint(checker), browser & checker)
        # and each browser still started with nothing remembered: every one
        # of them went through the same first hops (docs/audit.md)
        self.assertEqual(len({tuple(f["code"] for f in js["findings"]) for js in out}), 1)

    def test_mixed_list(self):
        urls = [f"https://a.test/p{i}" for i in range(250)]
        lines = ["# a comment", ""] + urls + ["a.test", "www.a.test", "127.0.0.1",
                                              "  a.test  ", "GET https://a.test/x"]
        rc, out, err, _, _ = run_bulk(self.ng, self.lst(lines), "--concurrency", "16")
        self.clean(err)
        self.assertEqual(rc, 1)  # some targets have errors
        self.assertEqual(len(out), 255)
        by = {}
        for js in out:
            by.setdefault(js["target"], []).append(js)
            self.assertNotIn("chains", js)  # not by default in bulk
        self.assertEqual(sorted(by), sorted(set(urls + ["a.test", "www.a.test", "127.0.0.1",
                                                         "https://a.test/x"])))
        self.assertEqual(len(by["a.test"]), 2)
        for u in urls + ["a.test"]:
            for js in by[u]:
                self.assertEqual((js["errors"], js["warnings"]), (0, 0), js)
                self.assertEqual(js["domain"], "a.test")
        self.assertEqual([f["code"] for f in by["www.a.test"][0]["findings"]
                          if f["severity"] != "info"], ["domain.is_subdomain"])
        self.assertEqual([f["code"] for f in by["127.0.0.1"][0]["findings"]],
                         ["domain.format.is_ip_address"])

    def test_lines_for_people(self):
        # Issue 19 part 5: '#' starts a comment anywhere on a line, a first
        # word is a method only when it is one, and every result names its
        # input line.
        lines = ["# production", "", "a.test   # the apex", "prod a.test",
                 "GET https://a.test/x # a form", "a.test b.test", "www.a.test"]
        rc, out, err, _, _ = run_bulk(self.ng, self.lst(lines), "--concurrency", "2")
        self.clean(err)
        got = sorted((js["line"], js["target"]) for js in out)
        self.assertEqual(got, [(3, "a.test"), (5, "https://a.test/x"), (7, "www.a.test")], err)
        self.assertIn(":4: not a target", err)
        self.assertIn(":6: not a target", err)
        self.assertEqual(rc, 1)  # the two skipped lines are errors of the run

    def test_all_good_exits_zero_and_keeps_chains_on_request(self):
        rc, out, err, _, _ = run_bulk(self.ng, self.lst(["a.test"] * 20), "--chains")
        self.clean(err)
        self.assertEqual(rc, 0)
        self.assertEqual(len(out), 20)
        self.assertTrue(all(sorted(js["chains"]) == ["browser", "http", "https", "www"]
                            for js in out))
        self.assertNotIn("\raudit:", err)  # stderr is not a terminal: no progress

    def test_shards_are_disjoint_and_cover(self):
        urls = [f"https://a.test/s{i}" for i in range(90)]
        path = self.lst(urls)
        seen = []
        for i in (1, 2, 3):
            rc, out, err, _, _ = run_bulk(self.ng, path, "--shard", f"{i}/3",
                                          "--concurrency", "8")
            self.clean(err)
            self.assertEqual(rc, 0)
            self.assertEqual(len(out), 30)
            mine = {js["target"] for js in out}
            # slice i holds every third line, starting at line i
            self.assertEqual(mine, set(urls[i - 1::3]))
            seen += mine
        self.assertEqual(sorted(seen), sorted(urls))

    def test_concurrency_does_not_change_verdicts(self):
        lines = ["a.test", "www.a.test", "127.0.0.1", "https://a.test/q"] * 5
        path = self.lst(lines)
        runs = []
        for c in ("1", "32"):
            rc, out, err, _, _ = run_bulk(self.ng, path, "--concurrency", c)
            self.clean(err)
            self.assertEqual(rc, 1)
            runs.append(sorted((js["target"], tuple(f["code"] for f in js["findings"]))
                               for js in out))
        self.assertEqual(runs[0], runs[1])

    def test_streams_results(self):
        # The first line is out long before the list is done.
        path = self.lst(["a.test"] * 3000)
        p = subprocess.Popen([detour_bin(), "audit", "--json", "--from", path, "--concurrency", "1",
                              "--cacert", ca_file(), *self.ng.connect_to_args()],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            first = json.loads(p.stdout.readline())
            self.assertEqual(first["target"], "a.test")
            self.assertIsNone(p.poll(), "the whole list finished before the first line")
        finally:
            p.kill()
            p.wait()
            p.stdout.close()

    def test_progress_when_asked(self):
        rc, out, err, _, _ = run_bulk(self.ng, self.lst(["a.test"] * 5), "--progress")
        self.assertEqual(rc, 0)
        # the list is a file: its total is known before the run
        self.assertIn("\raudit: 5/5 done, 0 with errors", err)

    def test_memory_is_bounded(self):
        env = asan_env()
        rss = {}
        for n in (200, 2000):
            rc, out, err, rss[n], _ = run_bulk(self.ng, self.lst(["a.test"] * n),
                                               "--concurrency", "32", env=env)
            self.clean(err)
            self.assertEqual((rc, len(out)), (0, n))
        # 10x the targets: at most +50% peak memory (same window of 32).
        self.assertLess(rss[2000], rss[200] * 1.5, rss)


if __name__ == "__main__":
    unittest.main(verbosity=2)
