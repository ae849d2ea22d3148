"""Knob 11 per profile through real sockets (docs/https-upgrades.md,
docs/conformance.md "HTTPS-Upgrades and HTTPS-First"): the same rows for
chromium, fetch and firefox, each value where they differ asserted —
which input is tried over https first (a URL typed with http://, a name
typed without a scheme, a link, a form POST), what makes the attempt fall
back (a refused port, a certificate error, an https error status, no
answer: Chromium's timeout or Firefox's background http probe), and how
long an exemption lasts (Firefox: the session; Chromium: the user-data
directory). Scheme-less address-bar input (`detour fetch example.com`) is
tested here too: the bar adds http://, the profile decides what goes
first, the JSON's "typed" says what was tried.

Names like up.example.com are mapped with --connect-to to loopback and
served with a certificate the test CA signs for them; every :80 of a name
that must not see plaintext before the decision goes to a sentinel
listener. A slow https is a loopback socket that accepts and never
answers (the TLS handshake stalls), with a short --https-upgrades-wait."""

import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dtfixture  # noqa: E402
from dtfixture import Fixture, ca_file, header_values, run_detour  # noqa: E402

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
route /up/missing
  on pub
  status 404
  body not here\n
route /up/missing
  on http
  body http has it\n
route /up/broken
  on pub
  status 500
  body broken\n
route /up/broken
  on http
  body http works\n
route /up/form
  on http
  body posted\n
route /up/form
  on pub
  body posted over https\n
route /
  on http
  host wait.example.com
  status 301
  header Location: https://wait.example.com/
route /up/again
  on http
  status 302
  header Location: http://again.example.com/up/ok
route /up/late
  on pub
  delay-head 1500
  body late over https\n
route /up/late
  on http
  body late over http\n
"""

PROFILES = ("chromium", "fetch", "firefox")


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Staller:
    """A loopback port that accepts TCP and never says a word: a TLS
    handshake to it stalls."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held = []
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                c, _ = self.sock.accept()
                self.held.append(c)
            except socket.timeout:
                continue
            except OSError:
                return

    def close(self):
        self.stop = True
        self.thread.join()
        for c in self.held:
            c.close()
        self.sock.close()


class HttpsFirstRows(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="detour-https-first-")
        certs = os.path.join(cls.tmp, "certs")
        dtfixture.certs_with_other(certs, NAMES)
        orig = dtfixture.cert_dir
        dtfixture.cert_dir = lambda: certs
        try:
            cls.fx = Fixture(SCENARIO).start()
        finally:
            dtfixture.cert_dir = orig
        cls.closed = closed_port()
        cls.staller = Staller()

    @classmethod
    def tearDownClass(cls):
        cls.staller.close()
        cls.fx.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def port443(self, https):
        return {"closed": self.closed, "stall": self.staller.port}.get(https) \
            or self.fx.port(https)

    def fetch(self, target, *args, profile, https="pub", plain="sentinel", host=None,
              store=("--no-hsts-store",)):
        """detour fetch TARGET (a URL, or address-bar text) with PROFILE; the
        name's :443 goes to HTTPS (a listener, 'closed' or 'stall'), its :80
        to PLAIN."""
        fx = self.fx
        if host is None:
            rest = target.split("://", 1)[-1]
            host = rest.split("/")[0].split(":")[0]
        ct = ["--connect-to", f"{host}:443:127.0.0.1:{self.port443(https)}",
              "--connect-to", f"{host}:80:127.0.0.1:{fx.port(plain)}"]
        before = len(fx.events())
        rc, out, err, js = run_detour(["fetch", "--json", *store, "--no-preload",
                                       "--cacert", ca_file(), "--profile", profile,
                                       *ct, *args, target])
        return rc, err, js, fx.events()[before:]

    @staticmethod
    def reasons(js):
        return [dict(h["response"]["headers"]).get("Non-Authoritative-Reason")
                if h["synthetic"] else None for h in js["hops"]]

    @staticmethod
    def urls(js):
        return [h["request"]["url"] for h in js["hops"]]

    @staticmethod
    def sentinel(events):
        return [e for e in events if e.get("event") == "accept" and e["listener"] == "sentinel"]

    @staticmethod
    def http_paths(events, host):
        return [e["path"] for e in events if e.get("event") == "request"
                and e["listener"] == "http" and e["host"].split(":")[0] == host]

    def assert_upgraded(self, js, events, url):
        self.assertEqual(self.reasons(js), ["HttpsUpgrades", None])
        self.assertEqual(self.urls(js), [url, "https" + url[4:]])
        self.assertEqual(js["hops"][-1]["response"]["status"], 200)
        self.assertEqual(self.sentinel(events), [], "PLAINTEXT SENTINEL")

    def assert_plain(self, js, url):
        self.assertEqual(self.reasons(js), [None])
        self.assertEqual(self.urls(js), [url])
        self.assertEqual(js["hops"][0]["response"]["status"], 200)

    def assert_fell_back(self, js, url, https_error=None, https_status=None):
        """http 307→ https (fails) 307→ http 200, in one chain, no error."""
        self.assertIsNone(js["error"])
        self.assertEqual(self.reasons(js), ["HttpsUpgrades", None, "HttpsUpgrades", None])
        https = "https" + url[4:]
        self.assertEqual(self.urls(js), [url, https, https, url])
        attempt = js["hops"][1]
        if https_error:
            self.assertEqual(attempt["error"]["code"], https_error, attempt["error"])
        if https_status:
            self.assertEqual(attempt["response"]["status"], https_status)
        self.assertEqual(js["hops"][3]["response"]["status"], 200)

    # ---- which inputs are tried over https first ------------------------

    def test_typed_with_its_scheme(self):
        # chromium upgrades a typed http:// URL; firefox does not (and the
        # standards have none)
        url = "http://up.example.com/up/ok"
        want = {"chromium": True, "fetch": False, "firefox": False}
        for profile in PROFILES:
            with self.subTest(profile=profile):
                rc, err, js, ev = self.fetch(url, profile=profile,
                                             plain="sentinel" if want[profile] else "http")
                self.assertEqual(rc, 0, err)
                if want[profile]:
                    self.assert_upgraded(js, ev, url)
                else:
                    self.assert_plain(js, url)
                # typed with its scheme: the address bar kept it
                self.assertEqual(js["typed"], {"input": url, "schemeless": False,
                                               "tried": "https" if want[profile] else "http"})

    def test_typed_without_a_scheme(self):
        # the address bar adds http://; chromium's HTTPS-Upgrades and
        # firefox's HTTPS-First then try https first; fetch goes to http
        text = "up.example.com/up/ok"
        url = "http://up.example.com/up/ok"
        want = {"chromium": True, "fetch": False, "firefox": True}
        for profile in PROFILES:
            with self.subTest(profile=profile):
                rc, err, js, ev = self.fetch(text, profile=profile,
                                             plain="sentinel" if want[profile] else "http")
                self.assertEqual(rc, 0, err)
                self.assertEqual(js["url"], url)
                tried = "https" if want[profile] else "http"
                self.assertEqual(js["typed"], {"input": text, "schemeless": True,
                                               "tried": tried})
                if want[profile]:
                    self.assert_upgraded(js, ev, url)
                else:
                    self.assert_plain(js, url)
        # the text output says it too
        rc, out, err, _ = run_detour(["fetch", "--no-hsts-store", "--no-preload", "--cacert",
                                      ca_file(), "--profile", "firefox", "--connect-to",
                                      f"up.example.com:443:127.0.0.1:{self.fx.port('pub')}",
                                      text])
        self.assertEqual(rc, 0, err)
        self.assertIn("typed: up.example.com/up/ok (no scheme: the address bar added "
                      "http://); tried https first", out)

    def test_scheme_less_host_and_port(self):
        # `a.test:8080/x` is a host and a port, not the scheme "a.test" —
        # and a non-default port is not upgraded by anyone; nor is a name
        # that is not unique
        fx = self.fx
        for profile in PROFILES:
            with self.subTest(profile=profile, text="port"):
                rc, err, js, ev = self.fetch(
                    "up.example.com:8080/up/ok", "--connect-to",
                    f"up.example.com:8080:127.0.0.1:{fx.http}", profile=profile)
                self.assertEqual(rc, 0, err)
                self.assert_plain(js, "http://up.example.com:8080/up/ok")
                self.assertEqual(js["typed"]["tried"], "http")
            with self.subTest(profile=profile, text="a.test"):
                rc, err, js, ev = self.fetch(f"a.test:{fx.http}/up/ok", "--resolve",
                                             f"a.test:{fx.http}:127.0.0.1", profile=profile)
                self.assertEqual(rc, 0, err)
                self.assert_plain(js, f"http://a.test:{fx.http}/up/ok")
                self.assertTrue(js["typed"]["schemeless"])

    def test_link(self):
        url = "http://up.example.com/up/ok"
        want = {"chromium": True, "fetch": False, "firefox": True}
        for profile in PROFILES:
            with self.subTest(profile=profile):
                rc, err, js, ev = self.fetch(url, "--initiator", "https://page.example.org/",
                                             profile=profile,
                                             plain="sentinel" if want[profile] else "http")
                self.assertEqual(rc, 0, err)
                if want[profile]:
                    self.assert_upgraded(js, ev, url)
                else:
                    self.assert_plain(js, url)
                self.assertIsNone(js["typed"])  # a link is not address-bar input
                # the Referer of the upgraded link: chromium judged it on the
                # http URL (an https page sends none there), firefox keeps it
                # (measured on both); what reached the wire, from the log
                sent = [header_values(e, "Referer") for e in ev
                        if e.get("event") == "request" and e["path"] == "/up/ok"]
                want_ref = {"chromium": [[]], "fetch": [[]],
                            "firefox": [["https://page.example.org/"]]}[profile]
                self.assertEqual(sent, want_ref)

    def test_form_post_never(self):
        url = "http://up.example.com/up/form"
        for profile in PROFILES:
            with self.subTest(profile=profile):
                rc, err, js, ev = self.fetch(url, "--initiator", "https://page.example.org/",
                                             "-d", "x=1", profile=profile, plain="http")
                self.assertEqual(rc, 0, err)
                self.assertEqual(self.reasons(js), [None])
                self.assertEqual(self.http_paths(ev, "up.example.com"), ["/up/form"])

    # ---- what makes the attempt fall back ---------------------------------

    def upgrading(self):
        """The profiles that try https first, with the input that makes
        them (fetch has none)."""
        return {"chromium": [], "firefox": ["--initiator", "https://page.example.org/"]}

    def test_fallback_on_refused_and_certificate_error(self):
        for profile, args in self.upgrading().items():
            with self.subTest(profile=profile, cause="refused"):
                url = "http://refused.example.com/up/ok"
                rc, err, js, ev = self.fetch(url, *args, profile=profile, https="closed",
                                             plain="http")
                self.assertEqual(rc, 0, err)
                self.assert_fell_back(js, url, https_error="ECONNECT")
            with self.subTest(profile=profile, cause="certificate"):
                url = "http://bad.example.org/up/ok"
                rc, err, js, ev = self.fetch(url, *args, profile=profile, https="bad",
                                             plain="http")
                self.assertEqual(rc, 0, err)
                self.assert_fell_back(js, url, https_error="ECERT_UNTRUSTED")

    def test_https_error_status(self):
        # firefox falls back on a 4xx or 5xx over https (404 measured;
        # nsHTTPSOnlyUtils downgrades 400..599); chromium shows it
        for path, status in (("/up/missing", 404), ("/up/broken", 500)):
            url = "http://miss.example.com" + path
            with self.subTest(profile="chromium", status=status):
                rc, err, js, ev = self.fetch(url, profile="chromium")
                self.assertEqual(rc, 0, err)
                self.assertEqual(self.reasons(js), ["HttpsUpgrades", None])
                self.assertEqual(js["hops"][-1]["response"]["status"], status)
                self.assertEqual(self.sentinel(ev), [])
            with self.subTest(profile="firefox", status=status):
                rc, err, js, ev = self.fetch(url, *self.upgrading()["firefox"],
                                             profile="firefox", plain="http")
                self.assertEqual(rc, 0, err)
                self.assert_fell_back(js, url, https_status=status)
            with self.subTest(profile="fetch", status=status):
                rc, err, js, ev = self.fetch(url, profile="fetch", plain="http")
                self.assertEqual(rc, 0, err)
                self.assertEqual(self.reasons(js), [None])

    def test_no_answer_timeout_or_probe(self):
        # https stalls in its handshake. chromium gives it up after the wait
        # (3 s; 0.4 here) and falls back, sending nothing else; firefox sends
        # a background GET of the http origin after the wait (2.2 s; 0.4
        # here) and falls back once it is answered
        url = "http://stall.example.com/up/ok"
        for profile, args in self.upgrading().items():
            with self.subTest(profile=profile):
                t = time.monotonic()
                rc, err, js, ev = self.fetch(url, *args, "--https-upgrades-wait", "0.4",
                                             profile=profile, https="stall", plain="http")
                took = time.monotonic() - t
                self.assertEqual(rc, 0, err)
                self.assert_fell_back(js, url, https_error="ETIMEOUT_TOTAL")
                self.assertGreaterEqual(js["hops"][1]["timing"]["total_ms"], 350)
                self.assertLess(took, 5, "the wait is 0.4 s, not the profile's")
                paths = self.http_paths(ev, "stall.example.com")
                steps = " ".join(s["text"] for s in js["hops"][2]["steps"])
                if profile == "firefox":
                    self.assertEqual(paths, ["/", "/up/ok"])  # the probe, then the page
                    self.assertIn("background GET http://stall.example.com/", steps)
                else:
                    self.assertEqual(paths, ["/up/ok"])
                    self.assertNotIn("background", steps)

    def test_firefox_probe_redirected_to_https_keeps_waiting(self):
        # the http origin answers the probe with a redirect to its own https:
        # https is worth waiting for (IsBackgroundRequestRedirected); it
        # answers after 1.5 s and is shown, no fallback
        url = "http://wait.example.com/up/late"
        rc, err, js, ev = self.fetch(url, "--initiator", "https://page.example.org/",
                                     "--https-upgrades-wait", "0.3", profile="firefox",
                                     plain="http")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.reasons(js), ["HttpsUpgrades", None])
        self.assertEqual(js["hops"][-1]["response"]["status"], 200)
        self.assertEqual(js["final_url"], "https://wait.example.com/up/late")
        self.assertEqual(self.http_paths(ev, "wait.example.com"), ["/"])

    def test_profile_wait_defaults(self):
        # without --https-upgrades-wait the profiles' own: chromium gives
        # a stalled https up at ~3 s, firefox probes at ~2.2 s (measured)
        url = "http://stall.example.com/up/ok"
        for profile, args, lo, hi in (("chromium", [], 2.9, 4.5),
                                      ("firefox", self.upgrading()["firefox"], 2.1, 3.9)):
            with self.subTest(profile=profile):
                rc, err, js, ev = self.fetch(url, *args, profile=profile, https="stall",
                                             plain="http")
                self.assertEqual(rc, 0, err)
                self.assert_fell_back(js, url, https_error="ETIMEOUT_TOTAL")
                ms = js["hops"][1]["timing"]["total_ms"]
                self.assertGreaterEqual(ms, lo * 1000)
                self.assertLess(ms, hi * 1000)

    def test_wait_option_is_checked(self):
        for bad in ("0", "-1", "601", "x"):
            with self.subTest(value=bad):
                rc, out, err, _ = run_detour(["fetch", "--https-upgrades-wait", bad,
                                              "http://up.example.com/"])
                self.assertEqual(rc, 2, err)
                self.assertIn("--https-upgrades-wait", err)

    # ---- how long an exemption lasts ----------------------------------

    def test_exemption_within_one_navigation(self):
        # https refused: the fallback exempts the host, so the http page's
        # redirect to another of its URLs goes straight to http (chromium's
        # fallback list, firefox's session)
        url = "http://again.example.com/up/again"
        for profile, args in self.upgrading().items():
            with self.subTest(profile=profile):
                rc, err, js, ev = self.fetch(url, *args, profile=profile, https="closed",
                                             plain="http")
                self.assertEqual(rc, 0, err)
                self.assertEqual(self.reasons(js),
                                 ["HttpsUpgrades", None, "HttpsUpgrades", None, None])
                self.assertEqual(self.urls(js)[-1], "http://again.example.com/up/ok")
                self.assertEqual(self.http_paths(ev, "again.example.com"),
                                 ["/up/again", "/up/ok"])

    def test_exemption_session_or_kept(self):
        # two processes sharing a user-data directory: chromium's fallback is
        # kept (the second run goes to http at once); firefox's exemption
        # lasted the first run only (the second tries https again) and is
        # never written there
        url = "http://gone.example.com/up/ok"
        for profile, args in self.upgrading().items():
            with self.subTest(profile=profile):
                udd = os.path.join(self.tmp, "udd-" + profile)
                store = ("--user-data-dir", udd)
                rc, err, js, ev = self.fetch(url, *args, profile=profile, https="closed",
                                             plain="http", store=store)
                self.assertEqual(rc, 0, err)
                self.assert_fell_back(js, url, https_error="ECONNECT")
                rc, err, js, ev = self.fetch(url, *args, profile=profile, https="closed",
                                             plain="http", store=store)
                self.assertEqual(rc, 0, err)
                kept = os.path.exists(os.path.join(udd, "https-upgrades.txt"))
                if profile == "chromium":
                    self.assertTrue(kept)
                    self.assert_plain(js, url)
                else:
                    self.assertFalse(kept)
                    self.assert_fell_back(js, url, https_error="ECONNECT")


if __name__ == "__main__":
    unittest.main(verbosity=2)
