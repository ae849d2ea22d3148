"""A newcomer's first hour (issue 19 parts 2 and 3), through the CLI:

- every failure is said once — on stderr for people, in the JSON document
  on stdout with --json (stderr then silent) — with a hint where detour can
  tell (a URL typed without a scheme, a name that does not resolve, a port
  nothing listens on, a server without TLS 1.2/1.3, a certificate for
  another name) and a caret under the byte a URL's parse stopped at;
- every JSON error shape has "class";
- the preload list's age is said only where it could have changed an
  answer (a stale list's entry decided a hop, or the stale list was
  disabled and had an entry), with both ways to a newer list; `version`
  and `preload info` always show the list date;
- `hsts query` answers as a navigation decides: the store, then the
  preload list (which list decided)."""

import datetime
import json
import os
import socket
import ssl
import sys
import tempfile
import threading
import unittest
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dtfixture import (Fixture, ca_file, cert_dir, detour_has_tls13,  # noqa: E402
                       run_detour)

LIST = """{"entries": [
  {"name": "a.test", "policy": "test", "mode": "force-https", "include_subdomains": true},
  {"name": "pins.test", "policy": "test", "pins": "google"}
]}
"""

SCENARIO = r"""
route /
  body ok\n
"""


def day(delta):
    """The UTC date DELTA days from today, as --date takes it."""
    d = datetime.datetime.now(datetime.timezone.utc).date()
    return (d + datetime.timedelta(days=delta)).isoformat()


def closed_port():
    """A loopback port nothing listens on (bound, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def lines(text):
    return [ln for ln in text.splitlines() if ln]


class Errors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.env = dict(os.environ, XDG_DATA_HOME=cls.tmp.name)
        src = os.path.join(cls.tmp.name, "list.json")
        with open(src, "w") as f:
            f.write(LIST)
        cls.blobs = {}
        for name, date in (("old", "2020-01-01"), ("fresh", day(0)),
                           ("d69", day(-69)), ("d70", day(-70))):
            out = os.path.join(cls.tmp.name, name + ".bin")
            rc, _, err, _ = run_detour(["preload", "compile", "--date", date, src,
                                        "-o", out], env=cls.env)
            assert rc == 0, err
            cls.blobs[name] = out
        cls.fx = Fixture(SCENARIO).start()

    @classmethod
    def tearDownClass(cls):
        cls.fx.stop()
        cls.tmp.cleanup()

    def fetch(self, *args, blob="fresh"):
        return run_detour(["fetch", "--no-hsts-store", "--cacert", ca_file(),
                           "--preload-file", self.blobs[blob],
                           *self.fx.connect_to_args(["a.test", "b.test", "x.test"]),
                           *args], env=self.env)

    # -- errors once ---------------------------------------------------------
    # fetch's URL without --initiator is address-bar input, which gets its
    # scheme as a browser's bar adds it (docs/cli.md "Scheme-less input",
    # test_https_first); a link's URL must be a URL: that is where the hint
    # is for fetch
    LINK = ["--initiator", "https://b.test/"]

    def test_missing_scheme_said_once_with_caret_and_hint(self):
        rc, out, err, _ = run_detour(["fetch", *self.LINK, "a.test"], env=self.env)
        self.assertEqual(rc, 3)
        self.assertEqual(out, "")  # no chain: nothing was tried
        ln = lines(err)
        self.assertEqual(len(ln), 4, err)  # the error, the input, the caret, the hint
        self.assertTrue(ln[0].startswith("detour: EURL: 'a.test' is not a URL: it has no "
                                         "scheme"), ln[0])
        self.assertEqual(ln[1], "  a.test")
        self.assertEqual(ln[2], "  ^ byte 0")
        self.assertEqual(ln[3], "detour: hint: did you mean http://a.test/?")
        self.assertNotIn("warning", err)  # no preload entry decided anything

    def test_missing_scheme_json_on_stdout_only(self):
        rc, out, err, js = run_detour(["fetch", "--json", *self.LINK, "a.test"],
                                      env=self.env)
        self.assertEqual(rc, 3)
        self.assertEqual(err, "")
        e = js["error"]
        self.assertEqual((e["code"], e["class"]), ("EURL", "url"))
        self.assertEqual(e["hint"], "did you mean http://a.test/?")
        self.assertEqual(js["warnings"], [])
        # the same for a port and a path: the Standard reads "a.test:" as
        # the scheme, so fetch refuses the scheme and says what was meant
        rc, out, err, js = run_detour(["fetch", "--json", *self.LINK, "a.test:8080/x"],
                                      env=self.env)
        self.assertEqual((rc, err), (3, ""))
        self.assertEqual(js["error"]["code"], "ESCHEME")
        self.assertEqual(js["error"]["hint"], "did you mean http://a.test:8080/x?")

    def test_url_caret_under_the_byte(self):
        rc, out, err, _ = run_detour(["url", "http://a.test:99999/"], env=self.env)
        self.assertEqual((rc, out), (3, ""))
        ln = lines(err)
        self.assertIn("port is larger than 65535", ln[0])
        self.assertEqual(ln[1], "  http://a.test:99999/")
        # the caret is under the port's first digit (byte 14)
        self.assertEqual(ln[2].index("^"), ln[1].index("99999"))
        self.assertEqual(ln[2].strip(), "^ byte 14")
        rc, out, err, js = run_detour(["url", "--json", "http://a b.test/"], env=self.env)
        self.assertEqual((rc, err), (3, ""))
        self.assertEqual(js["error"]["class"], "url")
        self.assertEqual(js["error"]["column"], 9)  # the space, 1-based
        rc, out, err, js = run_detour(["url", "--json", "a.test"], env=self.env)
        self.assertEqual(js["error"]["hint"], "did you mean http://a.test/?")
        # a list says the cause and the hint on the input's line
        rc, out, err, _ = run_detour(["url", "-"], input=b"a.test\n", env=self.env)
        self.assertEqual(rc, 3)
        self.assertIn("a.test\terror: it has no scheme", out)
        self.assertIn("did you mean http://a.test/?", out)

    def test_connection_refused_hint(self):
        port = closed_port()
        rc, out, err, _ = self.fetch(f"http://127.0.0.1:{port}/")
        self.assertEqual(rc, 5)
        self.assertIn(f"GET http://127.0.0.1:{port}/", out)  # the hop tried
        self.assertNotIn("ECONNECT", out)  # the error is stderr's alone
        errs = [ln for ln in lines(err) if ln.startswith("detour: ECONNECT")]
        self.assertEqual(len(errs), 1, err)
        self.assertIn(f"detour: hint: nothing accepts connections at 127.0.0.1:{port}",
                      err)
        rc, out, err, js = self.fetch("--json", f"http://127.0.0.1:{port}/")
        self.assertEqual((rc, err), (5, ""))
        self.assertEqual(js["error"]["class"], "connect")
        self.assertIn(f"port {port}", js["error"]["hint"])
        self.assertIn("hint", js["hops"][0]["error"])  # every error shape

    def test_name_that_does_not_resolve(self):
        rc, out, err, js = run_detour(["fetch", "--json", "--no-hsts-store",
                                       "--dns-timeout", "20",
                                       "http://nonexistent.invalid/"], env=self.env)
        self.assertEqual((rc, err), (4, ""))
        self.assertEqual((js["error"]["code"], js["error"]["class"]), ("EDNS", "dns"))
        self.assertIn("--resolve nonexistent.invalid:80:ADDRESS", js["error"]["hint"])

    def test_certificate_for_another_name(self):
        # the fixture's certificate names a.test, b.test, c.test: not x.test
        rc, out, err, js = self.fetch("--json", "https://x.test/")
        self.assertEqual(rc, 6)
        self.assertEqual(js["error"]["code"], "ECERT_NAME")
        self.assertIn("does not name x.test", js["error"]["hint"])

    def fetch_from_tls_server(self, ctx):
        """One `detour fetch https://a.test/` against a server speaking CTX
        (it loads the test certificate) on 127.0.0.1: (rc, stderr, JSON)."""
        ctx.load_cert_chain(os.path.join(cert_dir(), "server.crt"),
                            os.path.join(cert_dir(), "server.key"))
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(4)
        srv.settimeout(30)
        port = srv.getsockname()[1]

        def serve():
            try:
                c, _ = srv.accept()
                with c:
                    ctx.wrap_socket(c, server_side=True)
            except (OSError, ssl.SSLError):
                pass  # the client gave up: that is the point

        t = threading.Thread(target=serve)
        t.start()
        try:
            rc, out, err, js = run_detour(
                ["fetch", "--json", "--no-hsts-store", "--no-preload", "--cacert",
                 ca_file(), "--connect-to", f"a.test:443:127.0.0.1:{port}",
                 "https://a.test/"], env=self.env)
        finally:
            t.join(40)
            srv.close()
        return rc, err, js

    def test_tls_version_mismatch(self):
        """A server that speaks only TLS 1.0/1.1: ETLS_OBSOLETE with the fix."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            with warnings.catch_warnings():  # deprecated: that is the point
                warnings.simplefilter("ignore", DeprecationWarning)
                ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
                ctx.minimum_version = ssl.TLSVersion.TLSv1
                ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        except (ValueError, ssl.SSLError) as e:
            self.skipTest(f"this Python cannot serve TLS 1.1: {e}")
        rc, err, js = self.fetch_from_tls_server(ctx)
        self.assertEqual((rc, err), (6, ""))
        if not detour_has_tls13():
            # Mbed TLS 2.28 offers TLS 1.2 alone, and gets a handshake_failure
            # alert that names no version: ETLS, with the hint a
            # handshake_failure gets (docs/tls.md)
            self.assertEqual(js["error"]["code"], "ETLS")
            self.assertIn("handshake_failure", js["error"]["hint"])
            self.assertIn("ssl_protocols TLSv1.2 TLSv1.3", js["error"]["hint"])
            return
        self.assertEqual(js["error"]["code"], "ETLS_OBSOLETE")
        self.assertIn("TLS 1.2 or TLS 1.3", js["error"]["hint"])

    def test_tls_no_suite_in_common(self):
        """A TLS 1.2 server whose only suite no browser offers (AES256-SHA256)
        answers with a handshake_failure alert: ETLS, and the hint says what
        Chromium calls it and what the server must offer."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers("AES256-SHA256")
        rc, err, js = self.fetch_from_tls_server(ctx)
        self.assertEqual((rc, err), (6, ""))
        self.assertEqual((js["error"]["code"], js["error"]["class"]), ("ETLS", "tls"))
        self.assertIn("handshake_failure", js["error"]["hint"])
        self.assertIn("ERR_SSL_VERSION_OR_CIPHER_MISMATCH", js["error"]["hint"])

    def test_usage_errors_once(self):
        for args in (["hsts", "--json", "query", "1.2.3.4"], ["fetch", "--json", "--bogus"],
                     ["preload", "--json", "--preload-file", "/nonexistent.bin", "info"],
                     ["audit", "--json", "a.test:8080/x"]):
            rc, out, err, js = run_detour(args, env=self.env)
            self.assertGreaterEqual(rc, 2, args)
            self.assertEqual(err, "", args)
            self.assertIsNotNone(js, args)
            self.assertEqual(sorted(js["error"]), ["class", "code", "hint", "message"], args)
            args = [a for a in args if a != "--json"]
            rc, out, err, _ = run_detour(args, env=self.env)
            self.assertEqual(out, "", args)
            self.assertEqual(len([ln for ln in lines(err) if "hint:" not in ln]), 1,
                             (args, err))
        # cookies header: a URL that does not parse is the url class, with the why
        rc, out, err, js = run_detour(["cookies", "--json", "header", "a.test"], env=self.env)
        self.assertEqual((rc, err), (3, ""))
        self.assertEqual((js["error"]["code"], js["error"]["class"]), ("EURL", "url"))
        self.assertEqual(js["error"]["hint"], "did you mean http://a.test/?")
        # the audit target typed without a scheme: the URL it means
        rc, out, err, js = run_detour(["audit", "--json", "a.test:8080/x"], env=self.env)
        self.assertEqual(rc, 3)
        self.assertEqual(js["error"]["hint"], "did you mean http://a.test:8080/x?")

    def test_every_json_error_has_a_class(self):
        rc, out, err, js = run_detour(["hsts", "--json", "parse", "max-age=1; max-age=2"],
                                      env=self.env)
        self.assertEqual(rc, 2)
        self.assertEqual(js["error"]["class"], "usage")
        har = os.path.join(self.tmp.name, "x.har")
        rc, _, _, _ = run_detour(["fetch", "--har", har, *self.LINK, "a.test"],
                                 env=self.env)
        self.assertEqual(rc, 3)
        with open(har) as f:
            e = json.load(f)["log"]["_detour_error"]
        self.assertEqual((e["code"], e["class"]), ("EURL", "url"))
        self.assertEqual(e["hint"], "did you mean http://a.test/?")

    # -- the preload list's age, where it mattered --------------------------
    def test_stale_list_warns_only_when_it_decided(self):
        rc, out, err, _ = self.fetch("http://a.test/", blob="old")
        self.assertEqual(rc, 0, err)
        warn = [ln for ln in lines(err) if ln.startswith("detour: warning:")]
        self.assertEqual(len(warn), 1, err)
        w = warn[0]
        self.assertIn("list date 2020-01-01", w)
        self.assertIn("its entry a.test upgraded hop 1", w)
        self.assertIn("detour preload compile", w)  # the two ways to a newer list
        self.assertIn("--preload-file", w)
        self.assertIn("-DDETOUR_PRELOAD_SOURCE=", w)
        # the list decided nothing: https typed, a host it does not have
        for url in ("https://a.test/", "http://b.test/"):
            rc, out, err, js = self.fetch("--json", url, blob="old")
            self.assertEqual(rc, 0, err)
            self.assertEqual((js["warnings"], err), ([], ""), url)
        # a fresh list's entry deciding is no news
        rc, out, err, js = self.fetch("--json", "http://a.test/", blob="fresh")
        self.assertTrue(js["hops"][0]["synthetic"])
        self.assertEqual(js["warnings"], [])

    def test_audit_says_the_age_where_the_list_decided(self):
        """audit's browser walk from http://a.test/ is upgraded by the stale
        list's entry: the text report's stderr says so, once; www.b.test is
        not in the list, so its audit says nothing about the list."""
        args = ["audit", "--cacert", ca_file(), "--preload-file", self.blobs["old"],
                *self.fx.connect_to_args(["a.test", "www.a.test", "b.test", "www.b.test"])]
        rc, out, err, _ = run_detour(args + ["a.test"], env=self.env)
        warn = [ln for ln in lines(err) if ln.startswith("detour: warning:")]
        self.assertEqual(len(warn), 1, err)
        self.assertIn("its entry a.test upgraded hop 1", warn[0])
        rc, out, err, _ = run_detour(args + ["b.test"], env=self.env)
        self.assertNotIn("preload list", err)
        # a list: said once at the end, with the first target's line and
        # how many more targets had such a warning
        lst = os.path.join(self.tmp.name, "list.txt")
        with open(lst, "w") as f:
            f.write("# two upgraded by the list, one not\nb.test\na.test\nwww.a.test\n")
        rc, out, err, _ = run_detour(args + ["--from", lst], env=self.env)
        warn = [ln for ln in lines(err) if ln.startswith("detour: warning:")]
        self.assertEqual(len(warn), 2, err)
        self.assertIn(f"{lst}:3: ", warn[0])
        self.assertIn("preload list", warn[0])
        self.assertIn("and 1 more target with a warning like it", warn[1])
        rc, out, err, _ = run_detour(args + ["--json", "--from", lst], env=self.env)
        self.assertNotIn("preload list", err)

    def test_disabled_stale_list_warns_when_it_had_an_entry(self):
        rc, out, err, js = self.fetch("--json", "--disable-stale-preload",
                                      "http://a.test/", blob="old")
        self.assertEqual(rc, 0, err)
        self.assertFalse(js["hops"][0]["synthetic"])  # went out over http
        self.assertEqual(len(js["warnings"]), 1, js["warnings"])
        self.assertIn("was not used for hop 1", js["warnings"][0])
        self.assertIn("--disable-stale-preload", js["warnings"][0])
        rc, out, err, js = self.fetch("--json", "--disable-stale-preload",
                                      "http://b.test/", blob="old")
        self.assertEqual(js["warnings"], [])

    def test_chromiums_70_days(self):
        """IsBuildTimely: timely while the age is under 70 whole days."""
        for name, stale in (("d69", False), ("d70", True)):
            rc, _, _, js = run_detour(["preload", "--json", "--preload-file",
                                       self.blobs[name], "info"], env=self.env)
            self.assertEqual((js["age_days"], js["stale"]),
                             (69 if name == "d69" else 70, stale))

    def test_version_and_info_show_the_list_date(self):
        rc, out, err, js = run_detour(["version", "--json"], env=self.env)
        self.assertEqual(rc, 0)
        self.assertRegex(js["preload_list_date"], r"^\d{4}-\d\d-\d\d$")
        self.assertIsInstance(js["preload_age_days"], int)
        rc, out, _, _ = run_detour(["version"], env=self.env)
        self.assertIn(f"HSTS preload list {js['preload_list_date']}", out)
        rc, out, _, _ = run_detour(["preload", "--preload-file", self.blobs["old"], "info"],
                                   env=self.env)
        self.assertIn("list date          2020-01-01", out)
        self.assertIn("-DDETOUR_PRELOAD_SOURCE=", out)  # stale: how to get a newer one
        self.assertTrue(out.endswith("\n"))
        rc, out, _, _ = run_detour(["preload", "--preload-file", self.blobs["fresh"],
                                    "info"], env=self.env)
        self.assertNotIn("DETOUR_PRELOAD_SOURCE", out)
        self.assertTrue(out.endswith("\n"))

    # -- hsts query: which list decided --------------------------------------
    def test_hsts_query_reports_the_preload_decision(self):
        store = os.path.join(self.tmp.name, "q.txt")
        base = ["hsts", "--hsts-store", store, "--preload-file", self.blobs["fresh"]]
        rc, out, err, js = run_detour(base + ["--json", "query", "www.a.test"], env=self.env)
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual((js["known"], js["decided_by"], js["store_known"]),
                         (True, "preload", False))
        self.assertEqual(js["decision"]["entry"], "a.test")
        self.assertEqual(js["preload"]["reason"], "ancestor")
        rc, out, err, _ = run_detour(base + ["query", "www.a.test"], env=self.env)
        self.assertIn("is a Known HSTS Host: the preload list's entry a.test", out)
        # the store first (knob 7), as a navigation decides
        rc, _, err, _ = run_detour(base + ["add", "www.a.test"], env=self.env)
        self.assertEqual(rc, 0, err)
        rc, out, err, js = run_detour(base + ["--json", "query", "www.a.test"], env=self.env)
        self.assertEqual((js["known"], js["decided_by"], js["store_known"]),
                         (True, "dynamic", True))
        # an override decides too: no HSTS under a pins-only entry
        rc, out, err, js = run_detour(base + ["--json", "query", "x.pins.test"],
                                      env=self.env)
        self.assertEqual((js["known"], js["why"]), (False, "overridden-by-non-hsts-entry"))
        rc, out, err, js = run_detour(["hsts", "--hsts-store", store, "--no-preload",
                                       "--json", "query", "x.a.test"], env=self.env)
        self.assertEqual((js["known"], js["preload"]), (False, None))


if __name__ == "__main__":
    unittest.main()
