"""`detour audit` against real nginx: every fixtures/nginx configuration,
audited through --connect-to (the production names a.test / www.a.test
mapped to the loopback ports) and --cacert (the test CA), must give exactly
the codes of EXPECTED (test_nginx_fixture.py, itself checked by a reference
walk against the same servers) and the exit status that gates CI. Plus
`detour fetch` on the form behind a 301, showing the POST become a GET.

Codes are compared per group, as docs/audit.md defines them: the checker's
errors and warnings (source "hstspreload", each in the checker's order) and
detour's browser-side codes of severity error/warning (info codes are
free)."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dtfixture import ca_file, detour_has_tls13, run_detour  # noqa: E402
from nginx import Nginx, nginx_bin  # noqa: E402
from test_nginx_fixture import EXPECTED  # noqa: E402

SAN = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


# Where `detour fetch http://a.test/` ends on each configuration (a browser
# navigation with an empty memory-only HSTS store): a URL, or the error code
# and exit status it fails with (docs/cli.md).
FETCH_FINAL = {
    "good": "https://a.test/", "www-first": "https://www.a.test/",
    "hsts-over-http": "http://a.test/", "max-age-low": "https://a.test/",
    "no-include-subdomains": "https://a.test/",
    "redirect-loop": ("EREDIRECT_LIMIT", 10),
    "form-behind-301": "https://a.test/", "redirect-no-hsts": "https://www.a.test/",
    "multiple-sts": "https://a.test/",
    "tls13-only": "https://a.test/", "tls12-only": "https://a.test/",
    "http2": "https://a.test/", "obsolete-tls": ("ETLS_OBSOLETE", 6),
}

# The protocol and TLS version of the final hop, where a configuration fixes
# them for every backend.
FETCH_WIRE = {
    "tls13-only": ("TLSv1.3", "HTTP/1.1"), "tls12-only": ("TLSv1.2", "HTTP/1.1"),
    "http2": (None, "HTTP/2"),
}
# Error codes that fail the audit among detour's (the rest are warnings).
BROWSER_ERRORS = ("redirects.loop", "redirects.browser_limit",
                  "tls.obsolete_version", "audit.tls13_unavailable")


def expected(name):
    """EXPECTED, except what a build without TLS 1.3 cannot see: it reports
    its own limit on a TLS 1.3-only server, and cannot fetch there. On the
    TLS 1.0/1.1-only server such a build (Mbed TLS 2.28) gets only a
    handshake_failure alert (no suite of its TLS 1.2 ClientHello is usable
    at TLS 1.1 with an ECDSA certificate), which does not say "version":
    the plain ETLS, and no tls.obsolete_version (docs/tls.md)."""
    exp, final = EXPECTED[name], FETCH_FINAL[name]
    if not detour_has_tls13() and name == "tls13-only":
        exp = exp._replace(browser=["audit.tls13_unavailable"])
        final = ("ETLS_NEED13", 6)
    if not detour_has_tls13() and name == "obsolete-tls":
        exp = exp._replace(browser=[])
        final = ("ETLS", 6)
    return exp, final


def tls_fails(name):
    """No https request reaches this server (the handshake fails)."""
    return name == "obsolete-tls" or (name == "tls13-only" and not detour_has_tls13())


def target_args(exp):
    if exp.target.startswith("POST "):
        return ["-X", "POST", "-d", "name=x", exp.target[5:]]
    return [exp.target]


def groups(findings):
    err = [f["code"] for f in findings
           if f["source"] == "hstspreload" and f["severity"] == "error"]
    warn = [f["code"] for f in findings
            if f["source"] == "hstspreload" and f["severity"] == "warning"]
    browser = [f["code"] for f in findings
               if f["source"] == "detour" and f["severity"] in ("error", "warning")]
    return err, warn, browser


class Env:
    """A HOME of its own: the audit must not read or write the user's HSTS
    store (its browser store is memory-only)."""

    def __enter__(self):
        self.home = tempfile.mkdtemp(prefix="detour-audit-home-")
        self.env = dict(os.environ, HOME=self.home, XDG_DATA_HOME=self.home + "/data")
        return self

    def __exit__(self, *a):
        import shutil
        shutil.rmtree(self.home, ignore_errors=True)

    def files(self):
        out = []
        for root, _, files in os.walk(self.home):
            out += [os.path.join(root, f) for f in files]
        return out


@unittest.skipUnless(nginx_bin(), "nginx not installed (scripts/setup.sh installs nginx-light)")
class AuditNginx(unittest.TestCase):

    def audit(self, ng, args, env=None):
        rc, out, err, js = run_detour(["audit", "--json", "--cacert", ca_file(),
                                       *ng.connect_to_args(), *args], env=env)
        for m in SAN:
            self.assertNotIn(m, err)
        self.assertIsNotNone(js, f"no JSON: {out!r} {err!r}")
        return rc, js

    def check_shape(self, js):
        for f in js["findings"]:
            self.assertIn(f["severity"], ("error", "warning", "info"))
            self.assertIn(f["source"], ("hstspreload", "detour"))
            self.assertTrue(f["message"] and f["fix"], f)
            for h in f["hops"]:
                # Evidence points into a chain that is in the report.
                chain = js["chains"][h["chain"]]
                self.assertLess(h["hop"], len(chain["hops"]))
                self.assertEqual(chain["hops"][h["hop"]]["request"]["url"], h["url"])
        self.assertEqual(js["errors"],
                         sum(f["severity"] == "error" for f in js["findings"]))

    def test_every_configuration(self):
        for name in sorted(EXPECTED):
            exp, _ = expected(name)
            with self.subTest(config=name), Nginx(name) as ng, Env() as e:
                rc, js = self.audit(ng, target_args(exp), env=e.env)
                self.assertEqual(groups(js["findings"]),
                                 (exp.errors, exp.warnings, exp.browser),
                                 json.dumps(js["findings"], indent=1)[:4000])
                errors = exp.errors + [c for c in exp.browser if c in BROWSER_ERRORS]
                self.assertEqual(rc, 1 if errors else 0)
                self.check_shape(js)
                self.assertEqual(sorted(js["chains"]), ["browser", "http", "https", "www"])
                self.assertEqual(e.files(), [], "the audit wrote to HOME")
                # Everything went to this nginx, under the production names.
                # (www.a.test: the www TLS check, and redirects to www.)
                # (Where TLS fails no https request is logged, www's none.)
                hosts = {h for (_, h, _, _, _) in ng.access_log()}
                fails = tls_fails(name)
                self.assertEqual(hosts, {"a.test"} if fails else {"a.test", "www.a.test"})
                codes = [f["code"] for f in js["findings"]]
                # TLS facts (info): no TLS 1.3, no h2, where true
                if name == "tls12-only" and detour_has_tls13():
                    self.assertIn("tls.no_tls13", codes)
                if name in ("http2", "tls13-only"):
                    self.assertNotIn("tls.no_tls13", codes)
                if not fails:
                    self.assertEqual("tls.no_h2" in codes, name != "http2")

    def test_fetch_every_configuration(self):
        # detour fetch with the same --connect-to: the browser's own walk.
        self.assertEqual(sorted(FETCH_FINAL), sorted(EXPECTED))
        for name in sorted(FETCH_FINAL):
            _, final = expected(name)
            with self.subTest(config=name), Nginx(name) as ng:
                rc, out, err, js = run_detour(
                    ["fetch", "--json", "--no-hsts-store", "--cacert", ca_file(),
                     *ng.connect_to_args(), "http://a.test/"])
                for m in SAN:
                    self.assertNotIn(m, err)
                if isinstance(final, tuple):
                    self.assertIsNone(js["final_url"])
                    self.assertEqual((js["error"]["code"], rc), final, err)
                    continue
                self.assertEqual(js["final_url"], final)
                self.assertEqual(rc, 0, err)
                last = js["hops"][-1]
                self.assertEqual(last["response"]["status"], 200)
                tls, proto = FETCH_WIRE.get(name, (None, None))
                if tls:
                    self.assertEqual(last["connection"]["tls_version"], tls)
                if proto:
                    self.assertEqual(last["response"]["http_version"], proto)

    def test_checker_does_not_use_hsts(self):
        # redirect-loop: the http:// walk really goes back to http:// (no
        # internal upgrade on the checker's side), while the browser's walk
        # upgrades internally after the first https response.
        with Nginx("redirect-loop") as ng:
            rc, js = self.audit(ng, ["a.test"])
            http = js["chains"]["http"]["hops"]
            self.assertEqual([h["request"]["url"] for h in http],
                             ["http://a.test/", "https://a.test/"] * 2)
            self.assertEqual(len(http), 4)  # 3 redirects allowed, the 4th is one too many
            self.assertTrue(all(h["synthetic"] is False for h in http))
            browser = js["chains"]["browser"]["hops"]
            self.assertTrue(any(h["synthetic"] for h in browser))
            self.assertIn("redirects.hsts_internal", [f["code"] for f in js["findings"]])

    def test_preloaded_host_upgrades_in_the_browser_only(self):
        # a.test on the preload list: the browser never sends http:// (an
        # internal 307, redirects.hsts_internal), the checker still does.
        with tempfile.TemporaryDirectory() as d, Nginx("good") as ng:
            src, blob = os.path.join(d, "list.json"), os.path.join(d, "list.bin")
            with open(src, "w") as f:
                json.dump({"entries": [{"name": "a.test", "policy": "bulk-1-year",
                                        "mode": "force-https", "include_subdomains": True}]}, f)
            rc, out, err, _ = run_detour(["preload", "compile", src, "-o", blob])
            self.assertEqual(rc, 0, err)
            rc, js = self.audit(ng, ["--preload-file", blob, "a.test"])
            self.assertEqual(rc, 0)
            f = [f for f in js["findings"] if f["code"] == "redirects.hsts_internal"]
            self.assertEqual(len(f), 1)
            self.assertEqual(f[0]["severity"], "info")
            self.assertEqual(f[0]["hops"][0]["chain"], "browser")
            # the site's own http -> https redirect is never used by browsers
            w = [f for f in js["findings"] if f["code"] == "redirects.http.preloaded"]
            self.assertEqual([(x["severity"], x["hops"][0]["chain"]) for x in w],
                             [("warning", "browser")])
            browser = js["chains"]["browser"]["hops"]
            self.assertTrue(browser[0]["synthetic"])
            self.assertEqual(js["chains"]["http"]["hops"][0]["synthetic"], False)
            http_hits = [e for e in ng.access_log() if e[0] == "http"]
            self.assertEqual(len(http_hits), 1)  # the checker's, not the browser's

    def test_authorization_dropped_across_origins(self):
        with Nginx("www-first") as ng:
            rc, js = self.audit(ng, ["-H", "Authorization: Bearer x", "https://a.test/"])
            f = [f for f in js["findings"] if f["code"] == "redirects.authorization_dropped"]
            self.assertEqual(len(f), 1)
            self.assertEqual((f[0]["severity"], f[0]["hops"][0]["url"]),
                             ("warning", "https://www.a.test/"))
            hops = js["chains"]["browser"]["hops"]
            names = [[n.lower() for n, _ in h["request"]["headers"]] for h in hops]
            self.assertIn("authorization", names[0])
            self.assertNotIn("authorization", names[1])

    def test_evidence_names_the_hop(self):
        with Nginx("www-first") as ng:
            rc, js = self.audit(ng, ["a.test"])
            f = [f for f in js["findings"] if f["code"] == "redirects.http.www_first"][0]
            self.assertEqual(f["hops"], [{"chain": "http", "hop": 0, "method": "GET",
                                          "url": "http://a.test/", "status": 301}])
            self.assertIn("https://www.a.test/", f["detail"])

    def test_human_output(self):
        with Nginx("max-age-low") as ng:
            rc, out, err, _ = run_detour(["audit", "--cacert", ca_file(),
                                          *ng.connect_to_args(), "a.test"])
            self.assertEqual(rc, 1)
            self.assertTrue(out.startswith("audit a.test: 1 error, 0 warnings\n"), out)
            self.assertIn("\nerrors\n  header.preloadable.max_age.below_1_year  ", out)
            self.assertIn("evidence: https hop 1: GET https://a.test/ -> 200", out)
            self.assertIn("fix:      Raise max-age to 31536000", out)
            # the site's http -> https 301 on the same host is meant to be
            # cached for good: not reported
            self.assertNotIn("redirects.permanent_cached", out)

    def test_subdomain_is_not_eligible(self):
        with Nginx("good") as ng:
            rc, js = self.audit(ng, ["www.a.test"])
            codes = [f["code"] for f in js["findings"] if f["severity"] != "info"]
            self.assertEqual(codes, ["domain.is_subdomain"])
            self.assertEqual(rc, 1)
            self.assertNotIn("www", js["chains"])  # no www check for a subdomain

    def test_certificate_name_mismatch(self):
        # nope.test is not in the test certificate: the checker's first
        # probe fails verification and the checker stops there.
        with Nginx("good") as ng:
            rc, js = self.audit(ng, ["--connect-to", f"nope.test:443:127.0.0.1:{ng.https_port}",
                                     "--connect-to", f"nope.test:80:127.0.0.1:{ng.http_port}",
                                     "--connect-to", "www.nope.test:443:127.0.0.1:1",
                                     "nope.test"])
            self.assertEqual([f["code"] for f in js["findings"] if f["severity"] != "info"],
                             ["domain.tls.invalid_cert_chain"])
            self.assertIn("ECERT_NAME", js["findings"][0]["detail"])
            self.assertEqual(rc, 1)

    def test_www_without_tls(self):
        # www.a.test accepts TCP on "443" but speaks plain HTTP there: TLS
        # fails, which is domain.www.no_tls (after the site's own checks).
        with Nginx("good") as ng:
            rc, out, err, js = run_detour(
                ["audit", "--json", "--cacert", ca_file(),
                 *ng.connect_to_args(names=("a.test",)),
                 "--connect-to", f"www.a.test:443:127.0.0.1:{ng.http_port}", "a.test"])
            self.assertEqual([f["code"] for f in js["findings"] if f["severity"] != "info"],
                             ["domain.www.no_tls"])
            self.assertEqual(rc, 1)

    def test_fetch_form_behind_301_becomes_get(self):
        with Nginx("form-behind-301") as ng:
            rc, out, err, js = run_detour(
                ["fetch", "--json", "--no-hsts-store", "--cacert", ca_file(),
                 *ng.connect_to_args(), "-d", "name=x", "https://a.test/contact"])
            self.assertEqual(rc, 0, err)
            hops = js["hops"]
            self.assertEqual([(h["request"]["method"], h["request"]["url"], h["response"]["status"])
                              for h in hops],
                             [("POST", "https://a.test/contact", 301),
                              ("GET", "https://a.test/contact/", 200)])
            self.assertEqual(ng.access_log(), [
                ("https", "a.test", "POST", "/contact", 301),
                ("https", "a.test", "GET", "/contact/", 200)])
            # The audit of the same form says so, pointing at the POST hop.
            rc, js = self.audit(ng, ["-X", "POST", "-d", "name=x", "https://a.test/contact"])
            f = [f for f in js["findings"] if f["code"] == "redirects.post_becomes_get"]
            self.assertEqual(len(f), 1)
            self.assertEqual(f[0]["hops"][0]["chain"], "browser")
            self.assertEqual(f[0]["hops"][0]["method"], "POST")
            self.assertEqual(rc, 0)  # a warning does not fail the gate


class AuditOffline(unittest.TestCase):
    """Domain checks that need no server (nothing listens on port 1)."""

    def run_audit(self, *args):
        closed = []
        for n in ("co.uk", "www.co.uk"):
            closed += ["--connect-to", f"{n}:80:127.0.0.1:1",
                       "--connect-to", f"{n}:443:127.0.0.1:1"]
        rc, out, err, js = run_detour(["audit", "--json", *closed, *args])
        for m in SAN:
            self.assertNotIn(m, err)
        return rc, js

    def test_ip_address_stops(self):
        rc, js = self.run_audit("127.0.0.1")
        self.assertEqual([f["code"] for f in js["findings"]], ["domain.format.is_ip_address"])
        self.assertEqual(js["chains"], {})
        self.assertEqual(rc, 1)

    def test_format_errors_in_checker_order(self):
        rc, js = self.run_audit(".a..b.")
        self.assertEqual([f["code"] for f in js["findings"]],
                         ["domain.format.begins_with_dot", "domain.format.ends_with_dot",
                          "domain.format.contains_double_dot"])
        rc, js = self.run_audit("localhost")
        self.assertEqual([f["code"] for f in js["findings"]], ["domain.format.only_one_label"])
        rc, js = self.run_audit("a_b.test")
        self.assertEqual([f["code"] for f in js["findings"]],
                         ["domain.format.invalid_characters"])

    def test_public_suffix_from_libpsl(self):
        rc, js = self.run_audit("co.uk")
        codes = [f["code"] for f in js["findings"] if f["severity"] != "info"]
        self.assertEqual(codes, ["domain.format.public_suffix", "domain.tls.cannot_connect"])
        self.assertEqual(rc, 1)

    def test_usage(self):
        for args in ([], ["a.test", "b.test"], ["-X", "POST", "a.test"],
                     ["--shard", "1/2", "a.test"], ["--from", "x", "--concurrency", "0"],
                     ["--from", "x", "--shard", "3/2"]):
            rc, out, err, _ = run_detour(["audit", *args])
            self.assertEqual(rc, 2, args)


if __name__ == "__main__":
    unittest.main(verbosity=2)
