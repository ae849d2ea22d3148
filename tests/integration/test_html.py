"""The navigation as a picture (`detour fetch --html FILE`, `detour demo
--html DIR`; engine/out/chain_html.c), rendered by headless Chromium
(Debian's `chromium`, started here with its own profile directory, every
host name mapped to nowhere: the page must need no network):

- the screenshot is not blank, and shows the plaintext lane exactly when a
  plaintext hop went out;
- the page's text (its DOM after load) names every hop of the chain the same
  run printed as JSON: each URL and status, and each internal redirect's
  reason (the store entry that decided, the HTTPS-Upgrades step);
- the page's own script ran, so its Content-Security-Policy hash is right,
  and the style's hash is recomputed here;
- a server whose header values, reason phrase and cookie carry <script> and
  quotes injects nothing: one script element (the page's), no <img>, the
  title untouched.

Chromium is a test dependency (scripts/setup.sh --test installs it): when
it is missing this test FAILS, it does not skip."""

import base64
import hashlib
import html
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dtfixture import Fixture, ca_file, run_detour  # noqa: E402

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")

EVIL = "<script>document.title='pwned'</script>"
QUOTE = "\"'><img src=x onerror=document.title='pwned2'>"

SCENARIO = r"""
route /start
  status 301
  header Location: https://a.test/page
route /page
  header Strict-Transport-Security: max-age=600
  header X-Evil: <script>document.title='pwned'</script>
  header X-Quote: "'><img src=x onerror=document.title='pwned2'>
  header Set-Cookie: sid=1; Path=/; Secure
  body page\n
route /up/ok
  status 200 OK<script>document.title='pwned3'</script>
  header X-Evil: <script>document.title='pwned'</script>
  body over http\n
"""

# Colours the page draws with (chain_html.c): the band behind the browser's
# parts, and the head of a plaintext server's lane.
BROWSER_BAND = (0xF3, 0xEE, 0xFB)
PLAIN_LANE = (0xFD, 0xEC, 0xEA)


def chromium_bin():
    return os.environ.get("DETOUR_CHROMIUM") or shutil.which("chromium") \
        or shutil.which("chromium-browser")


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def decode_png(path):
    """(width, height, bytes per pixel, rows) of an 8-bit RGB/RGBA PNG:
    zlib and struct only (PNG spec §9: the five row filters undone)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise AssertionError(f"{path} is not a PNG")
    pos, idat = 8, []
    w = h = depth = ctype = interlace = None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if depth != 8 or ctype not in (2, 6) or interlace != 0:
        raise AssertionError(f"unexpected PNG format: depth {depth}, type {ctype}")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def colours(path):
    """{(r, g, b): pixel count} of the screenshot."""
    w, h, bpp, rows = decode_png(path)
    counts = {}
    for r in rows:
        for i in range(0, len(r), bpp):
            px = (r[i], r[i + 1], r[i + 2])
            counts[px] = counts.get(px, 0) + 1
    return w, h, counts


def page_text(dom):
    """The text of a DOM dump: tags gone, references decoded."""
    dom = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", dom, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", dom))


class HtmlPicture(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="detour-html-")
        cls.fx = Fixture(SCENARIO).start()
        cls.closed = closed_port()

    @classmethod
    def tearDownClass(cls):
        cls.fx.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.chromium = chromium_bin()
        if not self.chromium:
            self.fail("chromium is not installed: the picture's test needs it "
                      "(scripts/setup.sh --test installs Debian's chromium)")

    # -- Chromium ----------------------------------------------------------
    def chromium_run(self, page, *args):
        profile = tempfile.mkdtemp(prefix="chromium-", dir=self.tmp)
        env = dict(os.environ, HOME=profile)
        cmd = [self.chromium, "--headless", "--no-sandbox", "--disable-gpu",
               "--no-first-run", "--disable-extensions", "--hide-scrollbars",
               "--disable-background-networking", "--disable-sync",
               "--host-resolver-rules=MAP * ~NOTFOUND",  # nothing to reach
               f"--user-data-dir={profile}", "--window-size=1200,900",
               *args, "file://" + os.path.abspath(page)]
        p = subprocess.run(cmd, capture_output=True, timeout=180, env=env)
        self.assertEqual(p.returncode, 0, p.stderr.decode("utf-8", "replace")[-2000:])
        return p.stdout.decode("utf-8", "replace")

    def render(self, page):
        """Screenshot (PNG path) and DOM after load of PAGE."""
        png = page + ".png"
        self.chromium_run(page, f"--screenshot={png}")
        self.assertTrue(os.path.exists(png), "chromium wrote no screenshot")
        dom = self.chromium_run(page, "--dump-dom")
        self.assertIn("<body", dom)
        return png, dom

    # -- checks ------------------------------------------------------------
    def assert_not_blank(self, png):
        w, h, counts = colours(png)
        self.assertEqual((w, h), (1200, 900))
        background = max(counts, key=counts.get)
        drawn = w * h - counts[background]
        self.assertGreater(len(counts), 32, "too few colours: a blank page?")
        self.assertGreater(drawn, w * h // 50, "almost every pixel is the background")
        self.assertIn(BROWSER_BAND, counts, "the browser's band is not drawn")
        return counts

    def assert_page_safe(self, page, dom):
        with open(page, encoding="utf-8") as f:
            src = f.read()
        # the page's own style and script, named by their hash in the CSP
        csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', src)
        self.assertIsNotNone(csp)
        csp = csp.group(1)
        self.assertIn("default-src 'none'", csp)
        for tag, directive in (("style", "style-src"), ("script", "script-src")):
            body = re.findall(rf"<{tag}>(.*?)</{tag}>", src, re.S)
            self.assertEqual(len(body), 1, f"one <{tag}>")
            digest = base64.b64encode(hashlib.sha256(body[0].encode()).digest()).decode()
            self.assertIn(f"{directive} 'sha256-{digest}'", csp,
                          f"the CSP's {tag} hash is stale (engine/out/chain_html.c)")
        self.assertNotRegex(src, r"""(src|href)="(?!#)""", "a link or load out of the page")
        # what Chromium made of it: the script ran, nothing was injected
        self.assertIn('data-script="ran"', dom, "the page's script did not run")
        self.assertEqual(len(re.findall(r"<script\b", dom)), 1)
        self.assertNotRegex(dom, r"<img\b")
        self.assertNotIn("pwned", re.search(r"<title>(.*?)</title>", dom, re.S).group(1))

    def assert_names_every_hop(self, text, chain):
        for i, hop in enumerate(chain["hops"], 1):
            with self.subTest(hop=i):
                self.assertIn(hop["request"]["url"], text)
                r = hop["response"]
                if r:
                    self.assertIn(f"{r['status']} {r['reason']}", text)
                else:
                    self.assertIn(hop["error"]["code"], text)
                if hop["synthetic"] or hop["from_cache"]:
                    self.assertIn(hop["steps"][0]["text"], text)

    def fetch(self, args, page):
        rc, out, err, js = run_detour(["fetch", "--json", "--html", page, "--no-preload",
                                       "--cacert", ca_file(), *args])
        for m in SANITIZER_MARKS:
            self.assertNotIn(m, err)
        self.assertIsNotNone(js, err)
        self.assertTrue(os.path.exists(page), err)
        return rc, js

    # -- tests -------------------------------------------------------------
    def test_hsts_and_redirect_cache(self):
        """The third visit: HSTS's 307 from the store, the redirect cache's
        301, then the https page whose fields carry markup."""
        udd = os.path.join(self.tmp, "udd-hsts")
        page = os.path.join(self.tmp, "hsts.html")
        args = ["--user-data-dir", udd, *self.fx.connect_to_args(["a.test"]),
                "http://a.test/start"]
        for _ in range(3):
            rc, js = self.fetch(args, page)
            self.assertEqual(rc, 0)
        kinds = [(h["synthetic"], h["from_cache"]) for h in js["hops"]]
        self.assertEqual(kinds, [(True, False), (False, True), (False, False)])
        png, dom = self.render(page)
        counts = self.assert_not_blank(png)
        self.assertNotIn(PLAIN_LANE, counts, "no plaintext hop went out")
        self.assert_page_safe(page, dom)
        text = page_text(dom)
        self.assert_names_every_hop(text, js)
        self.assertIn("HSTS: dynamic entry a.test", text)
        for lane in ("HSTS store", "redirect cache", "cookie jar", "inside the browser"):
            self.assertIn(lane, text)
        self.assertIn(EVIL, text)   # shown as text, in the fields
        self.assertIn(QUOTE, text)

    def test_https_upgrades_fallback(self):
        """https tried first and refused (a crossed arrow), the silent
        fallback, then the plaintext hop marked as such."""
        page = os.path.join(self.tmp, "upgrades.html")
        host = "refused.example.com"
        rc, js = self.fetch(["--no-hsts-store",
                             "--connect-to", f"{host}:443:127.0.0.1:{self.closed}",
                             "--connect-to", f"{host}:80:127.0.0.1:{self.fx.http}",
                             f"http://{host}/up/ok"], page)
        self.assertEqual(rc, 0)
        self.assertEqual([h["synthetic"] for h in js["hops"]], [True, False, True, False])
        self.assertEqual(js["hops"][1]["error"]["code"], "ECONNECT")
        png, dom = self.render(page)
        counts = self.assert_not_blank(png)
        self.assertIn(PLAIN_LANE, counts, "the plaintext lane is not drawn")
        self.assert_page_safe(page, dom)
        text = page_text(dom)
        self.assert_names_every_hop(text, js)
        for words in ("HTTPS-Upgrades", "plaintext", "ECONNECT", "no response"):
            self.assertIn(words, text)
        # the plaintext arrow is red and dashed, the refused one crossed
        self.assertRegex(dom, r'<line [^>]*stroke="#c62828"[^>]*stroke-dasharray')
        self.assertRegex(dom, r'<path d="M[0-9 ]+l10 10M[0-9 ]+l-10 10" stroke="#b71c1c"')

    def test_demo_page(self):
        """`detour demo --html DIR`: the four steps on one page."""
        out_dir = os.path.join(self.tmp, "demo")
        rc, out, err, js = run_detour(["demo", "--json", "--html", out_dir])
        for m in SANITIZER_MARKS:
            self.assertNotIn(m, err)
        self.assertEqual(rc, 0, err)
        page = os.path.join(out_dir, "index.html")
        self.assertEqual(os.listdir(out_dir), ["index.html"])
        png, dom = self.render(page)
        counts = self.assert_not_blank(png)
        self.assertIn(PLAIN_LANE, counts, "the first visit's plaintext hop")
        self.assert_page_safe(page, dom)
        text = page_text(dom)
        for chain in js["visits"] + js["forms"]:
            self.assert_names_every_hop(text, chain)
        self.assertIn("HSTS: dynamic entry demo.test", text)
        for step in range(1, 5):
            self.assertIn(f"Step {step}.", text)
        self.assertIn("plain-http connections during the second visit: 0", text)

    def test_cli(self):
        """--html - is the page on stdout; it takes stdout alone; a page
        that cannot be written fails the run with its path."""
        fx = self.fx
        base = ["fetch", "--no-hsts-store", "--no-preload", "--cacert", ca_file(),
                *fx.connect_to_args(["a.test"])]
        rc, out, err, _ = run_detour([*base, "--html", "-", "http://a.test/page"])
        self.assertEqual(rc, 0, err)
        self.assertTrue(out.startswith("<!DOCTYPE html>"), out[:200])
        self.assertTrue(out.endswith("</html>\n"), out[-200:])  # the page alone
        self.assertEqual(out.count("<!DOCTYPE html>"), 1)
        for clash in (["--json"], ["--explain"], ["--har", "-"], ["-o", "-"]):
            with self.subTest(clash=clash):
                rc, out, err, _ = run_detour([*base, "--html", "-", *clash,
                                              "http://a.test/page"])
                self.assertEqual(rc, 2, err)
                self.assertIn("takes stdout", err + out)  # with --json: in its document
        bad = os.path.join(self.tmp, "no-such-dir", "page.html")
        rc, out, err, _ = run_detour([*base, "--html", bad, "http://a.test/page"])
        self.assertEqual(rc, 11, err)
        self.assertEqual(err.count(bad), 1, err)
        # demo: the directory is made, its parent is not
        rc, out, err, _ = run_detour(["demo", "--html", bad])
        self.assertEqual(rc, 11, err)
        self.assertIn("cannot create", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
