"""Content codings end to end (docs/profiles.md "Request fields", Accept-
Encoding; engine/net/coding.c): the fixture serves bodies encoded with
gzip, deflate, br and zstd, and detour must undo each over https; br/zstd
over plain http (never offered there) are what the profile says: refused
(chromium), passed raw (firefox) or decoded (fetch); a broken
gzip body on a 302 is followed (a redirect's body is never decoded) and on
a 200 is EDECODE; a zstd body that expands to 10 GB stops at the body
limit with the process's peak memory bounded; --identity minimal leaves
the body as it came (curl without --compressed)."""

import gzip
import json
import os
import subprocess
import sys
import tempfile
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dtfixture import Fixture, ca_file, detour_bin, run_detour  # noqa: E402

TEXT = b"decoded: hello from a compressed body\n"
# "hello br, decoded\n" as libbrotlienc (quality 5) wrote it
BR = bytes.fromhex("8b0880" + b"hello br, decoded\n".hex() + "03")


def esc(data):
    return "".join(f"\\x{b:02x}" for b in data)


def zstd(data):
    return subprocess.run(["zstd", "-q", "-c"], input=data, capture_output=True,
                          check=True).stdout


def raw_deflate(data):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


class Codings(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        # 10 GB of zeros, zstd: about 330 KB on the wire
        cls.bomb = subprocess.run("head -c 10G /dev/zero | zstd -q -c", shell=True,
                                  capture_output=True, check=True).stdout
        routes = [
            ("/c/gzip", "gzip", gzip.compress(TEXT)),
            ("/c/deflate", "deflate", zlib.compress(TEXT)),
            ("/c/rawdeflate", "deflate", raw_deflate(TEXT)),
            ("/c/br", "br", BR),
            ("/c/zstd", "zstd", zstd(TEXT)),
            ("/c/stacked", "gzip, zstd", zstd(gzip.compress(TEXT))),
            ("/c/bad200", "gzip", b"this is not gzip"),
            ("/c/bomb", "zstd", cls.bomb),
        ]
        text = ""
        for path, coding, body in routes:
            text += (f"route {path}\n  header Content-Encoding: {coding}\n"
                     f"  header Content-Type: text/plain\n  body {esc(body)}\n")
        text += ("route /c/bad302\n  status 302\n  header Location: /c/gzip\n"
                 "  header Content-Encoding: gzip\n  body this is not gzip either\n")
        cls.fx = Fixture(text).start()

    @classmethod
    def tearDownClass(cls):
        cls.fx.stop()

    def fetch(self, url, *args):
        fx = self.fx
        ct = ["--connect-to", f"a.test:443:127.0.0.1:{fx.https}",
              "--connect-to", f"a.test:80:127.0.0.1:{fx.http}"]
        return run_detour(["fetch", "--json", "--no-hsts-store", "--no-preload", "--cacert",
                           ca_file(), *ct, *args, url])

    def body_of(self, url, *args):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "body")
            rc, _, err, js = self.fetch(url, "-o", out, *args)
            data = open(out, "rb").read() if os.path.exists(out) else None
            return rc, err, js, data

    def test_each_coding_decodes_over_https(self):
        for path, coding, want in (("/c/gzip", "gzip", TEXT), ("/c/deflate", "deflate", TEXT),
                                   ("/c/rawdeflate", "deflate", TEXT),
                                   ("/c/br", "br", b"hello br, decoded\n"),
                                   ("/c/zstd", "zstd", TEXT),
                                   ("/c/stacked", "gzip, zstd", TEXT)):
            with self.subTest(path):
                rc, err, js, data = self.body_of(f"https://a.test{path}")
                self.assertEqual(rc, 0, err)
                self.assertEqual(data, want)
                r = js["hops"][-1]["response"]
                self.assertEqual(r["content_decoded"], coding)
                self.assertEqual(r["body_bytes"], len(want))
                self.assertNotEqual(r["encoded_bytes"], r["body_bytes"])
                # the body kept in the chain is decoded too
                rc, _, err, js = self.fetch(f"https://a.test{path}")
                self.assertEqual(rc, 0, err)
                self.assertEqual(js["hops"][-1]["response"]["body_kept"], len(want))

    def test_br_and_zstd_over_plain_http_per_profile(self):
        # knob 16: br and zstd are offered only to trustworthy URLs; a body
        # that comes with one over plain http anyway is an error in chromium
        # (measured), shown as it came in firefox (measured) and decoded in
        # fetch (Fetch "handle content codings"); the hop says why
        bodies = {"/c/br": (BR, b"hello br, decoded\n", "br"),
                  "/c/zstd": (zstd(TEXT), TEXT, "zstd")}
        for path, (raw, decoded, coding) in bodies.items():
            with self.subTest(path, profile="chromium"):
                rc, _, err, js = self.fetch(f"http://a.test{path}")
                self.assertEqual((rc, js["error"]["code"]), (7, "EDECODE"), err)
                self.assertIn("plain http", js["error"]["message"])
            with self.subTest(path, profile="firefox"):
                rc, err, js, data = self.body_of(f"http://a.test{path}", "--profile",
                                                 "firefox")
                self.assertEqual(rc, 0, err)
                self.assertEqual(data, raw)
                r = js["hops"][0]["response"]
                self.assertIsNone(r["content_decoded"])
                self.assertEqual(r["body_bytes"], len(raw))
                steps = js["hops"][0]["steps"]
                self.assertIn(f"Content-Encoding: {coding} over plain http", steps[-1]["text"])
                self.assertIn("passed as it came", steps[-1]["text"])
                self.assertIn("Firefox ESR 153", steps[-1]["rule"])
            with self.subTest(path, profile="fetch"):
                rc, err, js, data = self.body_of(f"http://a.test{path}", "--profile", "fetch")
                self.assertEqual(rc, 0, err)
                self.assertEqual(data, decoded)
                self.assertEqual(js["hops"][0]["response"]["content_decoded"], coding)
                step = js["hops"][0]["steps"][-1]
                self.assertIn("decoded", step["text"])
                self.assertIn("handle content codings", step["rule"])
        # --explain says it in words
        rc, out, err, _ = run_detour(["fetch", "--explain", "--no-hsts-store", "--no-preload",
                                      "--profile", "firefox", "--connect-to",
                                      f"a.test:80:127.0.0.1:{self.fx.http}",
                                      "http://a.test/c/br"])
        self.assertEqual(rc, 0, err)
        self.assertIn("the body is passed as it came", out)
        # every profile offers only gzip and deflate there, and decodes them
        for profile in ("chromium", "fetch", "firefox"):
            with self.subTest("gzip", profile=profile):
                rc, err, js, data = self.body_of("http://a.test/c/gzip", "--profile", profile)
                self.assertEqual((rc, data), (0, TEXT), err)
                self.assertEqual(js["hops"][0]["steps"], [])

    def test_broken_gzip_redirect_followed_final_fails(self):
        rc, _, err, js = self.fetch("https://a.test/c/bad302")
        self.assertEqual(rc, 0, err)
        self.assertEqual([h["response"]["status"] for h in js["hops"]], [302, 200])
        self.assertIsNone(js["hops"][0]["response"]["content_decoded"])
        rc, _, err, js = self.fetch("https://a.test/c/bad200")
        self.assertEqual((rc, js["error"]["code"]), (7, "EDECODE"), err)
        self.assertIn("gzip", js["error"]["message"])

    def test_bomb_stops_at_the_limit_in_bounded_memory(self):
        for args, code in (([], "ELIMIT_BODY_BYTES"),
                           (["-o", "/dev/null", "--max-body-bytes", "100000000"],
                            "ELIMIT_BODY_BYTES")):
            with self.subTest(args=args):
                fx = self.fx
                cmd = [detour_bin(), "fetch", "--json", "--no-hsts-store", "--no-preload",
                       "--cacert", ca_file(), "--connect-to",
                       f"a.test:443:127.0.0.1:{fx.https}", *args, "https://a.test/c/bomb"]
                p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                out, err = p.communicate(timeout=300)
                js = json.loads(out)
                self.assertEqual(js["error"]["code"], code, err)
                r = js["hops"][0]["response"]
                # stopped at the limit (the piece that crossed it counted)
                self.assertLessEqual(r["body_bytes"], 100000000 + 16384)
                self.assertLess(r["encoded_bytes"], len(self.bomb))
        # peak memory of one such run, measured on its own
        pid = os.fork()
        if pid == 0:
            os.execv(detour_bin(), [detour_bin(), "fetch", "--no-hsts-store", "--no-preload",
                                    "--cacert", ca_file(), "--connect-to",
                                    f"a.test:443:127.0.0.1:{self.fx.https}", "-o",
                                    "/dev/null", "https://a.test/c/bomb"])
        _, status, usage = os.wait4(pid, 0)
        # without a cap -o takes the whole 10 GB, decoded as it streams
        self.assertEqual(os.waitstatus_to_exitcode(status), 0)
        self.assertLess(usage.ru_maxrss, 96 * 1024, "peak RSS (KiB)")

    def test_minimal_identity_leaves_the_body(self):
        rc, err, js, data = self.body_of("https://a.test/c/gzip", "--identity", "minimal")
        self.assertEqual(rc, 0, err)
        self.assertEqual(gzip.decompress(data), TEXT)
        self.assertIsNone(js["hops"][0]["response"]["content_decoded"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
