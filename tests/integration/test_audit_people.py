"""Issue 19 part 5, for people: `detour audit --from` in the list's order
(--ordered) with a bounded hold, the progress line on a terminal (done/total,
rate, ETA) and not in a pipe, the final summary whose counts are the run's
findings, each target's hop chains in the text (--chains), and colour in
`fetch` and `audit`: on with --color=always, off with NO_COLOR, in a pipe,
and never in JSON. Against the loopback fixture: a.test, b.test, c.test (and
their www) map to its two listeners; b.test answers late when asked to."""

import json
import os
import pty
import select
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dtfixture import Fixture, ca_file, detour_bin  # noqa: E402

SAN = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")
ESC = "\x1b"
STS = "header Strict-Transport-Security: max-age=63072000; includeSubDomains; preload"
NAMES = ["a.test", "b.test", "c.test", "www.a.test", "www.b.test", "www.c.test"]


def scenario(slow_ms):
    # b.test answers every request SLOW_MS late; everyone else at once. Plain
    # http redirects to https on the same host, https answers with a
    # preloadable header: a clean site, so the only difference is time.
    return f"""
route /*
  host b.test
  on http
  delay-head {slow_ms}
  status 301
  header Location: https://b.test/
route /*
  host b.test
  delay-head {slow_ms}
  {STS}
  body slow
route /*
  host a.test
  on http
  status 301
  header Location: https://a.test/
route /*
  host c.test
  on http
  status 301
  header Location: https://c.test/
route /*
  on http
  status 404
route /*
  {STS}
  body ok
"""


def write_list(d, lines, name="list.txt"):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def run_on_pty(cmd, env=None, stderr_tty=True, stdout_tty=False, timeout=60):
    """Runs CMD with stderr (and/or stdout) on a pseudo-terminal; returns
    (rc, stdout bytes, stderr bytes) — a stream on the pty is read from its
    master."""
    master, slave = pty.openpty()
    out_r = None
    kw = {}
    if stdout_tty:
        kw["stdout"] = slave
    else:
        kw["stdout"] = subprocess.PIPE
    kw["stderr"] = slave if stderr_tty else subprocess.PIPE
    p = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, **kw)
    os.close(slave)
    tty_bytes = b""
    piped = b""
    out_r = p.stdout if not stdout_tty else p.stderr
    deadline = time.monotonic() + timeout
    fds = [master] + ([out_r] if out_r else [])
    while fds and time.monotonic() < deadline:
        ready, _, _ = select.select(fds, [], [], 0.5)
        for fd in ready:
            if fd == master:
                try:
                    b = os.read(master, 65536)
                except OSError:  # EIO: the child closed its end
                    b = b""
                if not b:
                    fds.remove(master)
                tty_bytes += b
            else:
                b = os.read(fd.fileno(), 65536)
                if not b:
                    fds.remove(fd)
                piped += b
        if p.poll() is not None and not ready:
            break
    p.wait(timeout=10)
    os.close(master)
    if out_r:
        out_r.close()
    if stdout_tty:
        return p.returncode, tty_bytes, piped
    return p.returncode, piped, tty_bytes


class AuditForPeople(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.fx = Fixture(scenario(1500)).start()
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.fx.stop()
        cls.tmp.cleanup()

    def audit(self, *args, env=None, input=None):
        p = subprocess.run([detour_bin(), "audit", "--cacert", ca_file(),
                            *self.fx.connect_to_args(NAMES), *args],
                           capture_output=True, timeout=120, env=env, input=input)
        err = p.stderr.decode("utf-8", "replace")
        for m in SAN:
            self.assertNotIn(m, err)
        return p.returncode, p.stdout.decode("utf-8", "replace"), err

    def jsonl(self, out):
        return [json.loads(ln) for ln in out.splitlines() if ln.strip()]

    # -- --ordered ----------------------------------------------------------

    def test_ordered_prints_in_the_lists_order(self):
        # b.test (line 1) takes 1.5 s a request; the others finish first. As
        # they end, line 1 comes last; with --ordered, first, and the rest in
        # the list's order — the same results either way.
        path = write_list(self.tmp.name, ["b.test", "# a comment", "a.test",
                                          "c.test", "https://a.test/x"], "order.txt")
        rc, out, err = self.audit("--json", "--from", path, "--concurrency", "4")
        self.assertEqual(rc, 0, err)
        free = self.jsonl(out)
        self.assertEqual(sorted(js["line"] for js in free), [1, 3, 4, 5])
        self.assertEqual(free[-1]["line"], 1, "the slow target did not finish last")
        rc, out, err = self.audit("--json", "--from", path, "--concurrency", "4", "--ordered")
        self.assertEqual(rc, 0, err)
        ordered = self.jsonl(out)
        self.assertEqual([js["line"] for js in ordered], [1, 3, 4, 5])
        self.assertEqual([js["target"] for js in ordered],
                         ["b.test", "a.test", "c.test", "https://a.test/x"])
        strip = lambda js: (js["line"], json.dumps(js["findings"], sort_keys=True))  # noqa: E731
        self.assertEqual(sorted(map(strip, free)), sorted(map(strip, ordered)))

    def test_ordered_text_too(self):
        path = write_list(self.tmp.name, ["b.test", "a.test"], "order-text.txt")
        rc, out, err = self.audit("--from", path, "--ordered", "--no-summary")
        self.assertEqual(rc, 0, err)
        heads = [ln for ln in out.splitlines() if ln.startswith(path + ":")]
        self.assertEqual(heads, [f"{path}:1: audit b.test: 0 errors, 0 warnings",
                                 f"{path}:2: audit a.test: 0 errors, 0 warnings"])

    def test_ordered_holds_a_bounded_number_of_results(self):
        # --concurrency 2 holds at most 4 x 2 finished results behind a slow
        # first target (docs/audit.md): until b.test's result is printed, no
        # more than 2 + 8 targets have started, however many follow. Each
        # fast target is a URL with its own path, so the fixture's log says
        # which ones started; b.test takes 4 s a request here, time for the
        # 60 fast ones to finish many times over were nothing held back.
        n = 60
        lines = ["b.test"] + [f"https://a.test/p{i}" for i in range(n)]
        path = write_list(self.tmp.name, lines, "hold.txt")
        with Fixture(scenario(4000)) as fx:
            p = subprocess.Popen([detour_bin(), "audit", "--json", "--from", path, "--ordered",
                                  "--concurrency", "2", "--cacert", ca_file(),
                                  *fx.connect_to_args(NAMES)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                most, polls = 0, 0
                t0 = time.monotonic()
                while time.monotonic() - t0 < 60:
                    # the log first, then "nothing printed yet": the count
                    # was taken while b.test still held the line
                    started = {r["path"] for r in fx.requests() if r["path"].startswith("/p")}
                    if select.select([p.stdout], [], [], 0)[0]:
                        break
                    most = max(most, len(started))
                    polls += 1
                    time.sleep(0.1)
                waited = time.monotonic() - t0
                out = p.stdout.read().decode()
                err = p.stderr.read().decode()
                p.wait(timeout=120)
            finally:
                if p.poll() is None:
                    p.kill()
                    p.wait()
                p.stdout.close()
                p.stderr.close()
        for m in SAN:
            self.assertNotIn(m, err)
        self.assertGreater(waited, 3.0)  # b.test held the line all along
        self.assertGreater(most, 0)
        self.assertLessEqual(most, 2 + 4 * 2 - 1)
        rows = [json.loads(ln) for ln in out.splitlines()]
        self.assertEqual([js["line"] for js in rows], list(range(1, n + 2)))
        self.assertEqual(p.returncode, 0, err)

    def test_ordered_is_for_lists(self):
        rc, out, err = self.audit("--ordered", "a.test")
        self.assertEqual(rc, 2)
        self.assertIn("--ordered only makes sense with --from", err)

    # -- the progress line --------------------------------------------------

    def test_progress_on_a_terminal_not_in_a_pipe(self):
        path = write_list(self.tmp.name, ["a.test", "c.test", "https://a.test/y"],
                          "progress.txt")
        cmd = [detour_bin(), "audit", "--json", "--from", path, "--concurrency", "1",
               "--cacert", ca_file(), *self.fx.connect_to_args(NAMES)]
        env = dict(os.environ, TERM="xterm")
        rc, out, tty = run_on_pty(cmd, env=env)
        tty = tty.decode("utf-8", "replace")
        self.assertEqual(rc, 0, tty)
        self.assertEqual(len(self.jsonl(out.decode())), 3)
        # done/total from the start (the file was counted), the rate, and
        # the time left while targets remain; the last one ends the line.
        self.assertIn("\raudit: 1/3 done, 0 with errors, ", tty)
        self.assertRegex(tty, r"\raudit: 1/3 done, 0 with errors, \d+/min, ETA [0-9hms]+\x1b\[K")
        self.assertRegex(tty, r"\raudit: 3/3 done, 0 with errors, \d+/min, took [0-9hms]+\x1b\[K\r?\n")
        # a pipe: not a line of it
        rc, out, err = self.audit("--json", "--from", path)
        self.assertEqual(rc, 0, err)
        self.assertNotIn("audit: ", err)
        self.assertNotIn("\r", err)

    def test_progress_from_a_pipe_learns_the_total_at_its_end(self):
        # stdin is read once, as the window frees up: the total is known when
        # its end is reached, so the last line still says N/N.
        cmd = [detour_bin(), "audit", "--json", "--from", "-", "--progress",
               "--cacert", ca_file(), *self.fx.connect_to_args(NAMES)]
        p = subprocess.run(cmd, input=b"a.test\nc.test\n", capture_output=True, timeout=120)
        err = p.stderr.decode()
        self.assertEqual(p.returncode, 0, err)
        # no terminal: the line without escape bytes
        self.assertRegex(err, r"\raudit: 2/2 done, 0 with errors, \d+/min, took [0-9hms]+\n")
        self.assertNotIn(ESC, err)

    # -- the summary --------------------------------------------------------

    def test_summary_counts_are_the_runs_findings(self):
        lines = ["a.test", "www.a.test", "127.0.0.1", "https://a.test/q", "10.0.0.1",
                 "http://[bad", "prod a.test", "c.test"]
        path = write_list(self.tmp.name, lines, "summary.txt")
        rc, out, err = self.audit("--json", "--summary", "--from", path)
        self.assertEqual(rc, 1, err)
        rows = self.jsonl(out)
        results, last = rows[:-1], rows[-1]
        self.assertEqual(list(last), ["summary"])
        self.assertTrue(all("line" in js for js in results))
        s = last["summary"]
        sev = {"error": 0, "warning": 0, "info": 0}
        by_code = {}
        for js in results:
            for f in js["findings"]:
                sev[f["severity"]] += 1
            # a target counts once per code; codes first seen first (the
            # results' order, then the report's) break a tie in the worst
            for code in dict.fromkeys((f["code"], f["severity"]) for f in js["findings"]):
                by_code.setdefault(code, []).append(js["line"])
        self.assertEqual(s["targets"], len(results))
        self.assertEqual(s["findings"], sev)
        self.assertEqual(s["with_errors"], sum(1 for js in results if js["errors"]))
        self.assertEqual(s["with_warnings"], sum(1 for js in results if js["warnings"]))
        self.assertEqual(s["not_audited"], sum(1 for js in results if "error" in js))
        self.assertEqual(s["skipped_lines"], 1)
        self.assertEqual([(e["line"], e["error"]) for e in s["not_audited_examples"]],
                         [(6, "EURL")])
        # the worst: errors before warnings, most targets first, each with
        # its count and the first targets (by line) that have it
        self.assertTrue(s["worst"])
        want = sorted(((c, v) for (c, v), ls in by_code.items() if v != "info"),
                      key=lambda cv: (["error", "warning"].index(cv[1]),
                                      -len(by_code[cv])))
        self.assertEqual([(w["code"], w["severity"]) for w in s["worst"]],
                         want[:10])
        for w in s["worst"]:
            got = by_code[(w["code"], w["severity"])]
            self.assertEqual(w["targets"], len(got))
            self.assertEqual([e["line"] for e in w["examples"]], sorted(got)[:3])
        ip = [w for w in s["worst"] if w["code"] == "domain.format.is_ip_address"][0]
        self.assertEqual(([e["target"] for e in ip["examples"]], ip["targets"]),
                         (["127.0.0.1", "10.0.0.1"], 2))
        # JSON Lines without --summary stay one object per target
        rc, out, err = self.audit("--json", "--from", path)
        self.assertTrue(all("summary" not in js for js in self.jsonl(out)))
        # the text ends with the same numbers
        rc, out, err = self.audit("--from", path)
        self.assertEqual(rc, 1, err)
        tail = out[out.index("summary of " + path):]
        self.assertIn(f"{s['targets']} targets audited, {s['with_errors']} with errors, "
                      f"{s['with_warnings']} with warnings, {s['not_audited']} not audited, "
                      "1 line skipped", tail)
        self.assertIn(f"findings: {sev['error']} errors, {sev['warning']} warning"
                      f"{'' if sev['warning'] == 1 else 's'}, {sev['info']} info", tail)
        self.assertIn("domain.format.is_ip_address  2 targets\n"
                      "      127.0.0.1 (line 3), 10.0.0.1 (line 5)\n", tail)
        self.assertIn("not audited: http://[bad (line 6: EURL)", tail)
        rc, out, err = self.audit("--from", path, "--no-summary")
        self.assertNotIn("summary of", out)

    # -- --chains in the text -------------------------------------------------

    def test_chains_in_text_show_every_hop(self):
        rc, out, err = self.audit("--json", "a.test")
        self.assertEqual(rc, 0, err)
        chains = json.loads(out)["chains"]
        rc, text, err = self.audit("--chains", "a.test")
        self.assertEqual(rc, 0, err)
        self.assertNotIn("chain\n", self.audit("a.test")[1])  # not by default
        for name in ("https", "http", "www", "browser"):
            self.assertIn(f"\n{name} chain\n", text)
            part = text[text.index(f"\n{name} chain\n"):]
            hops = chains[name]["hops"]
            self.assertIn(f"  ({len(hops)} hop{'' if len(hops) == 1 else 's'})", part)
            for i, h in enumerate(hops):
                # the line fetch prints for each hop, indented under the chain
                self.assertIn(f"\n  {i + 1:2d}  {h['request']['method']:<6} "
                              f"{h['request']['url']}\n", part)
        # the browser's chain has its internal or real upgrade hop
        self.assertIn("http://a.test/", text[text.index("\nbrowser chain\n"):])
        # in a list too, under each target
        path = write_list(self.tmp.name, ["a.test", "c.test"], "chains.txt")
        rc, text, err = self.audit("--from", path, "--chains")
        self.assertEqual(rc, 0, err)
        self.assertEqual(text.count("\nbrowser chain\n"), 2)
        self.assertIn("  1  GET    https://c.test/\n", text)

    # -- colour ---------------------------------------------------------------

    def test_audit_colour(self):
        path = write_list(self.tmp.name, ["a.test", "127.0.0.1"], "colour.txt")
        rc, out, err = self.audit("--from", path, "--color=always", "--chains")
        self.assertIn(ESC, out)
        self.assertIn("\x1b[1;31mdomain.format.is_ip_address\x1b[0m", out)  # an error
        self.assertIn("\n\x1b[36minfo\x1b[0m\n", out)  # a heading
        self.assertIn("\x1b[32m200 OK\x1b[0m", out)  # a chain's status
        self.assertIn("\x1b[1msummary of", out)
        # a pipe (auto), never, and JSON even when asked: not one ESC byte
        for args in ([], ["--color=never"], ["--json"], ["--json", "--color=always"],
                     ["--json", "--color=always", "--summary", "--chains"]):
            rc, out, err = self.audit("--from", path, *args)
            self.assertNotIn(ESC, out, args)
        rc, out, err = self.audit("--color=always", "--json", "a.test")
        self.assertNotIn(ESC, out)
        rc, out, err = self.audit("--color=sometimes", "a.test")
        self.assertEqual(rc, 2)
        self.assertIn("--color is auto, always or never", err)

    def test_audit_colour_on_a_terminal_unless_no_color(self):
        cmd = [detour_bin(), "audit", "--cacert", ca_file(),
               *self.fx.connect_to_args(NAMES), "127.0.0.1"]
        env = dict(os.environ, TERM="xterm")
        env.pop("NO_COLOR", None)
        rc, out, _ = run_on_pty(cmd, env=env, stdout_tty=True, stderr_tty=False)
        self.assertEqual(rc, 1)
        self.assertIn(b"\x1b[1;31m", out)
        for nc in ("1", "yes"):
            rc, out, _ = run_on_pty(cmd, env=dict(env, NO_COLOR=nc), stdout_tty=True,
                                    stderr_tty=False)
            self.assertEqual(rc, 1)
            self.assertIn(b"domain.format.is_ip_address", out)
            self.assertNotIn(b"\x1b", out)
        # NO_COLOR set but empty does not count (no-color.org); --color=always
        # beats it (an option given for this run)
        rc, out, _ = run_on_pty(cmd, env=dict(env, NO_COLOR=""), stdout_tty=True,
                                stderr_tty=False)
        self.assertIn(b"\x1b[1;31m", out)
        rc, out, _ = run_on_pty(cmd + ["--color=always"], env=dict(env, NO_COLOR="1"),
                                stdout_tty=True, stderr_tty=False)
        self.assertIn(b"\x1b[1;31m", out)


class FetchColour(unittest.TestCase):
    """The chain text: status codes by class, the internal 307, the error."""

    def fetch(self, fx, *args, env=None):
        p = subprocess.run([detour_bin(), "fetch", "--cacert", ca_file(),
                            *fx.connect_to_args(["a.test"]), *args],
                           capture_output=True, timeout=60, env=env)
        err = p.stderr.decode("utf-8", "replace")
        for m in SAN:
            self.assertNotIn(m, err)
        return p.returncode, p.stdout.decode("utf-8", "replace"), err

    def test_fetch_colour(self):
        scen = f"""
route /*
  on http
  status 301
  header Location: https://a.test/
route /missing
  status 404
route /*
  {STS}
  body ok
"""
        with tempfile.TemporaryDirectory() as d, Fixture(scen) as fx:
            store = ["--hsts-store", os.path.join(d, "hsts.txt"), "--user-data-dir", d]
            rc, out, err = self.fetch(fx, *store, "--color=always", "http://a.test/")
            self.assertEqual(rc, 0, err)
            self.assertIn("\x1b[36m301 Moved Permanently\x1b[0m", out)
            self.assertIn("\x1b[32m200 OK\x1b[0m", out)
            # the second visit: the internal 307, nothing sent
            rc, out, err = self.fetch(fx, *store, "--color=always", "http://a.test/")
            self.assertIn("\x1b[35m307 Internal Redirect\x1b[0m", out)
            self.assertIn("\x1b[35m[internal: nothing sent]\x1b[0m", out)
            rc, out, err = self.fetch(fx, *store, "--color=always", "https://a.test/missing")
            self.assertIn("\x1b[1;31m404 Not Found\x1b[0m", out)
            # the same fetches in a pipe, or as JSON/HAR even when asked: plain
            for args in ([], ["--color=never"], ["--json", "--color=always"],
                         ["--har", "-", "--color=always"],
                         ["--explain", "--color=always"]):
                rc, out, err = self.fetch(fx, *store, *args, "http://a.test/")
                self.assertEqual(rc, 0, (args, err))
                self.assertNotIn(ESC, out, args)
            # on a terminal unless NO_COLOR
            cmd = [detour_bin(), "fetch", "--cacert", ca_file(), *fx.connect_to_args(["a.test"]),
                   *store, "http://a.test/"]
            env = dict(os.environ, TERM="xterm")
            env.pop("NO_COLOR", None)
            rc, out, _ = run_on_pty(cmd, env=env, stdout_tty=True, stderr_tty=False)
            self.assertEqual(rc, 0)
            self.assertIn(b"\x1b[35m307 Internal Redirect", out)
            rc, out, _ = run_on_pty(cmd, env=dict(env, NO_COLOR="1"), stdout_tty=True,
                                    stderr_tty=False)
            self.assertEqual(rc, 0)
            self.assertIn(b"307 Internal Redirect", out)
            self.assertNotIn(b"\x1b", out)

    def test_fetch_error_in_colour(self):
        # a port nothing listens on: the error, in red, said once on stderr
        # (issue 19 part 3); the chain on stdout shows the hop it tried
        with Fixture("") as fx:
            port = fx.http
        rc, out, err = self.fetch_closed(port)
        self.assertNotEqual(rc, 0)
        self.assertIn("detour: \x1b[1;31mECONNECT", err)
        self.assertNotIn("ECONNECT", out)

    def fetch_closed(self, port):
        p = subprocess.run([detour_bin(), "fetch", "--no-hsts", "--color=always",
                            f"http://127.0.0.1:{port}/"],
                           capture_output=True, timeout=60)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode()


if __name__ == "__main__":
    unittest.main(verbosity=2)
