"""The redirect/HSTS conformance suite: every case C01-C76 of
docs/redirects.md §2, end to end through real sockets.

The cases are DATA in fixtures/conformance/*.json (one file per group; the
format is documented in fixtures/conformance/README.md). This script builds
ONE fixture scenario from every case's routes, starts ONE detour-fixture
process, runs `detour fetch --json` for each step of each case, and checks the
step against the fixture's request log (the witness of what reached the wire)
and the hop chain detour printed.

Every step that involves an HSTS upgrade maps the upgraded name's port 80 to
a dedicated plain-http listener, `sentinel`: it must never see a connection
(the plaintext sentinel), checked per step and once more for the whole run.

A case the default profile answers differently from docs/redirects.md's table is run with
the profile that matches it (and with the default, asserting what
docs/conformance.md says detour does). A case detour gets wrong carries
`"bug": "BUG: ..."` in its data: its test is a unittest expected failure, so
it never counts as a pass. The last line printed is the summary:

    conformance: N cases run, N pass, N expected-fail (bugs), N left out

With DETOUR_CONF_FRONT=tls13, tls12 or h2 the fixture's https listener is
reached through a real nginx in front of it (fixtures/conformance/
front.conf.in): TLS 1.3 only, TLS 1.2 only, or HTTP/2 with TLS 1.2+1.3.
The same cases must pass; a case whose wire nginx itself changes says so
with "front": "direct" (it then keeps the fixture's own https).
"""

import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dtfixture  # noqa: E402
from dtfixture import (Fixture, ca_file, detour_has_tls13, header_values,  # noqa: E402
                       run_detour)
from nginx import Nginx  # noqa: E402

FRONT = os.environ.get("DETOUR_CONF_FRONT", "")
FRONTS = {"tls13": ("TLSv1.3", ""), "tls12": ("TLSv1.2", ""),
          "h2": ("TLSv1.2 TLSv1.3", "http2")}

CASE_DIR = os.path.join(dtfixture.source_dir(), "fixtures", "conformance")

# Listeners every case may use (besides the fixture's own http and https).
LISTENERS = """\
# plaintext sentinel: the :80 of every name an HSTS step upgrades maps here
listener sentinel http
# a second https port (C48: a port change is an origin change)
listener https2 https
# a certificate nobody trusts (C72)
listener badtls https untrusted
# certificate for names two labels below a.test (C64, C66; *.a.test covers one)
listener deep https other
"""
# IPv6 loopback (C67: http://[::1]/), when the machine has one.
LISTENER_V6 = "listener v6 http ipv6\n"


def have_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False

# Names in the "deep" certificate (made at setUp from the test CA).
DEEP_NAMES = ["x.y.a.test", "bar.foo.a.test", "p.test", "*.p.test", "bar.foo.p.test"]


def load_groups():
    groups = []
    for path in sorted(glob.glob(os.path.join(CASE_DIR, "[0-9]*.json"))):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        data["file"] = os.path.basename(path)
        groups.append(data)
    return groups


GROUPS = load_groups()


PROFILES = ("chromium", "fetch", "firefox")


def variants(case):
    """A case is one or more variants (one test each); shorthand: steps at top level.
    A case none of whose steps names a profile is the same row for every profile:
    it also runs as `fetch` and as `firefox` (variants named `..._as_fetch`,
    `..._as_firefox`), asserting the same outcome, so a profile that drifted from
    the others on a case no knob covers fails here."""
    if "variants" in case:
        base = case["variants"]
    elif "steps" in case:
        base = [{"name": "", "steps": case["steps"], "bug": case.get("bug")}]
    else:
        return []
    if any(step.get("profile") for var in base for step in var["steps"]):
        return base
    more = []
    for profile in PROFILES[1:]:
        for var in base:
            v = dict(var)
            v["name"] = "_".join(x for x in (var.get("name"), "as", profile) if x)
            v["steps"] = [dict(step, profile=profile) for step in var["steps"]]
            more.append(v)
    return base + more


def host_of(req):
    """The logged Host without its port, ASCII-lowercased."""
    h = (req.get("host") or "").lower()
    if h.startswith("["):
        return h[:h.index("]") + 1]
    return h.rsplit(":", 1)[0] if ":" in h else h


def wire_line(req):
    return f"{req['method']} {host_of(req)} {req['path']}"


class Conformance(unittest.TestCase):
    fx = None
    front = None
    front_hops = 0

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="detour-conf-")
        try:
            cls._start()
        except BaseException:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def _start(cls):
        cls.env = dict(os.environ, XDG_DATA_HOME=os.path.join(cls.tmp, "xdg"))
        certs = os.path.join(cls.tmp, "certs")
        dtfixture.certs_with_other(certs, DEEP_NAMES, cn="x.y.a.test")
        # {preload}: a tiny list compiled from fixtures/conformance/preload.json.
        cls.paths = {"preload": os.path.join(cls.tmp, "preload.bin")}
        rc, _, err, _ = run_detour(["preload", "compile", os.path.join(CASE_DIR, "preload.json"),
                                    "-o", cls.paths["preload"], "--date", "2026-11-01"], env=cls.env)
        if rc != 0:
            raise RuntimeError(f"detour preload compile failed: {err}")
        cls.ipv6 = have_ipv6_loopback()
        routes = [LISTENERS + (LISTENER_V6 if cls.ipv6 else "")]
        for g in GROUPS:
            for case in g["cases"]:
                if case.get("routes"):
                    r = case["routes"]
                    routes.append(f"# {case['id']}\n" + ("\n".join(r) if isinstance(r, list) else r))
        cls.scenario = "\n".join(routes) + "\n"
        # The fixture takes --certs from dtfixture.cert_dir(): point it at the
        # copy with the deep certificate for the start only.
        orig = dtfixture.cert_dir
        dtfixture.cert_dir = lambda: certs
        try:
            cls.fx = Fixture(cls.scenario).start()
        finally:
            dtfixture.cert_dir = orig
        if FRONT:
            protocols, http2 = FRONTS[FRONT]
            cls.front = Nginx("front-" + FRONT, docroot={},
                              template=os.path.join(CASE_DIR, "front.conf.in"),
                              subst={"@UPSTREAM@": str(cls.fx.https),
                                     "@PROTOCOLS@": protocols, "@HTTP2@": http2}).start()

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.front:
                cls.front.stop()
                print(f"conformance: {cls.front_hops} hops through the {FRONT} front")
                if not cls.front_hops:
                    raise AssertionError(f"no hop went through the {FRONT} front")
            if cls.fx:
                sentinel = cls.fx.connections("sentinel")
                cls.fx.stop()
                if sentinel:
                    raise AssertionError(f"plaintext sentinel saw {sentinel} connection(s)")
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    # -- helpers -------------------------------------------------------------
    def subst(self, s):
        """{http}, {https}, {sentinel}, ... become listener ports; {preload} a path."""
        if not isinstance(s, str):
            return s

        def one(m):
            if m.group(1) in self.fx.ports:
                return str(self.fx.port(m.group(1)))
            return self.paths.get(m.group(1), m.group(0))
        return re.sub(r"\{(\w+)\}", one, s)

    def port_of(self, listener):
        """The port a name maps to: nginx's for the fixture's https
        listener when a front runs (and the case allows it)."""
        if listener == "https" and self.front and not self.direct:
            return self.front.https_port
        return self.fx.port(listener)

    def detour(self, args, stdin=None):
        return run_detour(args, env=self.env,
                          input=stdin.encode("latin-1") if stdin is not None else None)

    def hsts_cmd(self, store, *args):
        rc, out, err, js = self.detour(["hsts", "--json", "--hsts-store", store, *args])
        self.assertEqual(rc, 0, f"detour hsts {' '.join(args)}: {err}")
        return js

    def run_step(self, step, store, label, udd=None):
        fx = self.fx
        if "{v6}" in step["url"] and not self.ipv6:
            self.skipTest("no IPv6 loopback on this machine")
        conn = []
        for name in step.get("hsts", []):          # upgraded names: :80 -> sentinel
            conn += ["--connect-to", f"{name}:80:127.0.0.1:{fx.port('sentinel')}"]
        for spec, listener in step.get("map", []):  # "a.test:8443" -> listener
            conn += ["--connect-to", f"{self.subst(spec)}:127.0.0.1:{self.port_of(listener)}"]
        conn += ["--connect-to", f":80:127.0.0.1:{fx.http}",
                 "--connect-to", f":443:127.0.0.1:{self.port_of('https')}"]
        if step.get("command") == "audit":
            return self.run_audit(step, conn, label)
        args = ["fetch", "--json", "--cacert", ca_file()]
        args += ["--hsts-store", store] if store else ["--no-hsts-store"]
        if udd:  # the browser's user-data directory: its redirect cache
            args += ["--user-data-dir", udd]
        if step.get("profile"):
            args += ["--profile", step["profile"]]
        args += conn + [self.subst(a) for a in step.get("args", [])] + [self.subst(step["url"])]
        before = len(fx.events())
        rc, out, err, js = self.detour(args, step.get("stdin"))
        events = fx.events()[before:]
        reqs = [e for e in events if e.get("event") == "request"]
        ctx = f"{label}: detour {' '.join(args[1:])}\nstderr: {err[-2000:]}\nwire: " + \
            json.dumps([wire_line(r) for r in reqs])
        self.assertIsNotNone(js, f"no JSON; {ctx}")
        self.check_front(js, ctx)
        self.check(step.get("expect", {}), rc, js, events, reqs, store, ctx, step)

    def check_front(self, js, ctx):
        """Through the front, a hop that reached nginx shows its TLS and
        protocol: the variant really ran over them."""
        if not self.front:
            return
        want_tls = {"tls13": "TLSv1.3", "tls12": "TLSv1.2", "h2": None}[FRONT]
        for i, hop in enumerate(js["hops"]):
            c = hop.get("connection")
            if not c or not c["remote_addr"].endswith(f":{self.front.https_port}"):
                continue
            type(self).front_hops += 1
            if want_tls:
                self.assertEqual(c["tls_version"], want_tls, f"hop {i}; {ctx}")
            if FRONT == "h2":
                self.assertEqual(c["alpn"], "h2", f"hop {i}; {ctx}")
                if hop["response"]:
                    self.assertEqual(hop["response"]["http_version"], "HTTP/2",
                                     f"hop {i}; {ctx}")

    def run_audit(self, step, conn, label):
        """`detour audit --json URL`: the permanent-redirect finding (the
        audit's warning, docs/audit.md `redirects.permanent_cached`) on the
        browser navigation's hops. The checker's own walks also reach the
        fixture; their wire is not asserted."""
        args = ["audit", "--json", "--cacert", ca_file(), *conn,
                *[self.subst(a) for a in step.get("args", [])], self.subst(step["url"])]
        rc, out, err, js = self.detour(args)
        ctx = f"{label}: detour {' '.join(args)}\nstderr: {err[-2000:]}"
        self.assertIsNotNone(js, f"no JSON; {ctx}")
        marked = sorted(h["hop"] for f in js["findings"] if f["code"] == "redirects.permanent_cached"
                        for h in f["hops"] if h["chain"] == "browser")
        want = step["expect"]["permanent_cached_hops"]
        self.assertEqual(marked, want, f"browser hops with redirects.permanent_cached; {ctx}")

    def check(self, ex, rc, js, events, reqs, store, ctx, step):
        hops = js["hops"]
        if "exit" in ex:
            self.assertEqual(rc, ex["exit"], f"exit status; {ctx}")
        if "error" in ex:
            got = js["error"]["code"] if js["error"] else None
            self.assertEqual(got, ex["error"], f"error; {ctx}")
        if "wire" in ex:
            self.assertEqual([wire_line(r) for r in reqs], ex["wire"], f"wire; {ctx}")
        if "wire_cycle" in ex:
            pat, n = ex["wire_cycle"]["pattern"], ex["wire_cycle"]["count"]
            want = [pat[i % len(pat)].replace("{n}", str(i)) for i in range(n)]
            self.assertEqual([wire_line(r) for r in reqs], want, f"wire; {ctx}")
        for idx, want in ex.get("req", {}).items():
            self.assertLess(int(idx), len(reqs), f"request {idx} missing; {ctx}")
            r = reqs[int(idx)]
            where = f"request {idx} ({wire_line(r)}); {ctx}"
            if "body" in want:
                self.assertEqual(r["body"], want["body"], f"body of {where}")
                self.assertEqual(r["body_bytes"], len(want["body"]), f"body_bytes of {where}")
            if "tls" in want:
                self.assertEqual(r["tls"], want["tls"], f"tls of {where}")
            for name, value in want.get("has", {}).items():
                self.assertEqual(header_values(r, name), [value], f"{name} of {where}")
            for name in want.get("absent", []):
                self.assertEqual(header_values(r, name), [], f"{name} must be absent: {where}")
        if ex.get("all_tls"):
            self.assertTrue(all(r["tls"] for r in reqs), f"a request went out in plaintext; {ctx}")
            bad = [e for e in events if e.get("event") in ("bad_request", "tls_error")]
            self.assertEqual(bad, [], f"plaintext reached a TLS listener; {ctx}")
        if ex.get("no_tls_request"):
            self.assertEqual(reqs, [], f"no request may complete; {ctx}")
        if "hops" in ex:
            self.assertEqual(len(hops), len(ex["hops"]), f"hop count; {ctx}")
            for i, want in enumerate(ex["hops"]):
                self.check_hop(i, hops[i], want, ctx)
        if "hops_prefix" in ex:
            self.assertGreaterEqual(len(hops), len(ex["hops_prefix"]), f"hop count; {ctx}")
            for i, want in enumerate(ex["hops_prefix"]):
                self.check_hop(i, hops[i], want, ctx)
        if "last_hop" in ex:
            self.assertTrue(hops, f"no hops; {ctx}")
            self.check_hop(len(hops) - 1, hops[-1], ex["last_hop"], ctx)
        if "hop_count" in ex:
            self.assertEqual(len(hops), ex["hop_count"], f"hop count; {ctx}")
        if "synthetic_count" in ex:
            n = sum(1 for h in hops if h["synthetic"])
            self.assertEqual(n, ex["synthetic_count"], f"synthetic hops; {ctx}")
        if "final_status" in ex:
            last = hops[-1]["response"] if hops else None
            self.assertEqual(last and last["status"], ex["final_status"], f"final status; {ctx}")
        if "final_body_bytes" in ex:
            self.assertEqual(hops[-1]["response"]["body_bytes"], ex["final_body_bytes"], ctx)
        if "final_url" in ex:
            self.assertEqual(js["final_url"], self.subst(ex["final_url"]), f"final_url; {ctx}")
        # Plaintext sentinel: an upgraded name's :80 saw nothing.
        if step.get("hsts"):
            accepts = [e for e in events if e.get("event") == "accept"
                       and e["listener"] == "sentinel"]
            self.assertEqual(accepts, [], f"PLAINTEXT SENTINEL: connection to :80; {ctx}")
        for listener, n in ex.get("connections", {}).items():
            got = sum(1 for e in events if e.get("event") == "accept" and e["listener"] == listener)
            self.assertEqual(got, n, f"connections on {listener}; {ctx}")
        if "store" in ex:
            for host, known in ex["store"].items():
                q = self.hsts_cmd(store, "query", host)
                self.assertEqual(q["known"], known, f"store: {host} known? {q}; {ctx}")
        for host, (lo, hi) in ex.get("store_max_age_days", {}).items():
            # The entry's remaining lifetime (expires - now), in days.
            q = self.hsts_cmd(store, "query", host)
            self.assertTrue(q["known"], f"store: {host} must be known; {ctx}")
            exp = time.mktime(time.strptime(q["match"]["expires"], "%Y-%m-%dT%H:%M:%SZ")) \
                - time.mktime(time.gmtime())
            days = exp / 86400
            self.assertTrue(lo <= days <= hi, f"{host} expires in {days:.1f} days, "
                            f"want {lo}..{hi}; {ctx}")
        if ex.get("store_empty"):
            lst = self.hsts_cmd(store, "list")
            self.assertEqual(lst["entries"], [], f"store must be empty; {ctx}")

    def check_hop(self, i, hop, want, ctx):
        where = f"hop {i}; {ctx}"
        if "synthetic" in want:
            self.assertEqual(hop["synthetic"], want["synthetic"], f"synthetic, {where}")
            if want["synthetic"]:
                self.assertIsNone(hop["connection"], f"synthetic hop has no connection, {where}")
                self.assertIsNotNone(hop["reason"], f"synthetic hop carries its reason, {where}")
                hdrs = hop["response"]["headers"]
                self.assertIn(["Non-Authoritative-Reason", "HSTS"], hdrs, where)
                self.assertEqual(hop["response"]["reason"], "Internal Redirect", where)
        if "status" in want:
            self.assertEqual(hop["response"] and hop["response"]["status"], want["status"],
                             f"status, {where}")
        if "method" in want:
            self.assertEqual(hop["request"]["method"], want["method"], f"method, {where}")
        if "url" in want:
            self.assertEqual(hop["request"]["url"], self.subst(want["url"]), f"url, {where}")
        if "location" in want:
            locs = [v for n, v in hop["response"]["headers"] if n.lower() == "location"]
            self.assertEqual(locs, [self.subst(want["location"])], f"Location, {where}")
        if "body_bytes" in want:
            self.assertEqual(hop["request"]["body_bytes"], want["body_bytes"], where)
        if "note_has" in want:
            self.assertIn(want["note_has"].lower(), (hop["note"] or "").lower(), f"note, {where}")
        if "tls" in want:
            self.assertEqual(hop["connection"]["tls_version"] is not None, want["tls"], where)
        for name, value in want.get("resp_has", {}).items():
            got = [v for n, v in hop["response"]["headers"] if n.lower() == name.lower()]
            self.assertEqual(got, [self.subst(value)], f"response {name}, {where}")
        for name, value in want.get("req_has", {}).items():
            got = [v for n, v in hop["request"]["headers"] if n.lower() == name.lower()]
            self.assertEqual(got, [value], f"request {name}, {where}")
        if "json" in want:
            self.assert_partial(hop, want["json"], where)
        if "cache_marked" in want:
            # The permanent-redirect marker (docs/conformance.md C73-C75): a
            # note that mentions caching, or any truthy hop key about it.
            marked = "cache" in (hop["note"] or "").lower() or any(
                "cache" in k.lower() and v for k, v in hop.items())
            self.assertEqual(marked, want["cache_marked"], f"cache marker, {where}")

    def assert_partial(self, got, want, where, path="hop"):
        """Every key of WANT is in GOT with that value (dicts compared recursively)."""
        if isinstance(want, dict):
            self.assertIsInstance(got, dict, f"{path} should be an object, {where}")
            for k, v in want.items():
                self.assertIn(k, got, f"{path}.{k} missing, {where}")
                self.assert_partial(got[k], v, where, f"{path}.{k}")
        else:
            self.assertEqual(got, want, f"{path}, {where}")

    def run_variant(self, case, var):
        self.direct = case.get("front") == "direct"
        store = None
        if var.get("store", case.get("store")) is not None:
            store = os.path.join(self.tmp, f"store-{case['id']}-{var.get('name') or 'x'}.txt")
            for entry in var.get("store", case.get("store")):
                # "host" or ["host", include_subdomains, max_age_seconds]
                entry = entry if isinstance(entry, list) else [entry]
                host, isd, max_age = (entry + [False, None][len(entry) - 1:])[:3]
                self.hsts_cmd(store, "add", host, *(["--include-subdomains"] if isd else []),
                              *(["--max-age", str(max_age)] if max_age is not None else []))
        udd = None
        if var.get("user_data"):  # one directory for the variant's steps
            udd = os.path.join(self.tmp, f"udd-{case['id']}-{var.get('name') or 'x'}")
            shutil.rmtree(udd, ignore_errors=True)
        for k, step in enumerate(var["steps"]):
            if step.get("sleep"):  # let a short max-age run out
                time.sleep(step["sleep"])
            self.run_step(step, store, f"{case['id']} {var.get('name', '')} step {k + 1}", udd)


def _make_test(case, var):
    def test(self):
        self.run_variant(case, var)
    bug = var.get("bug") or case.get("bug")
    if bug:
        test = unittest.expectedFailure(test)
    test.__doc__ = f"{case['id']} {var.get('name', '')}: {case.get('title', '')}"
    return test


LEFT_OUT = {}
for _g in GROUPS:
    for _case in _g["cases"]:
        if _case.get("left_out"):
            LEFT_OUT[_case["id"]] = _case["left_out"]
            continue
        for _v in variants(_case):
            _name = f"test_{_case['id']}" + (f"_{_v['name']}" if _v.get("name") else "")
            setattr(Conformance, re.sub(r"\W", "_", _name), _make_test(_case, _v))


def case_of(test):
    m = re.match(r"test_(C\d+)", test.id().rsplit(".", 1)[-1])
    return m.group(1) if m else None


class Result(unittest.TextTestResult):
    """Remembers which tests started, so the summary counts only cases run."""

    def startTest(self, test):
        self.started = getattr(self, "started", []) + [test]
        super().startTest(test)


def summary(result):
    """Per case that ran (all its variants): pass, expected-fail (a known
    bug), skipped, or fail."""
    status = {}
    for test in getattr(result, "started", []):
        if case_of(test):
            status[case_of(test)] = "pass"
    for test, _ in result.skipped:
        cid = case_of(test)
        if cid and status.get(cid) == "pass":
            status[cid] = "skipped"
    for test, _ in result.expectedFailures:
        cid = case_of(test)
        if cid and status.get(cid) == "pass":
            status[cid] = "xfail"
    for test, _ in list(result.failures) + list(result.errors) + \
            [(t, None) for t in result.unexpectedSuccesses]:
        cid = case_of(test)
        if cid:
            status[cid] = "fail"
    return status


if __name__ == "__main__":
    t0 = time.monotonic()
    prog = unittest.main(testRunner=unittest.TextTestRunner(verbosity=2, resultclass=Result),
                         exit=False)
    print(f"conformance: {prog.result.testsRun} tests in {time.monotonic() - t0:.1f} s")
    st = summary(prog.result)
    run = len(st)
    npass = sum(1 for v in st.values() if v == "pass")
    nx = sum(1 for v in st.values() if v == "xfail")
    for cid, why in sorted(LEFT_OUT.items()):
        print(f"left out {cid}: {why}")
    for cid in sorted(k for k, v in st.items() if v == "xfail"):
        print(f"expected-fail {cid}")
    for cid in sorted(k for k, v in st.items() if v == "skipped"):
        print(f"skipped (part of) {cid}")
    print(f"conformance: {run} cases run, {npass} pass, {nx} expected-fail (bugs), "
          f"{len(LEFT_OUT)} left out")
    sys.exit(0 if prog.result.wasSuccessful() else 1)
