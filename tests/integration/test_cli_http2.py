"""`detour fetch` over HTTP/2 against a real nginx (fixtures/nginx/
http2.conf.in: `listen ... ssl http2`): ALPN picks h2 as in a browser, the
request goes out in Chromium's h2 shape, a same-origin redirect rides the
same connection, and the chain, JSON and HAR say which HTTP answered;
--http1.1 keeps to HTTP/1.1, as curl's option does."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dtfixture import ca_file, run_detour  # noqa: E402
from nginx import Nginx, nginx_bin  # noqa: E402

SAN = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


@unittest.skipUnless(nginx_bin(), "nginx not installed (scripts/setup.sh installs nginx-light)")
class CliHttp2(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.ng = Nginx("http2", docroot={"index.html": "home\n",
                                          "contact/index.html": "contact form\n",
                                          "big": "x" * 300000}).start()

    @classmethod
    def tearDownClass(cls):
        cls.ng.stop()

    def fetch(self, *args):
        rc, out, err, js = run_detour(["fetch", "--no-hsts-store", "--cacert", ca_file(),
                                       *self.ng.connect_to_args(), *args])
        for m in SAN:
            self.assertNotIn(m, err)
        return rc, out, err, js

    def test_h2_when_offered(self):
        rc, _, err, js = self.fetch("--json", "https://a.test/")
        self.assertEqual(rc, 0, err)
        hop = js["hops"][0]
        self.assertEqual(hop["connection"]["alpn"], "h2")
        self.assertEqual(hop["response"]["http_version"], "HTTP/2")
        self.assertEqual(hop["response"]["status"], 200)
        # Chromium's h2 order: pseudo-header fields first (:method
        # :authority :scheme :path), lower-case names, priority last
        names = [h[0] for h in hop["request"]["headers"]]
        self.assertEqual(names[:4], [":method", ":authority", ":scheme", ":path"])
        self.assertEqual(names[-1], "priority")
        self.assertEqual(hop["request"]["headers"][-1][1], "u=0, i")
        self.assertTrue(all(n == n.lower() for n in names), names)
        self.assertNotIn("host", names)
        self.assertEqual(hop["request"]["headers"][1][1], "a.test")

    def test_shape_per_profile(self):
        # knob 9 with knob 10's fields: chromium and fetch send Chromium's
        # shape (measured), firefox its own (measured: :method :path
        # :authority :scheme, no client hints, priority, te: trailers); the
        # unit test test_http2 checks the same order as a server decodes it
        want = {"chromium": ([":method", ":authority", ":scheme", ":path"], True, None),
                "fetch": ([":method", ":authority", ":scheme", ":path"], True, None),
                "firefox": ([":method", ":path", ":authority", ":scheme"], False, "trailers")}
        for profile, (pseudo, hints, te) in want.items():
            with self.subTest(profile=profile):
                rc, _, err, js = self.fetch("--json", "--profile", profile, "https://a.test/")
                self.assertEqual(rc, 0, err)
                hop = js["hops"][0]
                self.assertEqual(hop["response"]["http_version"], "HTTP/2")
                names = [h[0] for h in hop["request"]["headers"]]
                fields = dict(hop["request"]["headers"])
                self.assertEqual(names[:4], pseudo)
                self.assertEqual("sec-ch-ua" in fields, hints)
                self.assertEqual(fields.get("te"), te)
                self.assertEqual(fields.get("priority"), "u=0, i")
                self.assertEqual(names.count("priority"), 1)
                self.assertNotIn("connection", names)

    def test_redirect_on_the_same_connection(self):
        # /contact -> 301 /contact/ (nginx's directory redirect): one origin,
        # one HTTP/2 connection for both hops
        rc, _, err, js = self.fetch("--json", "https://a.test/contact")
        self.assertEqual(rc, 0, err)
        h0, h1 = js["hops"]
        self.assertEqual(h0["response"]["status"], 301)
        self.assertEqual(h1["response"]["status"], 200)
        self.assertEqual(h1["connection"]["id"], h0["connection"]["id"])
        self.assertTrue(h1["connection"]["reused"])
        self.assertEqual(h1["response"]["http_version"], "HTTP/2")

    def test_http1_1_option(self):
        rc, _, err, js = self.fetch("--json", "--http1.1", "https://a.test/")
        self.assertEqual(rc, 0, err)
        hop = js["hops"][0]
        self.assertEqual(hop["connection"]["alpn"], "http/1.1")
        self.assertEqual(hop["response"]["http_version"], "HTTP/1.1")
        self.assertEqual(hop["request"]["headers"][0][0], "Host")
        rc, _, err, js = self.fetch("--json", "--http2", "https://a.test/")
        self.assertEqual((rc, js["hops"][0]["response"]["http_version"]), (0, "HTTP/2"))

    def test_body_and_post(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "big")
            rc, _, err, _ = self.fetch("-o", out, "https://a.test/big")
            self.assertEqual(rc, 0, err)
            with open(out, "rb") as f:
                self.assertEqual(f.read(), b"x" * 300000)
        # a POST body over h2 reaches nginx (which refuses POST to a file)
        rc, _, err, js = self.fetch("--json", "-d", "name=x", "https://a.test/index.html")
        hop = js["hops"][0]
        self.assertEqual(hop["response"]["status"], 405)
        self.assertEqual(hop["request"]["body_bytes"], 6)
        names = [h[0] for h in hop["request"]["headers"]]
        self.assertIn("content-length", names)
        log = self.ng.access_log()
        self.assertIn(("https", "a.test", "POST", "/index.html", 405), log)

    def test_trace_and_har(self):
        with tempfile.TemporaryDirectory() as d:
            har = os.path.join(d, "x.har")
            rc, _, err, _ = self.fetch("-v", "--har", har, "https://a.test/")
            self.assertEqual(rc, 0, err)
            # the trace shows the session and the fields as text
            self.assertIn("* HTTP/2 SETTINGS sent: 1=65536 2=0 4=6291456 6=262144", err)
            self.assertIn("* HTTP/2 WINDOW_UPDATE sent: connection +15663105", err)
            self.assertIn("> :method: GET", err)
            self.assertIn("< HTTP/2 200", err)
            with open(har) as f:
                entry = json.load(f)["log"]["entries"][0]
            self.assertEqual(entry["request"]["httpVersion"], "http/2.0")
            self.assertEqual(entry["response"]["httpVersion"], "http/2.0")

    def test_explain_names_the_protocol(self):
        rc, out, err, _ = self.fetch("--explain", "https://a.test/")
        self.assertEqual(rc, 0, err)
        self.assertIn("answer (HTTP/2): 200", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
