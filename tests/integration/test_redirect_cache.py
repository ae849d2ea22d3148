"""The redirect cache across processes (docs/redirect-cache.md): two `detour
fetch` runs sharing a user-data directory, the fixture counting requests.
A 301 without freshness is served from the cache the second time — no
request — and so is a 302 with max-age; a plain 302, a 301 with max-age=0
or no-store are asked for again; Firefox keeps no 301 without freshness;
--no-redirect-cache asks every time; within one navigation a redirect is
not served from the cache it just went into (measured: a 301 loop goes to
the network each time)."""

import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dtfixture import Fixture, ca_file, run_detour  # noqa: E402

SCENARIO = r"""
route /rc/301
  status 301
  header Location: /rc/end
route /rc/302
  status 302
  header Location: /rc/end
route /rc/302-fresh
  status 302
  header Cache-Control: max-age=3600
  header Location: /rc/end
route /rc/301-max0
  status 301
  header Cache-Control: max-age=0
  header Location: /rc/end
route /rc/301-nostore
  status 301
  header Cache-Control: no-store
  header Location: /rc/end
route /rc/end
  body ok\n
"""


class RedirectCache(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.fx = Fixture(SCENARIO).start()

    @classmethod
    def tearDownClass(cls):
        cls.fx.stop()

    def setUp(self):
        self.udd = tempfile.mkdtemp(prefix="detour-udd-")

    def tearDown(self):
        shutil.rmtree(self.udd, ignore_errors=True)

    def fetch(self, path, *args):
        fx = self.fx
        before = len(fx.requests())
        rc, out, err, js = run_detour(["fetch", "--json", "--user-data-dir", self.udd,
                                       "--no-preload", "--cacert", ca_file(),
                                       *fx.connect_to_args(["a.test"]), *args,
                                       f"http://a.test{path}"])
        self.assertEqual(rc, 0, err)
        return js, [r["path"] for r in fx.requests()[before:]]

    def test_kept_and_served_without_a_request(self):
        for path in ("/rc/301", "/rc/302-fresh"):
            with self.subTest(path):
                js, seen = self.fetch(path)
                self.assertEqual(seen, [path, "/rc/end"])
                self.assertFalse(js["hops"][0]["from_cache"])
                js, seen = self.fetch(path)
                self.assertEqual(seen, ["/rc/end"], "the redirect came from the cache")
                h = js["hops"][0]
                self.assertTrue(h["from_cache"])
                self.assertIsNone(h["connection"])
                self.assertIn(h["response"]["status"], (301, 302))
                self.assertIn("from the redirect cache",
                              " ".join(s["text"] for s in h["steps"]))
        path = os.path.join(self.udd, "redirects.txt")
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)

    def test_asked_again(self):
        for path in ("/rc/302", "/rc/301-max0", "/rc/301-nostore"):
            with self.subTest(path):
                self.fetch(path)
                js, seen = self.fetch(path)
                self.assertEqual(seen, [path, "/rc/end"])
                self.assertFalse(js["hops"][0]["from_cache"])

    def test_firefox_keeps_no_heuristic_301(self):
        self.fetch("/rc/301", "--profile", "firefox")
        js, seen = self.fetch("/rc/301", "--profile", "firefox")
        self.assertEqual(seen, ["/rc/301", "/rc/end"])
        # but a 302 with max-age, yes
        self.fetch("/rc/302-fresh", "--profile", "firefox")
        js, seen = self.fetch("/rc/302-fresh", "--profile", "firefox")
        self.assertEqual(seen, ["/rc/end"])

    def test_no_redirect_cache(self):
        self.fetch("/rc/301")
        js, seen = self.fetch("/rc/301", "--no-redirect-cache")
        self.assertEqual(seen, ["/rc/301", "/rc/end"])

    def test_text_and_explain_say_so(self):
        self.fetch("/rc/301")
        fx = self.fx
        rc, out, err, _ = run_detour(["fetch", "--user-data-dir", self.udd, "--no-preload",
                                      *fx.connect_to_args(["a.test"]), "http://a.test/rc/301"])
        self.assertEqual(rc, 0, err)
        self.assertIn("from the redirect cache", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
