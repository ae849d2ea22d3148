"""`detour preload` and the preload list in navigations: compile a small list
in Chromium's format, query it under both matching rules (knob 8), navigate
with it (the synthetic hop names the entry and the list date), precedence
with the dynamic store (knob 7), staleness, and bad blobs."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dtfixture import Fixture, ca_file, run_detour  # noqa: E402

LIST = """{
  // a comment, as in Chromium's file
  "pinsets": [],
  "entries": [
    {"name": "a.test", "policy": "test", "mode": "force-https", "include_subdomains": true},
    {"name": "deep.a.test", "policy": "test", "mode": "force-https"},
    {"name": "b.test", "policy": "test", "mode": "force-https"},
    {"name": "pinned.test", "policy": "test", "pins": "google"},
    {"name": "pins.a.test", "policy": "test", "include_subdomains": true, "pins": "google",
     "expect_staple": true}
  ]
}
"""

SCENARIO = r"""
route /zero
  on https
  header Strict-Transport-Security: max-age=0
route /
  body ok\n
"""


class PreloadCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.env = dict(os.environ, XDG_DATA_HOME=cls.tmp.name)
        src = os.path.join(cls.tmp.name, "list.json")
        with open(src, "w") as f:
            f.write(LIST)
        cls.blob = os.path.join(cls.tmp.name, "list.bin")
        rc, _, err, js = run_detour(["preload", "compile", "--json", "--date", "2026-11-01",
                                     src, "-o", cls.blob], env=cls.env)
        assert rc == 0, err
        cls.compiled = js
        cls.fx = Fixture(SCENARIO).start()

    @classmethod
    def tearDownClass(cls):
        cls.fx.stop()
        cls.tmp.cleanup()

    def pre(self, *args):
        return run_detour(["preload", "--json", "--preload-file", self.blob, *args],
                          env=self.env)

    def test_compile_counts_and_info(self):
        self.assertEqual(self.compiled["entries"], 3)
        self.assertEqual(self.compiled["overrides"], 2)  # pins only: kept, no HSTS
        self.assertEqual(self.compiled["unknown_fields"], 1)  # expect_staple
        rc, _, _, js = self.pre("info")
        self.assertEqual(rc, 0)
        self.assertEqual((js["entries"], js["include_subdomains"], js["overrides"]),
                         (3, 1, 2))
        self.assertEqual(js["list_date"], "2026-11-01T00:00:00Z")
        self.assertEqual(js["blob_bytes"], os.path.getsize(self.blob))
        self.assertEqual(len(js["checksum"]), 16)

    def test_embedded_list_info(self):
        rc, _, _, js = run_detour(["preload", "--json", "info"], env=self.env)
        self.assertEqual(rc, 0)
        self.assertEqual(js["source"], "embedded")
        self.assertGreater(js["entries"], 90000)
        self.assertLessEqual(js["blob_bytes"], 700 * 1024)
        self.assertGreater(js["derived_bytes"], 0)  # the lookup's tables

    def test_query_per_profile(self):
        rc, _, _, js = self.pre("query", "x.a.test")
        self.assertEqual((js["known"], js["entry"]["name"], js["reason"]),
                         (True, "a.test", "ancestor"))
        # chromium: the deeper entry without include_subdomains decides
        rc, _, _, js = self.pre("query", "x.deep.a.test")
        self.assertFalse(js["known"])
        self.assertEqual(js["reason"], "cancelled-by-deeper-entry")
        # fetch: any ancestor with include_subdomains counts
        rc, _, _, js = self.pre("--profile", "fetch", "query", "x.deep.a.test")
        self.assertTrue(js["known"])
        rc, _, _, js = self.pre("query", "B.Test.")
        self.assertEqual((js["host"], js["known"], js["reason"]), ("b.test", True, "exact"))
        rc, _, _, js = self.pre("query", "x.b.test")
        self.assertEqual((js["known"], js["reason"]),
                         (False, "ancestor-without-include-subdomains"))

    def test_query_entry_without_mode(self):
        """An entry with pins only still matches in Chromium: no HSTS for it
        and under it, whatever its ancestors say; fetch and firefox do not
        have it in their lists."""
        rc, _, _, js = self.pre("query", "x.pins.a.test")
        self.assertEqual(rc, 0)
        self.assertEqual((js["known"], js["entry"]["name"], js["reason"], js["cancelled"]),
                         (False, "pins.a.test", "overridden-by-non-hsts-entry", "a.test"))
        rc, _, _, js = self.pre("--profile", "firefox", "query", "x.pins.a.test")
        self.assertEqual((js["known"], js["entry"]["name"], js["reason"]),
                         (True, "a.test", "ancestor"))
        rc, _, _, js = self.pre("query", "pinned.test")
        self.assertEqual((js["known"], js["reason"]),
                         (False, "overridden-by-non-hsts-entry"))
        rc, out, _, _ = run_detour(["preload", "--preload-file", self.blob, "query",
                                    "pins.a.test"], env=self.env)
        self.assertIn("not preloaded: overridden-by-non-hsts-entry", out)

    def test_compile_summary_counts_what_it_kept_and_ignored(self):
        src = os.path.join(self.tmp.name, "list.json")
        rc, _, err, _ = run_detour(["preload", "compile", "--date", "2026-11-01", src,
                                    "-o", os.path.join(self.tmp.name, "y.bin")],
                                   env=self.env)
        self.assertEqual(rc, 0, err)
        self.assertIn("2 overrides", err)
        self.assertIn("unknown fields ignored: 1", err)

    def fetch(self, url, *extra):
        args = ["fetch", "--json", "--cacert", ca_file(), "--preload-file", self.blob,
                "--hsts-store", os.path.join(self.tmp.name, "hsts.txt"),
                *self.fx.connect_to_args(["a.test", "www.a.test", "b.test"]), *extra, url]
        rc, out, err, js = run_detour(args, env=self.env)
        self.assertIsNotNone(js, err)
        return rc, js, err

    def test_navigation_upgrades_from_the_list(self):
        plain = self.fx.connections("http")
        rc, js, _ = self.fetch("http://www.a.test/")
        self.assertEqual(rc, 0)
        hop = js["hops"][0]
        self.assertTrue(hop["synthetic"])
        self.assertEqual(hop["reason"]["store"], "preload")
        self.assertEqual(hop["reason"]["entry"], "a.test")
        self.assertEqual(hop["reason"]["list_date"], "2026-11-01")
        self.assertIn("preload entry a.test, includeSubDomains", hop["note"])
        self.assertEqual(self.fx.connections("http"), plain)

    def test_navigation_under_an_entry_without_mode(self):
        """Chromium does not force https under a pins-only entry, even below a
        force-https ancestor with include_subdomains; Firefox's list has only
        the force-https entries, so the ancestor applies there."""
        for profile, upgraded in (("chromium", False), ("firefox", True)):
            args = ["fetch", "--json", "--no-hsts-store", "--profile", profile,
                    "--preload-file", self.blob, "--cacert", ca_file(),
                    *self.fx.connect_to_args(["x.pins.a.test"]), "http://x.pins.a.test/"]
            rc, _, err, js = run_detour(args, env=self.env)
            self.assertIsNotNone(js, err)
            self.assertEqual(js["hops"][0]["synthetic"], upgraded, profile)

    def test_max_age_zero_cannot_switch_off_a_preloaded_host(self):
        rc, js, _ = self.fetch("https://b.test/zero")
        self.assertEqual(rc, 0)
        rc, js, _ = self.fetch("http://b.test/")
        self.assertTrue(js["hops"][0]["synthetic"])

    def test_stale_list_warns_and_still_enforces(self):
        old = os.path.join(self.tmp.name, "old.bin")
        src = os.path.join(self.tmp.name, "list.json")
        rc, _, err, _ = run_detour(["preload", "compile", "--date", "2020-01-01", src,
                                    "-o", old], env=self.env)
        self.assertEqual(rc, 0, err)
        args = ["fetch", "--json", "--no-hsts-store", "--preload-file", old,
                *self.fx.connect_to_args(["a.test"]), "--cacert", ca_file(), "http://a.test/"]
        rc, _, err, js = run_detour(args, env=self.env)
        self.assertEqual(rc, 0)
        # with --json the warning is the document's, not stderr's too
        self.assertEqual(err, "")
        self.assertEqual(len(js["warnings"]), 1, js["warnings"])
        self.assertIn("days old", js["warnings"][0])
        self.assertTrue(js["hops"][0]["synthetic"])

    def test_stale_list_disabled_on_request(self):
        """--disable-stale-preload: Chromium's rule (a list 70 days old or
        more is not used) for fetch and preload query; a fresh list still
        is."""
        src = os.path.join(self.tmp.name, "list.json")
        old = os.path.join(self.tmp.name, "old2.bin")
        fresh = os.path.join(self.tmp.name, "fresh.bin")
        for out, date in ((old, ["--date", "2020-01-01"]), (fresh, [])):  # [] = today
            rc, _, err, _ = run_detour(["preload", "compile", *date, src, "-o", out],
                                       env=self.env)
            self.assertEqual(rc, 0, err)
        for blob, upgraded in ((old, False), (fresh, True)):
            args = ["fetch", "--json", "--no-hsts-store", "--preload-file", blob,
                    "--disable-stale-preload", *self.fx.connect_to_args(["a.test"]),
                    "--cacert", ca_file(), "http://a.test/"]
            rc, _, err, js = run_detour(args, env=self.env)
            self.assertEqual(rc, 0, err)
            self.assertEqual(js["hops"][0]["synthetic"], upgraded, blob)
            rc, _, _, q = run_detour(["preload", "--json", "--preload-file", blob, "query",
                                      "a.test", "--disable-stale-preload"], env=self.env)
            self.assertEqual(rc, 0)
            self.assertEqual(q["known"], upgraded)
            self.assertEqual(q["reason"], "exact" if upgraded else "disabled-stale")

    def test_bad_blob_is_refused_with_a_reason(self):
        bad = os.path.join(self.tmp.name, "bad.bin")
        with open(self.blob, "rb") as f:
            data = bytearray(f.read())
        data[len(data) // 2] ^= 0xFF
        with open(bad, "wb") as f:
            f.write(data)
        rc, _, err, _ = run_detour(["preload", "--preload-file", bad, "info"], env=self.env)
        self.assertNotEqual(rc, 0)
        self.assertIn("checksum", err.lower())
        # A list the user named and cannot have stops the navigation before
        # any traffic (issue 18 part 2): going on without it would turn
        # preloaded HSTS off unseen. Exit 11, the path and the cause, and
        # nothing reaches the server.
        before = self.fx.connections()
        for blob in (bad, os.path.join(self.tmp.name, "missing.bin")):
            args = ["fetch", "--json", "--no-hsts-store", "--preload-file", blob,
                    *self.fx.connect_to_args(["a.test"]), "http://a.test/"]
            rc, out, err, js = run_detour(args, env=self.env)
            self.assertEqual(rc, 11, err)
            self.assertEqual(err, "")  # --json: said in the document only
            self.assertIn(blob, js["error"]["message"])
            self.assertIn("--no-preload", js["error"]["message"])
            self.assertEqual(js["error"]["class"], "io")
        self.assertEqual(self.fx.connections(), before)
        # The audit too: a named list it cannot use is an error, not an
        # audit without a list.
        rc, _, err, _ = run_detour(["audit", "--preload-file", bad,
                                    *self.fx.connect_to_args(["a.test"]), "a.test"],
                                   env=self.env)
        self.assertEqual(rc, 11, err)
        self.assertIn(bad, err)
        self.assertEqual(self.fx.connections(), before)

    def test_compile_errors_name_the_line(self):
        src = os.path.join(self.tmp.name, "broken.json")
        with open(src, "w") as f:
            f.write('{"entries": [\n  {"name": "ok.test", "mode": "force-https"},\n'
                    '  {"name": "bad..test", "mode": "force-https"}\n]}\n')
        rc, _, err, _ = run_detour(["preload", "compile", src, "-o",
                                    os.path.join(self.tmp.name, "x.bin")], env=self.env)
        self.assertEqual(rc, 2)
        self.assertIn("broken.json: line 3, column 12: empty label", err)

    def test_compile_refuses_a_mode_chromium_does_not_have(self):
        src = os.path.join(self.tmp.name, "mode.json")
        with open(src, "w") as f:
            f.write('{"entries": [\n  {"name": "ok.test", "mode": "force-http"}\n]}\n')
        rc, _, err, _ = run_detour(["preload", "compile", src, "-o",
                                    os.path.join(self.tmp.name, "x.bin")], env=self.env)
        self.assertEqual(rc, 2)
        self.assertIn('mode.json: line 2, column 31: "mode" is not "force-https"', err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
