"""`detour demo` end to end: the built-in teaching site, from the binary
alone (no fixture, no files, no network). The chains must show HSTS's main
job (first visit over http and a 301; second visit a synthetic 307 with no
plain-http connection, counted by the site itself) and the form redirects
(GET after 302, POST after 307); the text mode must exit 0; nothing may be
left behind (the temporary CA file, the user's HSTS store)."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dtfixture import run_detour  # noqa: E402

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")
FORM_BODY = "name=Ada&lang=C"


def statuses(chain):
    return [h["response"]["status"] if h["response"] else None for h in chain["hops"]]


def methods(chain):
    return [h["request"]["method"] for h in chain["hops"]]


def synthetic(chain):
    return [h["synthetic"] for h in chain["hops"]]


def req_header(hop, name):
    return [v for n, v in hop["request"]["headers"] if n.lower() == name.lower()]


class DemoTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.data = os.path.join(self.tmp.name, "data")
        self.tmpdir = os.path.join(self.tmp.name, "tmp")
        os.mkdir(self.data)
        os.mkdir(self.tmpdir)
        # A store in XDG_DATA_HOME must not appear; the CA file goes to TMPDIR
        # and must be gone afterwards.
        self.env = dict(os.environ, XDG_DATA_HOME=self.data, TMPDIR=self.tmpdir)

    def tearDown(self):
        self.tmp.cleanup()

    def run_demo(self, *args, env=None):
        rc, out, err, js = run_detour(["demo", *args], env=env or self.env)
        for m in SANITIZER_MARKS:
            self.assertNotIn(m, err)
        return rc, out, err, js

    def assert_nothing_left(self):
        self.assertEqual(os.listdir(self.tmpdir), [], "temporary CA file left behind")
        self.assertEqual(os.listdir(self.data), [], "the demo wrote an HSTS store")

    def test_json_chains(self):
        rc, out, err, js = self.run_demo("--json")
        self.assertEqual(rc, 0, f"stderr: {err}")
        self.assertIsNotNone(js, f"no JSON on stdout: {out!r}")
        self.assertEqual(set(js), {"visits", "forms", "plain_connections_second_visit"})
        v1, v2 = js["visits"]
        f302, f307 = js["forms"]
        for chain in (v1, v2, f302, f307):
            self.assertIsNone(chain["error"])

        # Visit 1: out over http, 301 from the site (not synthetic), then https.
        self.assertEqual(statuses(v1), [301, 200])
        self.assertEqual(synthetic(v1), [False, False])
        self.assertEqual([h["request"]["url"] for h in v1["hops"]],
                         ["http://demo.test/", "https://demo.test/"])
        self.assertIsNotNone(v1["hops"][0]["connection"])
        self.assertIsNone(v1["hops"][0]["connection"]["tls_version"])
        https = v1["hops"][1]
        self.assertTrue(https["connection"]["cert_verified"])
        self.assertEqual(https["connection"]["tls_version"], "TLSv1.2")
        self.assertEqual(https["connection"]["alpn"], "http/1.1")
        self.assertEqual(https["hsts"]["header"], "max-age=31536000; includeSubDomains")
        self.assertEqual(https["hsts"]["outcome"], "noted")
        self.assertEqual(https["hsts"]["noted"]["host"], "demo.test")
        self.assertTrue(https["hsts"]["noted"]["include_subdomains"])

        # Visit 2: the synthetic 307 Internal Redirect, from the dynamic store,
        # and not one connection to the plain-http listener.
        self.assertEqual(statuses(v2), [307, 200])
        self.assertEqual(synthetic(v2), [True, False])
        self.assertIsNone(v2["hops"][0]["connection"])
        reason = v2["hops"][0]["reason"]
        self.assertEqual(reason["type"], "hsts")
        self.assertEqual(reason["store"], "dynamic")
        self.assertEqual(reason["entry"], "demo.test")
        self.assertEqual(v2["hops"][1]["request"]["url"], "https://demo.test/")
        self.assertEqual(js["plain_connections_second_visit"], 0)

        # Forms: GET after 302 (body dropped), POST after 307 (body kept).
        self.assertEqual(methods(f302), ["POST", "GET"])
        self.assertEqual(statuses(f302), [302, 200])
        self.assertEqual(methods(f307), ["POST", "POST"])
        self.assertEqual(statuses(f307), [307, 200])
        for chain in (f302, f307):
            first = chain["hops"][0]
            self.assertEqual(first["request"]["body_bytes"], len(FORM_BODY))
            self.assertEqual(req_header(first, "Origin"), ["https://demo.test"])
            self.assertEqual(chain["final_url"], "https://demo.test/thanks")
        after302, after307 = f302["hops"][1], f307["hops"][1]
        self.assertEqual(after302["request"]["body_bytes"], 0)
        self.assertEqual(req_header(after302, "Content-Type"), [])
        self.assertEqual(after307["request"]["body_bytes"], len(FORM_BODY))
        self.assertEqual(req_header(after307, "Content-Type"),
                         ["application/x-www-form-urlencoded"])
        # The site's own answer says what reached it (its body is the witness).
        self.assertEqual(after302["response"]["body_bytes"],
                         len("thanks: method=GET body_bytes=0\n"))
        self.assertEqual(after307["response"]["body_bytes"],
                         len(f"thanks: method=POST body_bytes={len(FORM_BODY)}\n"))
        self.assert_nothing_left()

    def test_text_mode(self):
        rc, out, err, _ = self.run_demo()
        self.assertEqual(rc, 0, f"stderr: {err}\nstdout: {out}")
        for step in ("Step 1.", "Step 2.", "Step 3.", "Step 4."):
            self.assertIn(step, out)
        self.assertIn("307 Internal Redirect", out)
        self.assertIn("plain-http connections during the first visit: 1", out)
        self.assertIn("plain-http connections during the second visit: 0", out)
        self.assertIn("the site saw: GET /thanks with 0 body bytes", out)
        self.assertIn(f"the site saw: POST /thanks with {len(FORM_BODY)} body bytes", out)
        self.assertIn("expectations held", out)
        self.assertNotIn("expectation failed", err)
        self.assert_nothing_left()

    def test_usage(self):
        rc, out, err, _ = self.run_demo("http://a.test/")
        self.assertEqual(rc, 2)
        self.assertIn("no arguments", err)
        rc, out, err, _ = self.run_demo("--help")
        self.assertEqual(rc, 0)
        self.assertIn("usage: detour demo", out)

    def test_unwritable_tmpdir(self):
        # The CA file cannot be made: an I/O error (exit 11), said once,
        # and every handle still closed (a sanitizer would report otherwise).
        env = dict(self.env, TMPDIR=os.path.join(self.tmp.name, "missing"))
        rc, out, err, _ = self.run_demo("--json", env=env)
        self.assertEqual(rc, 11, f"stderr: {err}")
        # --json: said once, as a JSON error document on stdout (stderr
        # stays silent).
        self.assertEqual(err, "")
        js = json.loads(out)
        self.assertEqual(js["error"]["class"], "io")
        self.assertIn("temporary file", js["error"]["message"])
        self.assert_nothing_left()


if __name__ == "__main__":
    unittest.main(verbosity=2)
