"""`detour hsts` and how `detour fetch` notes STS headers into the store file:
the rules of docs/hsts.md §2 seen from the command line, with the fixture's
log as the witness that an upgraded navigation sent nothing in plaintext."""

import json
import os
import re
import shutil
import stat
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dtfixture  # noqa: E402
from dtfixture import Fixture, ca_file, run_detour  # noqa: E402

SCENARIO = r"""
listener untrusted https untrusted
route /sts
  on https
  header Strict-Transport-Security: max-age=31536000; includeSubDomains
  body sts\n
route /zero
  on https
  header Strict-Transport-Security: max-age=0
route /plain-sts
  on http
  header Strict-Transport-Security: max-age=31536000
route /bad-sts
  on https
  header Strict-Transport-Security: max-age=1; max-age=2
route /two-sts
  on https
  header Strict-Transport-Security: max-age=500
  header Strict-Transport-Security: max-age=0
route /hello
  body hello\n
"""


class HstsCli(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.store = os.path.join(self.tmp.name, "hsts.txt")
        self.env = dict(os.environ, XDG_DATA_HOME=self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def hsts(self, *args):
        return run_detour(["hsts", "--hsts-store", self.store, *args], env=self.env)

    def test_no_include_subdomains_entry_for_a_public_suffix(self):
        """Issue 18 part 6: github.io (a public suffix) sending includeSubDomains
        would force https on every site under it: refused with the reason,
        from a header and from `hsts add`; without includeSubDomains it is an
        ordinary entry."""
        with Fixture(SCENARIO) as fx:
            rc, _, err, js = run_detour(["fetch", "--json", "--hsts-store", self.store,
                                         "--cacert", ca_file(),
                                         *fx.connect_to_args(["github.io"]),
                                         "https://github.io/sts"], env=self.env)
            self.assertEqual(rc, 0, err)
            sts = js["hops"][0]["hsts"]
            self.assertEqual(sts["outcome"], "refused-host", sts)
            self.assertEqual(sts["rejected"]["code"], "public-suffix")
        rc, out, err, js = self.hsts("--json", "query", "github.io")
        self.assertFalse(js["known"])
        rc, _, err, _ = self.hsts("add", "github.io", "--include-subdomains")
        self.assertEqual(rc, 2, err)
        self.assertIn("public suffix", err)
        rc, _, err, _ = self.hsts("add", "github.io")
        self.assertEqual(rc, 0, err)
        rc, _, err, _ = self.hsts("add", "a.test", "--include-subdomains")
        self.assertEqual(rc, 0, err)

    def test_a_store_that_cannot_be_loaded_is_in_the_chain(self):
        """Issue 18 part 2: a store file that cannot be loaded does not stop a
        navigation (a browser with a broken profile still browses), but the
        chain says so in JSON, so a CI run cannot pass unprotected unseen."""
        bad = os.path.join(self.tmp.name, "a-directory")
        os.mkdir(bad)
        with Fixture(SCENARIO) as fx:
            rc, _, err, js = run_detour(["fetch", "--json", "--hsts-store", bad,
                                         *fx.connect_to_args(["a.test"]),
                                         "http://a.test/hello"], env=self.env)
            self.assertEqual(rc, 0, err)
            self.assertTrue(any(bad in w and "memory only" in w for w in js["warnings"]),
                            js["warnings"])
            rc, _, err, js = run_detour(["fetch", "--json", "--hsts-store", self.store,
                                         *fx.connect_to_args(["a.test"]),
                                         "http://a.test/hello"], env=self.env)
            self.assertFalse(any("store" in w for w in js["warnings"]), js["warnings"])

    def test_bad_path_options_say_so(self):
        """Issue 18 part 6: an empty or over-long --hsts-store/--user-data-dir
        is a usage error that names the option (it was silently ignored, or
        blamed on $HOME); --max-redirs abc is refused, not read as garbage;
        hsts export -o does not create directories, like every other -o."""
        long_path = "/tmp/" + "a" * 5000
        for args, named in ((["fetch", "--hsts-store", "", "http://a.test/"], "--hsts-store"),
                            (["fetch", "--hsts-store", long_path, "http://a.test/"],
                             "longer than"),
                            (["fetch", "--user-data-dir", "", "http://a.test/"],
                             "--user-data-dir"),
                            (["hsts", "--hsts-store", "", "list"], "--hsts-store"),
                            (["cookies", "--user-data-dir", "", "list"], "--user-data-dir"),
                            (["cache", "--user-data-dir", long_path, "list"], "longer than"),
                            (["fetch", "--max-redirs", "abc", "http://a.test/"], "'abc'")):
            rc, _, err, _ = run_detour(args, env=self.env)
            self.assertEqual(rc, 2, (args, err))
            self.assertIn(named, err)
            self.assertNotIn("$HOME", err)
        target = os.path.join(self.tmp.name, "missing", "dir", "out.txt")
        rc, _, err = self.hsts("export", "--format", "curl", "-o", target)[:3]
        self.assertEqual(rc, 11, err)
        self.assertIn("mkdir -p", err)
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "missing")))

    def test_json_errors_are_documents(self):
        """--json: a command that fails before it has a result still prints one
        JSON document, the error, with the exit status's class — and says it
        there only (stderr stays silent: the error once, issue 19)."""
        for args, rc_want, cls, code in (
                (["hsts", "--json", "add", "a b"], 2, "usage", None),
                (["hsts", "--json", "query", "127.0.0.1"], 2, "usage", None),
                (["hsts", "--json", "import", "/nonexistent", "--format", "curl"], 11, "io",
                 "EIO"),
                (["preload", "--json", "query", "10.0.0.1"], 2, "usage", None),
                (["url", "--json", "--base", "nope", "x"], 3, "url", "EURL")):
            rc, out, err, js = run_detour(args[:1] + ["--hsts-store", self.store] + args[1:]
                                          if args[0] == "hsts" else args, env=self.env)
            self.assertEqual(rc, rc_want, args)
            self.assertIsNotNone(js, (args, out))
            self.assertEqual(js["error"]["class"], cls)
            self.assertEqual(js["error"]["code"], code, args)
            self.assertTrue(js["error"]["message"])
            self.assertEqual(err, "", args)

    def test_text_query_of_an_unknown_host(self):
        rc, out, err, _ = self.hsts("query", "nothing.example")
        self.assertEqual(rc, 0, err)
        self.assertIn("nothing.example is not a Known HSTS Host", out)
        self.assertIn("no-entry", out)

    def test_parse_explains(self):
        rc, _, _, js = self.hsts("--json", "parse", "max-age=63072000; includeSubDomains; preload")
        self.assertEqual(rc, 0)
        # chromium caps max-age at one year (knob 6)
        self.assertEqual((js["valid"], js["max_age"], js["include_subdomains"], js["preload"]),
                         (True, 31536000, True, True))
        rc, _, _, js = self.hsts("--json", "parse", "max-age=1; max-age=2")
        self.assertEqual(rc, 2)
        self.assertFalse(js["valid"])
        self.assertEqual(js["error"]["code"], "STSMultipleMaxAges")
        self.assertIsNone(js["max_age"])
        rc, _, _, js = self.hsts("--json", "--profile", "fetch", "parse", "max-age=63072000")
        self.assertEqual(js["max_age"], 63072000)  # fetch: no cap
        rc, out, _, _ = self.hsts("parse", 'max-age="10;x"; includeSubDomains=1')
        self.assertEqual(rc, 2)
        self.assertIn("rejected", out)

    def test_add_query_list_delete_clear(self):
        rc, _, _, _ = self.hsts("add", "Bücher.Test.", "--include-subdomains")
        self.assertEqual(rc, 0)
        rc, _, _, js = self.hsts("--json", "query", "www.bücher.test")
        self.assertEqual(rc, 0)
        self.assertEqual(js["host"], "www.xn--bcher-kva.test")
        self.assertTrue(js["known"])
        self.assertEqual(js["reason"], "ancestor")
        self.assertEqual(js["match"]["host"], "xn--bcher-kva.test")
        # A closer entry without includeSubDomains does not hide the ancestor's.
        self.hsts("add", "www.xn--bcher-kva.test")
        rc, _, _, js = self.hsts("--json", "query", "a.www.xn--bcher-kva.test")
        self.assertTrue(js["known"])
        self.assertEqual(js["match"]["host"], "xn--bcher-kva.test")
        rc, _, _, js = self.hsts("--json", "list")
        self.assertEqual(sorted(e["host"] for e in js["entries"]),
                         ["www.xn--bcher-kva.test", "xn--bcher-kva.test"])
        # delete touches the exact host only
        rc, _, _, js = self.hsts("--json", "delete", "www.xn--bcher-kva.test")
        self.assertEqual((rc, js["deleted"]), (0, True))
        rc, _, _, js = self.hsts("--json", "query", "xn--bcher-kva.test")
        self.assertTrue(js["known"])
        rc, _, _, js = self.hsts("--json", "clear")
        self.assertEqual(js["cleared"], 1)
        rc, _, _, js = self.hsts("--json", "list")
        self.assertEqual(js["entries"], [])
        # never IP literals or localhost
        rc, _, err, _ = self.hsts("add", "127.0.0.1")
        self.assertEqual(rc, 2)
        self.assertIn("IP literal", err)
        rc, _, err, _ = self.hsts("add", "app.localhost")
        self.assertEqual(rc, 2)
        # the store file is private
        self.hsts("add", "a.test")
        self.assertEqual(stat.S_IMODE(os.stat(self.store).st_mode), 0o600)

    def test_add_applies_the_profiles_cap(self):
        """hsts add caps max-age as a navigation does (chromium: one year;
        fetch: none), and says so, in text and in JSON."""
        rc, out, _, _ = self.hsts("add", "ten.test", "--max-age", "315360000")
        self.assertEqual(rc, 0)
        self.assertEqual(out.strip(),
                         "added ten.test max-age=31536000 (capped by the profile)")
        rc, _, _, js = self.hsts("--json", "add", "one.test", "--max-age", "600")
        self.assertEqual((rc, js["added"], js["max_age"], js["capped"]),
                         (0, "one.test", 600, False))
        self.assertEqual(js["entry"]["host"], "one.test")
        rc, _, _, js = self.hsts("--json", "--profile", "fetch", "add", "long.test",
                                 "--max-age", "315360000")
        self.assertEqual((js["max_age"], js["capped"]), (315360000, False))
        rc, _, err, _ = self.hsts("--profile", "nope", "add", "x.test")
        self.assertEqual(rc, 2)
        self.assertIn("unknown profile 'nope'", err)

    def test_curl_import_export(self):
        src = os.path.join(self.tmp.name, "curl.txt")
        with open(src, "w") as f:
            f.write("# Your HSTS cache. https://curl.se/docs/hsts.html\n"
                    ".sub.example \"20991231 23:59:59\"\n"
                    "exact.example \"unlimited\"\n"
                    "old.example \"20000101 00:00:00\"\n"
                    "garbage line without quotes\n")
        rc, _, _, js = self.hsts("--json", "import", src, "--format", "curl")
        self.assertEqual(rc, 0)
        self.assertEqual((js["imported"], js["skipped"], js["expired"]), (2, 1, 1))
        rc, _, _, js = self.hsts("--json", "query", "a.sub.example")
        self.assertTrue(js["known"])
        rc, out, _, _ = self.hsts("export", "--format", "curl")
        self.assertEqual(rc, 0)
        lines = [l for l in out.splitlines() if l and not l.startswith("#")]
        self.assertIn('.sub.example "20991231 23:59:59"', lines)
        self.assertIn('exact.example "unlimited"', lines)
        self.assertEqual(len(lines), 2)


class FetchNotes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fx = Fixture(SCENARIO).start()

    @classmethod
    def tearDownClass(cls):
        cls.fx.stop()

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.store = os.path.join(self.tmp.name, "hsts.txt")
        self.env = dict(os.environ, XDG_DATA_HOME=self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def fetch(self, url, *extra, store=True):
        args = ["fetch", "--json", "--cacert", ca_file(), "--no-preload",
                *(["--hsts-store", self.store] if store else ["--no-hsts-store"]),
                *self.fx.connect_to_args(["a.test", "www.a.test", "b.test"]), *extra, url]
        rc, out, err, js = run_detour(args, env=self.env)
        self.assertIsNotNone(js, err)
        return rc, js, err

    def query(self, host):
        return run_detour(["hsts", "--json", "--hsts-store", self.store, "query", host],
                          env=self.env)[3]

    def test_noted_then_upgraded_with_nothing_sent(self):
        rc, js, _ = self.fetch("https://a.test/sts")
        self.assertEqual(rc, 0)
        h = js["hops"][0]["hsts"]
        self.assertEqual(h["outcome"], "noted")
        self.assertEqual((h["noted"]["host"], h["noted"]["max_age"]), ("a.test", 31536000))
        self.assertTrue(self.query("www.a.test")["known"])
        plain = self.fx.connections("http")
        rc, js, _ = self.fetch("http://www.a.test/hello", "-X", "POST", "-d", "k=v")
        self.assertEqual(rc, 0)
        first, second = js["hops"]
        self.assertTrue(first["synthetic"])
        self.assertEqual((first["response"]["status"], first["response"]["reason"]),
                         (307, "Internal Redirect"))
        self.assertIsNone(first["connection"])
        self.assertEqual(first["reason"]["store"], "dynamic")
        self.assertEqual(first["reason"]["entry"], "a.test")
        self.assertEqual(second["request"]["method"], "POST")  # method and body kept
        self.assertEqual(second["request"]["body_bytes"], 3)
        self.assertEqual(second["request"]["url"], "https://www.a.test/hello")
        self.assertEqual(self.fx.connections("http"), plain)  # the plaintext sentinel

    def test_explain_names_the_rules(self):
        self.fetch("https://a.test/sts")
        args = ["fetch", "--explain", "--cacert", ca_file(), "--no-preload",
                "--hsts-store", self.store, *self.fx.connect_to_args(["a.test"]),
                "http://a.test/hello"]
        rc, out, err, _ = run_detour(args, env=self.env)
        self.assertEqual(rc, 0, err)
        self.assertIn("nothing sent", out)
        self.assertIn("a.test is a Known HSTS Host", out)
        self.assertIn("[RFC 6797 §8.3", out)
        self.assertIn("result: https://a.test/hello", out)

    def test_har_shows_the_internal_redirect(self):
        self.fetch("https://a.test/sts")
        har_path = os.path.join(self.tmp.name, "c.har")
        rc, js, _ = self.fetch("http://a.test/hello", "--har", har_path)
        self.assertEqual(rc, 0)
        with open(har_path) as f:
            entries = json.load(f)["log"]["entries"]
        self.assertEqual(len(entries), len(js["hops"]))
        first = entries[0]
        self.assertEqual((first["response"]["status"], first["response"]["statusText"]),
                         (307, "Internal Redirect"))
        self.assertEqual(first["response"]["redirectURL"], "https://a.test/hello")
        self.assertTrue(first["_detour_synthetic"])
        self.assertIn({"name": "Non-Authoritative-Reason", "value": "HSTS"},
                      first["response"]["headers"])
        self.assertFalse(entries[1]["_detour_synthetic"])

    def test_max_age_zero_deletes(self):
        self.fetch("https://a.test/sts")
        rc, js, _ = self.fetch("https://a.test/zero")
        self.assertEqual(js["hops"][0]["hsts"]["outcome"], "deleted")
        self.assertFalse(self.query("a.test")["known"])

    def test_max_age_zero_on_a_preloaded_host_changes_nothing(self):
        """Knob 7, measured on Firefox ESR 153 as on Chromium: max-age=0 from
        a host the preload list names deletes only a dynamic entry; the list
        keeps upgrading the host in every profile, and nothing is stored."""
        src = os.path.join(self.tmp.name, "list.json")
        blob = os.path.join(self.tmp.name, "list.bin")
        with open(src, "w") as f:
            json.dump({"entries": [{"name": "a.test", "mode": "force-https",
                                    "include_subdomains": True}]}, f)
        rc, _, err, _ = run_detour(["preload", "compile", src, "-o", blob])
        self.assertEqual(rc, 0, err)
        pre = ["--preload-file", blob]

        def fetch(url, profile):
            args = ["fetch", "--json", "--cacert", ca_file(), *pre, "--profile", profile,
                    "--hsts-store", self.store,
                    *self.fx.connect_to_args(["a.test", "www.a.test"]), url]
            rc, _, err, js = run_detour(args, env=self.env)
            self.assertIsNotNone(js, err)
            return js

        for profile in ("chromium", "fetch", "firefox"):
            with self.subTest(profile=profile):
                fetch("https://a.test/sts", profile)  # a dynamic entry, then
                js = fetch("https://a.test/zero", profile)  # max-age=0
                self.assertEqual(js["hops"][0]["hsts"]["outcome"], "deleted")
                js = fetch("https://a.test/zero", profile)
                self.assertEqual(js["hops"][0]["hsts"]["outcome"], "nothing-to-delete")
                q = self.query("a.test")
                self.assertFalse(q["known"])
                self.assertNotIn("near_miss", q)
                lst = run_detour(["hsts", "--json", "--hsts-store", self.store, "list"],
                                 env=self.env)[3]
                self.assertEqual(lst["entries"], [])
                # the list still upgrades the name and its subdomains
                for url in ("http://a.test/hello", "http://www.a.test/hello"):
                    js = fetch(url, profile)
                    self.assertTrue(js["hops"][0]["synthetic"], (profile, url))
                    self.assertEqual(js["hops"][0]["reason"]["store"], "preload")
                    self.assertEqual(js["hops"][-1]["response"]["status"], 200)
        with open(self.store) as f:
            self.assertNotRegex(f.read(), r"(?m)^h \S+ k ")

    def test_store_of_detour_0_3_with_knockouts_loads(self):
        """A store an older detour wrote with --profile firefox has knockout
        lines (flag k). It still loads: the lines are dropped, counted, and
        named in a warning with the file; each is read as the max-age=0 it
        was (c.test's older entry is deleted); the rest of the file is kept,
        and the next save compacts the file, so the lines are gone from it
        and the warning is said once."""
        fixture = os.path.join(dtfixture.source_dir(), "fixtures", "hsts-store",
                               "knockouts-0.3.txt")
        shutil.copyfile(fixture, self.store)
        os.chmod(self.store, 0o600)

        def hsts(*args):
            return run_detour(["hsts", "--hsts-store", self.store, *args], env=self.env)

        rc, out, err, _ = hsts("list")
        self.assertEqual(rc, 0, err)
        self.assertRegex(err, r"warning: HSTS store " + re.escape(self.store) +
                         r": 2 knockout line\(s\) .*dropped")
        self.assertIn("b.test", out)
        self.assertNotIn("a.test", out)
        self.assertNotIn("c.test", out)
        # a navigation carries the warning in its chain (JSON "warnings")
        rc, _, err, js = run_detour(["fetch", "--json", "--cacert", ca_file(), "--no-preload",
                                     "--hsts-store", self.store,
                                     *self.fx.connect_to_args(["b.test"]),
                                     "http://b.test/hello"], env=self.env)
        self.assertEqual(rc, 0, err)
        self.assertTrue(any(self.store in w and "2 knockout line(s)" in w
                            for w in js["warnings"]), js["warnings"])
        self.assertTrue(js["hops"][0]["synthetic"])  # b.test's entry was kept
        with open(self.store) as f:  # nothing changed: nothing written
            self.assertRegex(f.read(), r"(?m)^h a\.test k ")
        rc, _, err, _ = hsts("add", "z.test")  # a change: a save
        self.assertEqual(rc, 0, err)
        with open(self.store) as f:
            text = f.read()
        self.assertNotRegex(text, r"(?m)^h \S+ k ")
        self.assertRegex(text, r"(?m)^h b\.test i ")
        self.assertRegex(text, r"(?m)^h z\.test ")
        rc, out, err, _ = hsts("list")
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(sorted(line.split()[0] for line in out.splitlines()),
                         ["b.test", "z.test"])

    def test_ignored_over_http_with_k_and_for_ip(self):
        rc, js, _ = self.fetch("http://a.test/plain-sts")
        self.assertEqual(js["hops"][0]["hsts"]["ignored"], "not-https")
        rc, js, _ = self.fetch("https://a.test/sts", "-k")
        self.assertEqual(js["hops"][0]["hsts"]["ignored"], "certificate-not-verified")
        rc, js, _ = self.fetch(f"https://127.0.0.1:{self.fx.https}/sts")
        self.assertEqual(rc, 0)
        self.assertEqual(js["hops"][0]["hsts"]["ignored"], "ip-literal")
        self.assertEqual(self.query("a.test")["known"], False)

    def test_rejected_header_has_code(self):
        rc, js, _ = self.fetch("https://a.test/bad-sts")
        h = js["hops"][0]["hsts"]
        self.assertEqual((h["outcome"], h["rejected"]["code"]), ("rejected", "STSMultipleMaxAges"))

    def test_only_the_first_field_counts(self):
        rc, js, _ = self.fetch("https://a.test/two-sts")
        h = js["hops"][0]["hsts"]
        self.assertEqual((h["outcome"], h["noted"]["max_age"]), ("noted", 500))

    def test_known_host_refuses_bad_cert_even_with_k(self):
        self.fetch("https://a.test/sts")
        # a.test:443 now goes to a listener with an untrusted certificate
        args = ["fetch", "--json", "-k", "--no-preload", "--hsts-store", self.store,
                "--connect-to", f"a.test:443:127.0.0.1:{self.fx.port('untrusted')}",
                "https://a.test/hello"]
        rc, _, err, js = run_detour(args, env=self.env)
        self.assertEqual(rc, 6, err)
        self.assertEqual(js["error"]["code"], "EHSTS_CERT")

    def test_corrupt_store_is_a_warning_not_a_failure(self):
        with open(self.store, "wb") as f:
            f.write(b"\x00\xffnot a store at all\n")
        rc, js, err = self.fetch("https://a.test/sts")
        self.assertEqual(rc, 0)
        # --json: the warning is the document's (stderr says it without)
        self.assertEqual(err, "")
        self.assertIn(self.store, js["warnings"][0])
        self.assertIn("memory only", js["warnings"][0])
        with open(self.store, "rb") as f:  # never overwritten
            self.assertEqual(f.read(), b"\x00\xffnot a store at all\n")

    def test_world_writable_store_refused(self):
        self.fetch("https://a.test/sts")
        os.chmod(self.store, 0o666)
        rc, js, err = self.fetch("http://a.test/hello")
        self.assertEqual(rc, 0)
        self.assertIn("world-writable", js["warnings"][0])
        self.assertFalse(js["hops"][0]["synthetic"])  # its entries were not trusted

    def test_group_writable_or_foreign_store_refused(self):
        """Issue 18 part 6: refused as OpenSSH refuses such key files — anyone
        in the group, or the owner, could have planted its entries."""
        self.fetch("https://a.test/sts")
        os.chmod(self.store, 0o620)
        rc, js, err = self.fetch("http://a.test/hello")
        self.assertEqual(rc, 0)
        for want in (self.store, "group-writable", "chmod g-w"):
            self.assertIn(want, js["warnings"][0])
        self.assertFalse(js["hops"][0]["synthetic"])
        os.chmod(self.store, 0o600)
        if os.geteuid() == 0:
            os.chown(self.store, 65534, 65534)
            rc, js, err = self.fetch("http://a.test/hello")
            self.assertEqual(rc, 0)
            for want in (self.store, "another user (uid 65534", "chown"):
                self.assertIn(want, js["warnings"][0])
            self.assertFalse(js["hops"][0]["synthetic"])

    def test_crlf_store_loads(self):
        """Issue 18 part 6: a store copied through a CRLF system loads (the \r
        is not part of a line nor of its CRC), and saves."""
        self.fetch("https://a.test/sts")
        with open(self.store, "rb") as f:
            text = f.read()
        with open(self.store, "wb") as f:
            f.write(text.replace(b"\n", b"\r\n"))
        rc, js, err = self.fetch("http://a.test/hello")
        self.assertEqual(rc, 0, err)
        self.assertNotIn("warning", err)
        self.assertTrue(js["hops"][0]["synthetic"])  # upgraded from the file
        rc, js, err = self.fetch("https://b.test/sts")
        self.assertEqual(rc, 0, err)
        self.assertTrue(self.query("b.test")["known"])
        self.assertTrue(self.query("a.test")["known"])

    def test_symlinked_store_stays_a_link(self):
        """Issue 18 part 5: the store's path is a link: the save writes the file
        it names (one lock for both), and the link stays a link."""
        real = os.path.join(self.tmp.name, "elsewhere", "hsts.txt")
        os.makedirs(os.path.dirname(real))
        os.symlink(real, self.store)
        self.fetch("https://a.test/sts")
        self.fetch("https://b.test/sts")
        self.assertTrue(os.path.islink(self.store))
        self.assertTrue(os.path.exists(real + ".lock"))
        self.assertFalse(os.path.exists(self.store + ".lock"))
        rc, out, err, js = run_detour(["hsts", "--json", "--hsts-store", real, "query",
                                       "b.test"], env=self.env)
        self.assertTrue(js["known"], err)
        rc, out, err, js = run_detour(["hsts", "--json", "--hsts-store", real, "query",
                                       "a.test"], env=self.env)
        self.assertTrue(js["known"], err)



if __name__ == "__main__":
    unittest.main(verbosity=2)
