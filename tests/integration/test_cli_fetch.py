"""`detour fetch` end to end against the loopback fixture server: what the
client core promises (http, https and certificate errors, bodies, keep-alive,
limits, faults, each timeout) and what the chain says, checked against the
fixture's request log — the witness of what reached the wire."""

import json
import os
import resource
import socket
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dtfixture import Fixture, ca_file, run_detour  # noqa: E402

SCENARIO = r"""
listener untrusted https untrusted
listener expired https expired
listener other https other
listener notyet https notyet
listener nosan https nosan

route /hello
  header Content-Type: text/plain
  body hello\n
route /chunked
  chunked 7
  body-bytes 100
route /a
  status 302
  header Location: /b
route /b
  body at b\n
route /close1
  status 302
  header Location: /close2
  connection close
route /close2
  connection close
  body second connection\n
route /huge
  huge-headers 100000
route /mid-body
  body-bytes 1000
  close-after 10
route /never
  never-answer
route /stall
  body-bytes 1000
  stall-after-head
route /slow
  delay-head 3000
  body late\n
route POST /form307
  status 307
  header Location: /echo
route POST /form303
  status 303
  header Location: /echo
route /echo
  body echo\n
route /evil
  status 302
  header Location: /b\x1b]0;pwned\x07
route /big
  body-bytes 268435456
route /cut-big
  body-bytes 3000000
  close-after 2000000
route /to-b
  status 302
  header Location: http://b.test/hello
route /bare-lf
  garbage HTTP/1.1 200 OK\nContent-Length: 2\nX-A: b\n\nok
route /del-in-value
  garbage HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b\x7fc\r\n\r\nok
route /bad-name
  garbage HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A b\r\n\r\nok
route /to-ftp
  status 302
  header Location: ftp://a.test/file
route /sts-cut
  on https
  header Strict-Transport-Security: max-age=1000
  body-bytes 5000
  close-after 100
""" + "route /many\n" + "".join("  header X-Field-%d: %d\n" % (i, i) for i in range(600)) + \
    "route /head-200k\n  huge-headers 200000\n"


def check_har_1_2(t, har):
    """The fields HAR 1.2 (W3C draft, 'HTTP Archive format') requires, with
    their types — what devtools and HAR viewers rely on."""
    log = har["log"]
    t.assertIsInstance(log["creator"]["name"], str)
    t.assertIsInstance(log["creator"]["version"], str)
    for e in log["entries"]:
        t.assertIsInstance(e["startedDateTime"], str)
        t.assertIsInstance(e["time"], (int, float))
        for k in ("send", "wait", "receive"):
            t.assertIsInstance(e["timings"][k], (int, float))
        t.assertIsInstance(e["cache"], dict)
        rq, rs = e["request"], e["response"]
        for k, ty in (("method", str), ("url", str), ("httpVersion", str), ("cookies", list),
                      ("headers", list), ("queryString", list), ("headersSize", int),
                      ("bodySize", int)):
            t.assertIsInstance(rq[k], ty, k)
        for k, ty in (("status", int), ("statusText", str), ("httpVersion", str),
                      ("cookies", list), ("headers", list), ("content", dict),
                      ("redirectURL", str), ("headersSize", int), ("bodySize", int)):
            t.assertIsInstance(rs[k], ty, k)
        t.assertIsInstance(rs["content"]["size"], int)
        t.assertIsInstance(rs["content"]["mimeType"], str)
        for h in rq["headers"] + rs["headers"]:
            t.assertEqual(set(h) >= {"name", "value"}, True)


class FetchTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fx = Fixture(SCENARIO).start()
        cls.tmp = tempfile.TemporaryDirectory()
        # Never touch the user's real HSTS store.
        cls.env = dict(os.environ, XDG_DATA_HOME=cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.fx.stop()
        cls.tmp.cleanup()

    def fetch(self, url, *extra, listener_port=None):
        """detour fetch --json URL with a.test mapped to the fixture."""
        fx = self.fx
        args = ["fetch", "--json", "--cacert", ca_file(), "--no-hsts-store",
                *fx.connect_to_args(["a.test"]), *extra, url]
        rc, out, err, js = run_detour(args, env=self.env)
        self.assertIsNotNone(js, f"no JSON on stdout; stderr: {err}")
        return rc, js, err

    def requests_for(self, path):
        return [r for r in self.fx.requests() if r["path"] == path]

    def test_http_get_chain_shape(self):
        rc, js, _ = self.fetch("http://a.test/hello")
        self.assertEqual(rc, 0)
        self.assertEqual(set(js) >= {"url", "method", "hops", "final_url", "error"}, True)
        self.assertIsNone(js["error"])
        self.assertEqual(js["final_url"], "http://a.test/hello")
        hop = js["hops"][0]
        self.assertEqual(hop["request"]["method"], "GET")
        names = [h[0] for h in hop["request"]["headers"]]
        # Chromium's fields to plain http on a host that is not
        # potentially trustworthy (docs/profiles.md, request fields)
        self.assertEqual(names, ["Host", "Connection", "Upgrade-Insecure-Requests",
                                 "User-Agent", "Accept", "Accept-Encoding",
                                 "Accept-Language"])
        self.assertEqual(hop["response"]["status"], 200)
        self.assertEqual(hop["response"]["body_bytes"], 6)
        self.assertFalse(hop["synthetic"])
        self.assertIsNone(hop["connection"]["tls_version"])
        # The fixture saw exactly that request with Host a.test.
        seen = self.requests_for("/hello")
        self.assertTrue(seen and seen[-1]["host"] == "a.test")

    def test_https_get_verified(self):
        rc, js, _ = self.fetch("https://a.test/hello")
        self.assertEqual(rc, 0)
        c = js["hops"][0]["connection"]
        self.assertEqual(c["tls_version"], "TLSv1.2")
        self.assertTrue(c["cert_verified"])
        self.assertEqual(c["alpn"], "http/1.1")
        # The IANA name of the suite (Mbed TLS writes '-' for '_').
        self.assertRegex(c["tls_cipher"], r"^TLS_ECDHE_[A-Z0-9_]+_WITH_[A-Z0-9_]+$")

    def cert_error(self, listener, code):
        port = self.fx.port(listener)
        rc, js, _ = self.fetch(f"https://a.test:{port}/hello",
                               "--resolve", f"a.test:{port}:127.0.0.1")
        self.assertEqual(rc, 6)
        self.assertEqual(js["error"]["code"], code)
        self.assertIsNone(js["hops"][0]["response"])

    def test_unknown_ca(self):
        self.cert_error("untrusted", "ECERT_UNTRUSTED")

    def test_expired(self):
        self.cert_error("expired", "ECERT_EXPIRED")

    def test_name_mismatch(self):
        self.cert_error("other", "ECERT_NAME")

    def test_not_yet_valid(self):
        self.cert_error("notyet", "ECERT_EXPIRED")

    def test_no_subject_alt_name_is_a_name_mismatch(self):
        """A leaf naming its host only in the CN is refused, as Chromium
        does since 58, with either TLS backend; the message says why."""
        port = self.fx.port("nosan")
        rc, js, _ = self.fetch(f"https://a.test:{port}/hello",
                               "--resolve", f"a.test:{port}:127.0.0.1")
        self.assertEqual((rc, js["error"]["code"]), (6, "ECERT_NAME"))
        self.assertIn("no subjectAltName", js["error"]["message"])
        # and no STS field is noted from it, -k or not
        rc, js, _ = self.fetch(f"https://a.test:{port}/hello", "-k",
                               "--resolve", f"a.test:{port}:127.0.0.1")
        self.assertEqual(rc, 0)
        self.assertFalse(js["hops"][0]["connection"]["cert_verified"])

    def test_ip_literal_checked_against_ip_sans(self):
        # Mbed TLS 2.28 has no iPAddress SAN check; detour does its own.
        rc, js, _ = self.fetch(f"https://127.0.0.1:{self.fx.https}/hello")
        self.assertEqual(rc, 0)
        self.assertTrue(js["hops"][0]["connection"]["cert_verified"])
        rc, js, _ = self.fetch(f"https://127.0.0.1:{self.fx.port('other')}/hello")
        self.assertEqual((rc, js["error"]["code"]), (6, "ECERT_NAME"))

    def test_insecure_skips_enforcement_and_says_so(self):
        port = self.fx.port("untrusted")
        rc, js, _ = self.fetch(f"https://a.test:{port}/hello", "-k",
                               "--resolve", f"a.test:{port}:127.0.0.1")
        self.assertEqual(rc, 0)
        self.assertFalse(js["hops"][0]["connection"]["cert_verified"])

    def test_chunked_body_to_file(self):
        out = os.path.join(self.tmp.name, "body.bin")
        rc, js, _ = self.fetch("http://a.test/chunked", "-o", out)
        self.assertEqual(rc, 0)
        self.assertEqual(js["hops"][0]["response"]["body_bytes"], 100)
        with open(out, "rb") as f:
            body = f.read()
        self.assertEqual(len(body), 100)
        self.assertEqual(body[:26], b"abcdefghijklmnopqrstuvwxyz")
        self.assertIn(["Transfer-Encoding", "chunked"],
                      js["hops"][0]["response"]["headers"])

    def test_big_body_streams_whole_to_file(self):
        """-o FILE streams: a 256 MiB body lands whole (more than the 16 MiB
        the chain keeps) in bounded memory, and the chain says it was
        streamed, not kept."""
        out = os.path.join(self.tmp.name, "big.bin")
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        rc, js, err = self.fetch("http://a.test/big", "-o", out)
        self.assertEqual(rc, 0, err)
        size = 268435456
        self.assertEqual(os.path.getsize(out), size)
        with open(out, "rb") as f:
            f.seek(size - 26 * 4)
            tail = f.read()
        want = bytes(ord("a") + (size - 26 * 4 + i) % 26 for i in range(26 * 4))
        self.assertEqual(tail, want)
        resp = js["hops"][0]["response"]
        self.assertEqual(resp["body_bytes"], size)
        self.assertEqual(resp["body_kept"], 0)
        self.assertTrue(resp["body_streamed"])
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB
        if peak > before:  # this run set the children's peak: it is detour's
            self.assertLess(peak, 64 * 1024 * (4 if os.environ.get("ASAN_OPTIONS") else 1))
        os.remove(out)

    def test_output_never_truncates_silently(self):
        """A cap (--max-body-bytes with -o), a body cut by the server, and a
        file that cannot be written are each an error that says so."""
        out = os.path.join(self.tmp.name, "capped.bin")
        rc, js, err = self.fetch("http://a.test/big", "-o", out,
                                 "--max-body-bytes", "1000000")
        self.assertEqual(rc, 8, err)
        self.assertEqual(js["error"]["code"], "ELIMIT_BODY_BYTES")
        self.assertIn("holds only the first 1000000 bytes", err)
        self.assertEqual(os.path.getsize(out), 1000000)
        rc, js, err = self.fetch("http://a.test/cut-big", "-o", out)
        self.assertEqual(rc, 7, err)
        self.assertEqual(js["error"]["code"], "ETRUNCATED")
        self.assertEqual(os.path.getsize(out), 2000000)
        rc, _, err, _ = run_detour(["fetch", "--no-hsts-store",
                                    *self.fx.connect_to_args(["a.test"]), "-o",
                                    "/dev/full", "http://a.test/big"], env=self.env)
        self.assertEqual(rc, 11, err)
        self.assertIn("cannot write /dev/full", err)
        rc, _, err, _ = run_detour(["fetch", "--no-hsts-store",
                                    *self.fx.connect_to_args(["a.test"]), "-o",
                                    os.path.join(self.tmp.name, "no", "such", "dir", "f"),
                                    "http://a.test/hello"], env=self.env)
        self.assertEqual(rc, 11, err)
        self.assertIn("cannot create", err)

    def test_steps_and_a_hostile_location(self):
        """Each hop's steps are the redirect rules applied, with their
        source. A Location carrying terminal control bytes is read (field
        values are read as browsers read them, engine/net/README.md) and no
        control byte reaches the user's terminal, in the text or in
        --explain: each is shown escaped."""
        rc, js, _ = self.fetch("http://a.test/a")
        self.assertEqual(rc, 0)
        steps = js["hops"][0]["steps"]
        self.assertTrue(steps and all(set(s) == {"text", "rule"} for s in steps), steps)
        self.assertTrue(any("Fetch" in (s["rule"] or "") for s in steps), steps)
        self.assertEqual(js["hops"][1]["steps"], [])
        base = ["fetch", "--no-hsts-store", *self.fx.connect_to_args(["a.test"]),
                "--no-follow", "http://a.test/evil"]
        for extra in ([], ["--explain"]):
            rc, out, err, _ = run_detour(base[:1] + extra + base[1:], env=self.env)
            self.assertEqual(rc, 0, err)
            for text in (out, err):
                self.assertNotIn("\x1b", text)
                self.assertNotIn("\x07", text)

    def test_body_to_stdout_alone(self):
        """-o -: stdout holds the body and nothing else (as curl's); the chain
        text goes to stderr; JSON, --explain or --har - cannot share stdout."""
        args = ["fetch", "--no-hsts-store", *self.fx.connect_to_args(["a.test"]),
                "-o", "-", "http://a.test/chunked"]
        rc, out, err, _ = run_detour(args, env=self.env)
        self.assertEqual(rc, 0)
        self.assertEqual(len(out), 100)
        self.assertTrue(out.startswith("abcdefghijklmnopqrstuvwxyz"))
        self.assertIn("200 OK", err)
        for extra in (["--json"], ["--explain"], ["--har", "-"]):
            rc, out, err, js = run_detour(args[:-1] + extra + args[-1:], env=self.env)
            self.assertEqual(rc, 2, extra)
            if js is not None:  # --json: the usage error as a document, only
                self.assertEqual(js["error"]["class"], "usage")
                self.assertIn("-o - takes stdout", js["error"]["message"])
                self.assertEqual(err, "")
            else:
                self.assertIn("-o - takes stdout", err)
                self.assertEqual(out, "")

    def test_keep_alive_one_connection_for_two_requests(self):
        before = self.fx.connections("https")
        rc, js, _ = self.fetch("https://a.test/a")
        self.assertEqual(rc, 0)
        self.assertEqual([h["response"]["status"] for h in js["hops"]], [302, 200])
        self.assertFalse(js["hops"][0]["connection"]["reused"])
        self.assertTrue(js["hops"][1]["connection"]["reused"])
        self.assertEqual(js["hops"][0]["connection"]["id"], js["hops"][1]["connection"]["id"])
        self.assertEqual(self.fx.connections("https") - before, 1)

    def test_tls_session_resumed_on_a_new_connection(self):
        rc, js, _ = self.fetch("https://a.test/close1")
        self.assertEqual(rc, 0)
        c1, c2 = js["hops"][0]["connection"], js["hops"][1]["connection"]
        self.assertNotEqual(c1["id"], c2["id"])  # the server closed the first
        self.assertFalse(c1["tls_resumed"])
        self.assertTrue(c2["tls_resumed"])
        self.assertTrue(c2["cert_verified"])  # the session's verification holds

    def test_header_limit(self):
        rc, js, _ = self.fetch("http://a.test/huge", "--max-header-bytes", "65536")
        self.assertEqual(rc, 8)
        self.assertEqual(js["error"]["code"], "ELIMIT_HEADER_BYTES")
        # Chromium's head limit (256 KiB) is the default: a 200 KB head passes.
        rc, js, _ = self.fetch("http://a.test/head-200k")
        self.assertEqual(rc, 0, js["error"])
        # Field count: 600 fields pass the default (1,000), not a lower cap,
        # and --max-header-count raises or lowers it (issue 18 part 6).
        rc, js, _ = self.fetch("http://a.test/many")
        self.assertEqual(rc, 0, js["error"])
        rc, js, _ = self.fetch("http://a.test/many", "--max-header-count", "100")
        self.assertEqual((rc, js["error"]["code"]), (8, "ELIMIT_HEADER_COUNT"))
        rc, _, err, _ = run_detour(["fetch", "--max-header-count", "x", "http://a.test/"])
        self.assertEqual(rc, 2)
        self.assertIn("--max-header-count", err)

    def test_close_mid_body(self):
        rc, js, _ = self.fetch("http://a.test/mid-body")
        self.assertEqual(rc, 7)
        self.assertEqual(js["error"]["code"], "ETRUNCATED")
        self.assertEqual(js["hops"][0]["response"]["status"], 200)

    def test_first_byte_timeout(self):
        t0 = time.monotonic()
        rc, js, _ = self.fetch("http://a.test/never", "--first-byte-timeout", "0.3")
        self.assertEqual((rc, js["error"]["code"]), (9, "ETIMEOUT_FIRST_BYTE"))
        self.assertLess(time.monotonic() - t0, 10)

    def test_idle_timeout(self):
        rc, js, _ = self.fetch("http://a.test/stall", "--idle-timeout", "0.3")
        self.assertEqual((rc, js["error"]["code"]), (9, "ETIMEOUT_IDLE"))

    def test_total_timeout(self):
        rc, js, _ = self.fetch("http://a.test/slow", "--max-time", "0.4")
        self.assertEqual((rc, js["error"]["code"]), (9, "ETIMEOUT_TOTAL"))

    def test_dns_timeout(self):
        # A getaddrinfo that sleeps 2 s (tests/shim/slow_dns.c): no resolver,
        # no network, and the 0.3 s DNS timeout must fire first.
        shim = os.path.join(os.environ.get("DETOUR_BUILD_DIR", os.getcwd()), "tests",
                            "libdt_slow_dns.so")
        self.assertTrue(os.path.exists(shim), shim)
        env = dict(self.env, LD_PRELOAD=shim, DT_SLOW_DNS_MS="2000",
                   ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0")
        t0 = time.monotonic()
        rc, out, err, js = run_detour(["fetch", "--json", "--no-hsts-store", "--dns-timeout",
                                       "0.3", "http://slow.test/"], env=env)
        self.assertEqual((rc, js["error"]["code"]), (9, "ETIMEOUT_DNS"), err)
        self.assertLess(time.monotonic() - t0, 10)

    def test_tls_timeout(self):
        # A TCP server that accepts and never speaks TLS.
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(4)
        port = srv.getsockname()[1]
        held = []
        stop = threading.Event()

        def accept():
            srv.settimeout(0.2)
            while not stop.is_set():
                try:
                    held.append(srv.accept()[0])
                except OSError:
                    pass
        t = threading.Thread(target=accept, daemon=True)
        t.start()
        try:
            rc, js, _ = self.fetch(f"https://a.test:{port}/", "--tls-timeout", "0.3",
                                   "--resolve", f"a.test:{port}:127.0.0.1")
            self.assertEqual((rc, js["error"]["code"]), (9, "ETIMEOUT_TLS"))
        finally:
            stop.set()
            t.join()
            for s in held:
                s.close()
            srv.close()

    def test_connect_timeout(self):
        # A listener whose accept queue is full: Linux drops further SYNs
        # (tcp_abort_on_overflow=0), so the connect never completes.
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(0)
        port = srv.getsockname()[1]
        fillers = []
        for _ in range(4):
            c = socket.socket()
            c.setblocking(False)
            try:
                c.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            fillers.append(c)
        time.sleep(0.2)
        try:
            rc, js, _ = self.fetch(f"http://a.test:{port}/", "--connect-timeout", "0.3",
                                   "--resolve", f"a.test:{port}:127.0.0.1")
            self.assertEqual((rc, js["error"]["code"]), (9, "ETIMEOUT_CONNECT"))
        finally:
            for c in fillers:
                c.close()
            srv.close()

    def test_connection_refused(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()  # nothing listens there now
        rc, js, _ = self.fetch(f"http://a.test:{port}/", "--resolve", f"a.test:{port}:127.0.0.1")
        self.assertEqual((rc, js["error"]["code"]), (5, "ECONNECT"))

    def test_addresses_tried_in_order(self):
        # [::1] and 127.0.0.2 refuse (the fixture listens on 127.0.0.1 only):
        # the next address is tried, and the hop says where it connected.
        port = self.fx.http
        rc, js, err = self.fetch(f"http://a.test:{port}/hello", "--resolve",
                                 f"a.test:{port}:[::1],127.0.0.2,127.0.0.1")
        self.assertEqual(rc, 0, err)
        self.assertEqual(js["hops"][0]["connection"]["remote_addr"], f"127.0.0.1:{port}")

    def test_head_has_no_body(self):
        rc, js, _ = self.fetch("http://a.test/hello", "-X", "HEAD")
        self.assertEqual(rc, 0)
        resp = js["hops"][0]["response"]
        self.assertEqual((resp["status"], resp["body_bytes"]), (200, 0))
        self.assertIn(["Content-Length", "6"], resp["headers"])

    def test_post_307_keeps_body_303_becomes_get(self):
        rc, js, _ = self.fetch("http://a.test/form307", "-d", "x=1")
        self.assertEqual(rc, 0)
        self.assertEqual([h["request"]["method"] for h in js["hops"]], ["POST", "POST"])
        self.assertEqual(self.requests_for("/echo")[-1]["body"], "x=1")
        rc, js, _ = self.fetch("http://a.test/form303", "-d", "y=2")
        self.assertEqual(rc, 0)
        self.assertEqual([h["request"]["method"] for h in js["hops"]], ["POST", "GET"])
        self.assertEqual(self.requests_for("/echo")[-1]["body_bytes"], 0)

    def test_verbose_trace(self):
        args = ["fetch", "-v", "--no-hsts-store", *self.fx.connect_to_args(["a.test"]),
                "http://a.test/hello"]
        rc, out, err, _ = run_detour(args, env=self.env)
        self.assertEqual(rc, 0)
        self.assertIn("> GET /hello HTTP/1.1", err)
        self.assertIn("> Host: a.test", err)
        self.assertIn("< HTTP/1.1 200 OK", err)
        self.assertIn("200 OK", out)
        # Engine info lines carry one '*' marker, as curl's do.
        self.assertRegex(err, r"(?m)^\* connected to 127\.0\.0\.1:\d+ \(#1\)$")
        self.assertNotRegex(err, r"(?m)^\* \* ")

    def test_text_json_har_describe_the_same_chain(self):
        har_path = os.path.join(self.tmp.name, "chain.har")
        args = ["fetch", "--no-hsts-store", "--cacert", ca_file(), "--har", har_path,
                *self.fx.connect_to_args(["a.test"]), "https://a.test/a"]
        rc, text, _, _ = run_detour(args, env=self.env)
        self.assertEqual(rc, 0)
        _, js, _ = self.fetch("https://a.test/a")
        with open(har_path) as f:
            har = json.load(f)
        self.assertEqual(har["log"]["version"], "1.2")
        check_har_1_2(self, har)
        entries = har["log"]["entries"]
        self.assertEqual(len(entries), len(js["hops"]))
        for e, h in zip(entries, js["hops"]):
            self.assertEqual(e["request"]["url"], h["request"]["url"])
            self.assertEqual(e["response"]["status"], h["response"]["status"])
            self.assertIn(h["request"]["url"], text)

    def test_lenient_field_lines_as_browsers_read_them(self):
        # Issue 18 part 6: LF-only line ends and DEL in a value are read, as
        # Chromium and curl read them; a bad field name is still refused, and
        # an error before the head is complete says "response head".
        rc, js, err = self.fetch("http://a.test/bare-lf")
        self.assertEqual(rc, 0, js["error"])
        self.assertIn(["X-A", "b"], js["hops"][0]["response"]["headers"])
        rc, js, err = self.fetch("http://a.test/del-in-value")
        self.assertEqual(rc, 0, js["error"])
        self.assertIn(["X-A", "b\x7fc"], js["hops"][0]["response"]["headers"])
        rc, js, err = self.fetch("http://a.test/bad-name")
        self.assertEqual(rc, 7)
        self.assertTrue(js["error"]["message"].startswith("response head "),
                        js["error"]["message"])

    def test_data_options_as_curl(self):
        # Issue 19 part 4: -d sends curl's urlencoded Content-Type unless -H
        # sets one, in either identity; -d pieces join with '&'; --data-raw
        # takes '@' literally.
        for extra in (["--identity", "minimal"], []):
            args = ["fetch", "--json", "--no-hsts-store", *extra, "-d", "a=1", "-d", "b=2",
                    "--data-raw", "@x", *self.fx.connect_to_args(["a.test"]),
                    "http://a.test/hello"]
            rc, _, err, _ = run_detour(args, env=self.env)
            self.assertEqual(rc, 0, err)
            seen = self.requests_for("/hello")[-1]
            self.assertEqual(seen["method"], "POST")
            self.assertEqual(seen["body"], "a=1&b=2&@x")
            ct = [v for n, v in seen["headers"] if n.lower() == "content-type"]
            self.assertEqual(ct, ["application/x-www-form-urlencoded"], extra)
        args = ["fetch", "--json", "--no-hsts-store", "--identity", "minimal", "-d", "x",
                "-H", "Content-Type: text/plain", *self.fx.connect_to_args(["a.test"]),
                "http://a.test/hello"]
        rc, _, err, _ = run_detour(args, env=self.env)
        ct = [v for n, v in self.requests_for("/hello")[-1]["headers"]
              if n.lower() == "content-type"]
        self.assertEqual(ct, ["text/plain"])

    def test_a_bad_redirect_target_is_named(self):
        # Issue 18 part 6: the message names the target's scheme plainly.
        rc, js, _ = self.fetch("http://a.test/to-ftp")
        self.assertEqual((rc, js["error"]["code"]), (10, "EREDIRECT_SCHEME"))
        msg = js["error"]["message"]
        self.assertIn("ftp: URL", msg)
        self.assertNotIn("::", msg)
        self.assertNotIn(":0", msg)

    def test_sts_is_noted_when_the_body_is_then_cut(self):
        # Issue 18 part 6: a complete head with an STS field counts even if
        # the body is cut afterwards (Chromium notes it from the headers).
        store = os.path.join(self.tmp.name, "cut-store.txt")
        args = ["fetch", "--json", "--cacert", ca_file(), "--hsts-store", store,
                *self.fx.connect_to_args(["a.test"]), "https://a.test/sts-cut"]
        rc, _, err, js = run_detour(args, env=self.env)
        self.assertEqual(rc, 7, err)
        self.assertEqual(js["error"]["code"], "ETRUNCATED")
        self.assertEqual(js["hops"][0]["hsts"]["outcome"], "noted")
        with open(store) as f:
            self.assertIn("h a.test ", f.read())

    def test_proxy_authorization_is_never_sent(self):
        # Issue 18 part 6: detour has no proxy, so Proxy-Authorization would
        # reach an origin (any origin a redirect leads to). A custom field
        # follows redirects, as curl's -H does (docs/redirects.md).
        args = ["fetch", "--json", "--no-hsts-store",
                "-H", "Proxy-Authorization: Basic cHJveHk6c2VjcmV0",
                "-H", "X-Custom: 1",
                *self.fx.connect_to_args(["a.test", "b.test"]), "http://a.test/to-b"]
        rc, _, err, js = run_detour(args, env=self.env)
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(js["hops"]), 2)
        for path in ("/to-b", "/hello"):
            seen = self.requests_for(path)[-1]
            names = [h[0].lower() for h in seen["headers"]]
            self.assertNotIn("proxy-authorization", names, path)
            self.assertIn("x-custom", names, path)
        for hop in js["hops"]:
            names = [h[0].lower() for h in hop["request"]["headers"]]
            self.assertNotIn("proxy-authorization", names)

    def test_a_har_that_cannot_be_written_is_said_once(self):
        # Issue 18 part 6: the navigation succeeded and only the HAR write
        # failed: exit 11 with the path and cause, never "(null)".
        har_path = os.path.join(self.tmp.name, "missing-dir", "chain.har")
        for extra in ([], ["--json"]):
            args = ["fetch", "--no-hsts-store", "--har", har_path, *extra,
                    *self.fx.connect_to_args(["a.test"]), "http://a.test/hello"]
            rc, out, err, _ = run_detour(args, env=self.env)
            self.assertEqual(rc, 11, err)
            self.assertIn("cannot create " + har_path, err)
            self.assertNotIn("(null)", err + out)

    def test_help_and_version(self):
        rc, out, _, _ = run_detour(["fetch", "--help"], env=self.env)
        self.assertEqual(rc, 0)
        self.assertIn("--connect-to", out)
        rc, out, _, _ = run_detour(["fetch", "--version"], env=self.env)
        self.assertEqual(rc, 0)
        self.assertIn("detour", out)
        self.assertTrue("mbed tls" in out.lower() or "openssl" in out.lower(), out)
        rc, out, _, js = run_detour(["version", "--json"], env=self.env)
        self.assertEqual(rc, 0)
        self.assertTrue(js["version"].startswith("detour "))

    def test_values_that_would_split_a_request_send_nothing(self):
        # Issue 18 part 1: -A, -H and -X are checked in one place before
        # anything starts; the listener must see no connection at all.
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        srv.settimeout(0.3)
        url = "http://127.0.0.1:%d/" % srv.getsockname()[1]
        cases = [
            (["-A", "detour\r\nX-Injected: 1"], "User-Agent"),
            (["-H", "X-A: 1\r\n\r\nGET /smuggled HTTP/1.1"], "X-A"),
            (["-H", "X Bad: 1"], "'X Bad'"),
            (["-X", "GET / HTTP/1.1\r\nHost: evil"], "method"),
        ]
        try:
            for args, named in cases:
                rc, out, err, _ = run_detour(["fetch", *args, url])
                self.assertEqual(rc, 2, (args, err))
                self.assertIn(named, err)
                self.assertIn("not sent", err)
            for args, named in cases[:3]:
                rc, _, err, _ = run_detour(["audit", *args, url])
                self.assertEqual(rc, 2, (args, err))
                self.assertIn(named, err)
            with self.assertRaises(socket.timeout):
                srv.accept()
        finally:
            srv.close()

    def test_usage_and_url_errors(self):
        rc, _, err, _ = run_detour(["fetch"], env=self.env)
        self.assertEqual(rc, 2)
        self.assertIn("URL", err)
        rc, _, _, _ = run_detour(["fetch", "--bogus", "http://a.test/"], env=self.env)
        self.assertEqual(rc, 2)
        rc, _, _, js = run_detour(["fetch", "--json", "--no-hsts-store", "http://exa mple/"],
                                  env=self.env)
        self.assertEqual(rc, 3)
        self.assertEqual(js["error"]["code"], "EURL")
        rc, _, _, js = run_detour(["fetch", "--json", "--no-hsts-store", "ftp://a.test/"],
                                  env=self.env)
        self.assertEqual((rc, js["error"]["code"]), (3, "ESCHEME"))
        rc, _, _, js = run_detour(["fetch", "--json", "--no-hsts-store", "http://a.test:25/"],
                                  env=self.env)
        self.assertEqual((rc, js["error"]["code"]), (3, "EBADPORT"))


class UrlCommandTest(unittest.TestCase):
    def test_parse_and_resolve(self):
        rc, _, _, js = run_detour(["url", "--json", "--base", "https://a.test/x/y?q#f",
                                   "../z"])
        self.assertEqual(rc, 0)
        self.assertEqual(js["href"], "https://a.test/z")
        self.assertEqual(js["origin"], "https://a.test")
        rc, _, _, js = run_detour(["url", "--json", "HTTP://EXAMPLE.com:80/a/./b/../c"])
        self.assertEqual((rc, js["href"], js["port"]), (0, "http://example.com/a/c", ""))
        rc, _, _, js = run_detour(["url", "--json", "http://0x7f.1/"])
        self.assertEqual(js["hostname"], "127.0.0.1")
        rc, _, err, _ = run_detour(["url", "http://[::1/"])
        self.assertEqual(rc, 3)
        self.assertIn("is not a URL: its host", err)
        rc, out, _, js = run_detour(["url", "--json", "http://[::1/"])
        self.assertEqual(rc, 3)
        self.assertIsNone(js["href"])
        self.assertEqual((js["error"]["code"], js["error"]["class"]), ("EURL", "url"))
        # a huge input is not echoed whole
        rc, _, err, _ = run_detour(["url", "http://[" + "a" * 100000])
        self.assertEqual(rc, 3)
        self.assertLess(len(err), 1000)


if __name__ == "__main__":
    unittest.main(verbosity=2)
