"""HTTPS-Upgrades (Chromium) and HTTPS-First (Firefox) through real sockets
(docs/https-upgrades.md): an http navigation to a unique public name on
the default port is tried over https first with a synthetic 307
(Non-Authoritative-Reason: HttpsUpgrades) and nothing sent in plaintext —
every :80 of an upgraded name maps to a plaintext sentinel that must see no
connection before the decision; the fallback is silent and in the same
chain on a refused connection, a certificate error, a timeout or an https
page that redirects back to http, and the host is not upgraded again;
HSTS comes first; what is never upgraded (other ports, POST, .test names,
IPs, the fetch profile, --no-https-upgrades); Firefox's differences.

Names like upgrade.example.com are mapped with --connect-to to loopback
and served with a certificate the test CA signs for them: nothing leaves
the machine."""

import os
import shutil
import socket
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dtfixture  # noqa: E402
from dtfixture import Fixture, ca_file, run_detour  # noqa: E402

NAMES = ["example.com", "*.example.com", "example.org", "*.example.org"]

SCENARIO = r"""
listener pub https other
listener sentinel http
listener bad https untrusted
route /up/ok
  on pub
  body over https\n
route /up/ok
  on http
  body over http\n
route /up/back
  on pub
  status 301
  header Location: http://back.example.com/up/back-http
route /up/back-http
  on http
  body back on http\n
route /up/slow
  on pub
  delay-head 6000
  body too late\n
route /up/slow
  on http
  body http was quick\n
route /up/again
  on http
  status 302
  header Location: http://refused.example.com/up/ok
route /up/missing
  on pub
  status 404
  body not here\n
route /up/missing
  on http
  body http has it\n
route /up/next
  on http
  status 302
  header Location: http://refused.example.com/up/ok
route /up/form
  on http
  body posted\n
"""


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class HttpsUpgrades(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="detour-upgrades-")
        certs = os.path.join(cls.tmp, "certs")
        dtfixture.certs_with_other(certs, NAMES)
        orig = dtfixture.cert_dir
        dtfixture.cert_dir = lambda: certs
        try:
            cls.fx = Fixture(SCENARIO).start()
        finally:
            dtfixture.cert_dir = orig
        cls.closed = closed_port()

    @classmethod
    def tearDownClass(cls):
        cls.fx.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def fetch(self, url, *args, https=None, plain="sentinel", profile=None):
        """detour fetch URL; the name's :443 goes to HTTPS (a listener or
        'closed'), its :80 to PLAIN (the sentinel unless the test allows
        plaintext after the decision)."""
        fx = self.fx
        host = url.split("/")[2].split(":")[0]
        port443 = self.closed if https == "closed" else fx.port(https or "pub")
        ct = ["--connect-to", f"{host}:443:127.0.0.1:{port443}",
              "--connect-to", f"{host}:80:127.0.0.1:{fx.port(plain)}",
              "--connect-to", f"refused.example.com:443:127.0.0.1:{self.closed}",
              "--connect-to", f"refused.example.com:80:127.0.0.1:{fx.port('http')}"]
        prof = ["--profile", profile] if profile else []
        before = len(fx.events())
        rc, out, err, js = run_detour(["fetch", "--json", "--no-hsts-store", "--no-preload",
                                       "--cacert", ca_file(), *prof, *ct, *args, url])
        events = fx.events()[before:]
        return rc, err, js, events

    def sentinel_saw(self, events):
        return [e for e in events if e.get("event") == "accept" and e["listener"] == "sentinel"]

    def chain(self, js):
        return [(h["synthetic"], h["response"] and h["response"]["status"], h["request"]["url"])
                for h in js["hops"]]

    def reasons(self, js):
        return [dict(h["response"]["headers"]).get("Non-Authoritative-Reason")
                if h["synthetic"] else None for h in js["hops"]]

    def test_upgraded_with_nothing_in_plaintext(self):
        rc, err, js, ev = self.fetch("http://up.example.com/up/ok")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.chain(js), [(True, 307, "http://up.example.com/up/ok"),
                                          (False, 200, "https://up.example.com/up/ok")])
        self.assertEqual(self.reasons(js), ["HttpsUpgrades", None])
        self.assertEqual(js["hops"][0]["response"]["reason"], "Temporary Redirect")
        self.assertEqual(self.sentinel_saw(ev), [], "PLAINTEXT SENTINEL")
        # the hop after the 307 has the HTTPS-Upgrades order (measured)
        names = [n for n, _ in js["hops"][1]["request"]["headers"]]
        self.assertEqual(names[names.index("Accept") + 1], "sec-ch-ua")
        self.assertIsNone(js["error"])

    def fallback(self, url, https, want_error, *args, profile=None):
        rc, err, js, ev = self.fetch(url, *args, https=https, plain="http", profile=profile)
        self.assertEqual(rc, 0, err)
        self.assertIsNone(js["error"])
        http_url = url
        hops = self.chain(js)
        self.assertEqual(hops[0], (True, 307, http_url))
        self.assertFalse(hops[1][0])
        self.assertEqual(hops[1][2], "https" + http_url[4:])
        if want_error:
            self.assertEqual(js["hops"][1]["error"]["code"], want_error,
                             js["hops"][1]["error"])
        self.assertEqual(hops[2], (True, 307, "https" + http_url[4:]))
        self.assertEqual(self.reasons(js)[2], "HttpsUpgrades")
        self.assertEqual(hops[3][:2], (False, 200))
        self.assertEqual(hops[3][2], http_url)
        self.assertIn("fallback", " ".join(s["text"] for s in js["hops"][2]["steps"]))
        return js

    def test_fallback_on_refused_connection(self):
        self.fallback("http://refused.example.com/up/ok", "closed", "ECONNECT")

    def test_fallback_on_certificate_error_never_fatal(self):
        self.fallback("http://bad.example.org/up/ok", "bad", "ECERT_UNTRUSTED")

    def test_fallback_on_timeout(self):
        t = time.monotonic()
        self.fallback("http://slow.example.com/up/slow", "pub", "ETIMEOUT_TOTAL")
        took = time.monotonic() - t
        self.assertLess(took, 5.5, "the attempt's budget is about 3 s")
        self.assertGreater(took, 2.5)

    def test_fallback_on_redirect_back_to_http(self):
        rc, err, js, ev = self.fetch("http://back.example.com/up/back", plain="http")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.chain(js), [
            (True, 307, "http://back.example.com/up/back"),
            (False, 301, "https://back.example.com/up/back"),
            (True, 307, "http://back.example.com/up/back-http"),
            (False, 200, "http://back.example.com/up/back-http")])
        self.assertEqual(self.reasons(js), ["HttpsUpgrades", None, "HttpsUpgrades", None])

    def test_no_second_upgrade_after_a_fallback(self):
        # refused.example.com falls back; its http page redirects to
        # another of its URLs, which goes straight to http (the host is on
        # the fallback list of the context)
        rc, err, js, ev = self.fetch("http://refused.example.com/up/again", plain="http",
                                     https="closed")
        self.assertEqual(rc, 0, err)
        urls = [u for _, _, u in self.chain(js)]
        self.assertEqual(urls, ["http://refused.example.com/up/again",
                                "https://refused.example.com/up/again",
                                "https://refused.example.com/up/again",
                                "http://refused.example.com/up/again",
                                "http://refused.example.com/up/ok"])
        self.assertEqual(self.reasons(js), ["HttpsUpgrades", None, "HttpsUpgrades", None, None])

    def test_fallback_remembered_across_processes(self):
        # two processes sharing one user-data directory: the second does
        # not try https for a host that fell back in the first; the HSTS
        # store lives in the same directory
        udd = os.path.join(self.tmp, "profile")
        fx = self.fx
        ct = ["--connect-to", f"refused.example.com:443:127.0.0.1:{self.closed}",
              "--connect-to", f"refused.example.com:80:127.0.0.1:{fx.port('http')}"]
        base = ["fetch", "--json", "--user-data-dir", udd, "--no-preload",
                "--cacert", ca_file(), *ct, "http://refused.example.com/up/ok"]
        rc, _, err, js = run_detour(base)
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.reasons(js), ["HttpsUpgrades", None, "HttpsUpgrades", None])
        path = os.path.join(udd, "https-upgrades.txt")
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        with open(path) as f:
            self.assertIn("f refused.example.com ", f.read())
        rc, _, err, js = run_detour(base)
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.chain(js), [(False, 200, "http://refused.example.com/up/ok")])
        # the HSTS store of the directory is DIR/hsts.txt
        rc, _, err, _ = run_detour(["hsts", "--hsts-store", os.path.join(udd, "hsts.txt"),
                                    "add", "refused.example.com"])
        self.assertEqual(rc, 0, err)
        rc, _, err, js = run_detour(base)
        self.assertEqual(self.reasons(js)[0], "HSTS")
        # a damaged file is a warning, the run goes on in memory
        os.chmod(path, 0o666)
        rc, _, err, js = run_detour(base[:1] + ["--no-hsts"] + base[1:])
        self.assertEqual(rc, 0, err)
        self.assertIn("world-writable", " ".join(js["warnings"]))

    def test_an_https_error_status_is_shown(self):
        rc, err, js, ev = self.fetch("http://miss.example.com/up/missing")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.chain(js)[-1], (False, 404, "https://miss.example.com/up/missing"))
        self.assertEqual(self.sentinel_saw(ev), [])

    def test_never_upgraded(self):
        fx = self.fx
        cases = [
            ("http://up.example.com:8080/up/ok", ["--connect-to",
                                                  f"up.example.com:8080:127.0.0.1:{fx.http}"]),
            ("http://up.example.com/up/form", ["-d", "x=1"]),   # a form POST
            ("http://a.test/up/ok", []),                        # not a unique name
            (f"http://127.0.0.1:{fx.http}/up/ok", []),          # an IP (and a port)
            ("http://up.example.com/up/ok", ["--no-https-upgrades"]),
        ]
        for url, args in cases:
            with self.subTest(url=url, args=args):
                rc, err, js, ev = self.fetch(url, *args, plain="http")
                self.assertEqual(rc, 0, err)
                self.assertNotIn("HttpsUpgrades", self.reasons(js))
                self.assertTrue(js["hops"][0]["request"]["url"].startswith("http://"))
        rc, err, js, ev = self.fetch("http://up.example.com/up/ok", plain="http",
                                     profile="fetch")
        self.assertEqual(rc, 0, err)
        self.assertNotIn("HttpsUpgrades", self.reasons(js))

    def test_hsts_comes_first(self):
        store = os.path.join(self.tmp, "hsts.txt")
        rc, _, err, _ = run_detour(["hsts", "--hsts-store", store, "add", "up.example.com"])
        self.assertEqual(rc, 0, err)
        fx = self.fx
        rc, _, err, js = run_detour(["fetch", "--json", "--hsts-store", store, "--no-preload",
                                     "--cacert", ca_file(), "--connect-to",
                                     f"up.example.com:443:127.0.0.1:{fx.port('pub')}",
                                     "http://up.example.com/up/ok"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.reasons(js), ["HSTS", None])

    def test_firefox_https_first(self):
        # a typed URL with its scheme is not upgraded; a link is; an https
        # 404 falls back to http
        rc, err, js, ev = self.fetch("http://up.example.com/up/ok", plain="http",
                                     profile="firefox")
        self.assertEqual(rc, 0, err)
        self.assertNotIn("HttpsUpgrades", self.reasons(js))
        rc, err, js, ev = self.fetch("http://up.example.com/up/ok", "--initiator",
                                     "https://page.example.org/", profile="firefox")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.reasons(js), ["HttpsUpgrades", None])
        self.assertEqual(self.sentinel_saw(ev), [])
        js = self.fallback("http://miss.example.com/up/missing", "pub", None, "--initiator",
                           "https://page.example.org/", profile="firefox")
        self.assertEqual(js["hops"][1]["response"]["status"], 404)


if __name__ == "__main__":
    unittest.main(verbosity=2)
