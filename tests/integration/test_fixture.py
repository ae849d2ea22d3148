"""The fixture server itself works (TEST ONLY), checked without detour's client:
Python's http.client + ssl (trusting the test CA) and raw sockets. If the
fixture lied, every conformance test built on it would too."""

import http.client
import os
import socket
import ssl
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dtfixture import Fixture, FixtureError, ca_file, header_values, raw  # noqa: E402

SCENARIO = r"""
# listeners beyond the default http/https
listener http2 http
listener https-untrusted https untrusted
listener https-expired https expired
listener https-other https other
listener v6 https ipv6

route GET /hello
  header X-Dup: one
  header X-Dup: two
  header Strict-Transport-Security: max-age=100
  header Strict-Transport-Security: max-age=0
  body hello\n
route /two-locations
  status 302
  header Location: /x
  header Location: /y
route /raw-location
  status 302
  header Location: top.txt?\xe2\x98\x83\xff
route /empty-location
  status 302
  header Location:
route /to-http2
  status 307 Go There
  header Location: http://b.test:${port:http2}/landed
route GET /only-b
  host b.test
  body b\n
route GET /only-b
  body not-b\n
route /on-http2
  on http2
  body http2\n
route /chunked
  chunked 4
  delay-chunk 20
  body-bytes 10
route /cut
  body-bytes 100
  close-after 10
route /cut-chunked
  chunked 8
  body-bytes 30
  close-after 12
route /never
  never-answer
route /stall
  stall-after-head
route /garbage
  garbage HTTP/9.9 what\r\n\r\n
route /huge
  huge-headers 20000
route /nolength
  no-length
  body until close
route /close
  connection close
  body bye
route /slow
  delay-head 300
  body late
route POST /form
  status 303
  header Location: /done
route /big
  body-bytes 300000
route /status-only
  status 204
route /seq
  times 1
  status 301
  header Location: /seq
route /seq
  body second
"""


def raw_exchange(port, request, timeout=5.0):
    """Sends REQUEST bytes, returns everything read until close (or timeout)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(request)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return out, "timeout"
            if not chunk:
                return out, "closed"
            out += chunk
    finally:
        s.close()


def tls_ctx():
    return ssl.create_default_context(cafile=ca_file())


def https_conn(port, name="a.test", ctx=None):
    """An HTTPSConnection to 127.0.0.1:PORT that sends SNI NAME and checks it."""
    c = http.client.HTTPSConnection(name, port, context=ctx or tls_ctx(), timeout=5)
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    c.sock = (ctx or tls_ctx()).wrap_socket(sock, server_hostname=name)
    return c


class FixtureTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fx = Fixture(SCENARIO).start()

    @classmethod
    def tearDownClass(cls):
        cls.fx.stop()  # raises if the server did not exit cleanly (ASan included)

    def get(self, path, port=None, host="a.test", method="GET", body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", port or self.fx.http, timeout=5)
        h = {"Host": host}
        h.update(headers or {})
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
        finally:
            c.close()
        return r, data

    def last_request(self, path):
        reqs = [r for r in self.fx.requests() if r["path"] == path]
        self.assertTrue(reqs, f"no request for {path} in the log")
        return reqs[-1]

    # -- startup ------------------------------------------------------------
    def test_helper_args(self):
        fx = self.fx
        self.assertEqual(fx.resolve_args(["a.test"]), ["--resolve", f"a.test:{fx.http}:127.0.0.1"])
        self.assertEqual(fx.connect_to_args(["a.test"]), [
            "--connect-to", f"a.test:80:127.0.0.1:{fx.http}",
            "--connect-to", f"a.test:443:127.0.0.1:{fx.https}"])
        self.assertTrue(os.path.isfile(ca_file()))

    def test_port_line(self):
        info = self.fx.info
        self.assertEqual(info["http"], info["listeners"]["http"])
        self.assertEqual(info["https"], info["listeners"]["https"])
        ports = list(info["listeners"].values())
        self.assertEqual(len(ports), 7)
        self.assertEqual(len(set(ports)), 7, "every listener has its own port")

    # -- routes and headers -------------------------------------------------
    def test_duplicate_headers_kept_in_order(self):
        out, how = raw_exchange(self.fx.http, b"GET /hello HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
        self.assertEqual(how, "closed")
        head, body = out.split(b"\r\n\r\n", 1)
        self.assertEqual(head.split(b"\r\n"), [
            b"HTTP/1.1 200 OK", b"X-Dup: one", b"X-Dup: two",
            b"Strict-Transport-Security: max-age=100", b"Strict-Transport-Security: max-age=0",
            b"Content-Length: 6", b"Connection: close"])
        self.assertEqual(body, b"hello\n")

    def test_two_locations(self):
        r, _ = self.get("/two-locations")
        self.assertEqual(r.status, 302)
        self.assertEqual(r.headers.get_all("Location"), ["/x", "/y"])

    def test_raw_bytes_in_location(self):
        out, _ = raw_exchange(self.fx.http, b"GET /raw-location HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        self.assertIn(b"\r\nLocation: top.txt?\xe2\x98\x83\xff\r\n", out)

    def test_empty_location(self):
        out, _ = raw_exchange(self.fx.http, b"GET /empty-location HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        self.assertIn(b"\r\nLocation: \r\n", out)

    def test_port_expansion_and_reason(self):
        r, _ = self.get("/to-http2")
        self.assertEqual((r.status, r.reason), (307, "Go There"))
        self.assertEqual(r.headers["Location"], f"http://b.test:{self.fx.port('http2')}/landed")

    def test_host_routing(self):
        self.assertEqual(self.get("/only-b", host="b.test")[1], b"b\n")
        self.assertEqual(self.get("/only-b", host="B.TEST:8080")[1], b"b\n")
        self.assertEqual(self.get("/only-b", host="a.test")[1], b"not-b\n")

    def test_listener_routing(self):
        self.assertEqual(self.get("/on-http2", port=self.fx.port("http2"))[1], b"http2\n")
        r, data = self.get("/on-http2")
        self.assertEqual((r.status, data), (404, b"not found\n"))

    def test_times_sequence(self):
        r, _ = self.get("/seq")
        self.assertEqual(r.status, 301)
        for _ in range(2):
            r, data = self.get("/seq")
            self.assertEqual((r.status, data), (200, b"second"))

    def test_default_404_and_unknown_method(self):
        r, _ = self.get("/nothing", method="TESTING")
        self.assertEqual(r.status, 404)
        req = self.last_request("/nothing")
        self.assertEqual(req["method"], "TESTING")
        self.assertIsNone(req["route"])

    def test_post_logged(self):
        r, _ = self.get("/form?x=1", method="POST", body=b"a=1&b=\xff",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 303)
        req = self.last_request("/form?x=1")
        self.assertEqual(req["method"], "POST")
        self.assertEqual(req["host"], "a.test")
        self.assertEqual(req["body_bytes"], 7)
        self.assertEqual(raw(req["body"]), b"a=1&b=\xff")
        self.assertEqual(header_values(req, "content-type"), ["application/x-www-form-urlencoded"])
        self.assertIn(["Host", "a.test"], req["headers"])

    def test_chunked_request_body(self):
        out, _ = raw_exchange(self.fx.http, b"POST /form HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                              b"Connection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 303 "))
        req = [r for r in self.fx.requests() if r["path"] == "/form"][-1]
        self.assertEqual((req["body_bytes"], req["body"]), (5, "abcde"))

    def test_head_has_no_body(self):
        out, _ = raw_exchange(self.fx.http, b"HEAD /close HTTP/1.1\r\nHost: a\r\n\r\n")
        self.assertEqual(out, b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\n")

    def test_204_no_length(self):
        out, _ = raw_exchange(self.fx.http, b"GET /status-only HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        self.assertEqual(out, b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")

    # -- framing ------------------------------------------------------------
    def test_chunked(self):
        out, _ = raw_exchange(self.fx.http, b"GET /chunked HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        head, body = out.split(b"\r\n\r\n", 1)
        self.assertIn(b"Transfer-Encoding: chunked", head)
        self.assertNotIn(b"Content-Length", head)
        self.assertEqual(body, b"4\r\nabcd\r\n4\r\nefgh\r\n2\r\nij\r\n0\r\n\r\n")
        r, data = self.get("/chunked")
        self.assertEqual(data, b"abcdefghij")

    def test_big_generated_body(self):
        r, data = self.get("/big")
        self.assertEqual(len(data), 300000)
        self.assertEqual(data[:3], b"abc")
        self.assertEqual(data[26:28], b"ab")

    def test_no_length_ends_at_close(self):
        out, how = raw_exchange(self.fx.http, b"GET /nolength HTTP/1.1\r\nHost: a\r\n\r\n")
        self.assertEqual(how, "closed")
        self.assertNotIn(b"Content-Length", out)
        self.assertTrue(out.endswith(b"\r\n\r\nuntil close"))

    def test_keep_alive_one_connection(self):
        before = self.fx.connections("http2")
        c = http.client.HTTPConnection("127.0.0.1", self.fx.port("http2"), timeout=5)
        for _ in range(3):
            c.request("GET", "/on-http2", headers={"Host": "a.test"})
            self.assertEqual(c.getresponse().read(), b"http2\n")
        c.close()
        self.assertEqual(self.fx.connections("http2") - before, 1)
        conns = {r["conn"] for r in self.fx.requests("http2")[-3:]}
        self.assertEqual(len(conns), 1)

    def test_connection_close(self):
        out, how = raw_exchange(self.fx.http, b"GET /close HTTP/1.1\r\nHost: a\r\n\r\n")
        self.assertEqual(how, "closed")
        self.assertIn(b"Connection: close\r\n", out)
        self.assertTrue(out.endswith(b"bye"))

    def test_http10_closes(self):
        out, how = raw_exchange(self.fx.http, b"GET /close HTTP/1.0\r\n\r\n")
        self.assertEqual(how, "closed")

    def test_half_close_still_answered(self):
        s = socket.create_connection(("127.0.0.1", self.fx.http), timeout=5)
        s.sendall(b"GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
        s.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            out += chunk
        s.close()
        self.assertTrue(out.startswith(b"HTTP/1.1 200 OK\r\n") and out.endswith(b"late"))

    def test_delay_head(self):
        t0 = time.monotonic()
        self.assertEqual(self.get("/slow")[1], b"late")
        self.assertGreaterEqual(time.monotonic() - t0, 0.25)

    # -- faults -------------------------------------------------------------
    def test_close_mid_body(self):
        out, how = raw_exchange(self.fx.http, b"GET /cut HTTP/1.1\r\nHost: a\r\n\r\n")
        self.assertEqual(how, "closed")
        head, body = out.split(b"\r\n\r\n", 1)
        self.assertIn(b"Content-Length: 100", head)
        self.assertEqual(body, b"abcdefghij")
        with self.assertRaises(http.client.IncompleteRead):
            self.get("/cut")

    def test_close_mid_chunk(self):
        out, how = raw_exchange(self.fx.http, b"GET /cut-chunked HTTP/1.1\r\nHost: a\r\n\r\n")
        self.assertEqual(how, "closed")
        self.assertTrue(out.endswith(b"\r\n\r\n8\r\nabcdefgh\r\n8\r\nijkl"), out[-40:])

    def test_never_answer(self):
        out, how = raw_exchange(self.fx.http, b"GET /never HTTP/1.1\r\nHost: a\r\n\r\n", timeout=0.5)
        self.assertEqual((out, how), (b"", "timeout"))
        self.last_request("/never")  # the request itself was read and logged

    def test_stall_after_head(self):
        out, how = raw_exchange(self.fx.http, b"GET /stall HTTP/1.1\r\nHost: a\r\n\r\n", timeout=0.5)
        self.assertEqual(how, "timeout")
        self.assertTrue(out.startswith(b"HTTP/1.1 200 OK\r\n") and out.endswith(b"\r\n\r\n"))

    def test_garbage(self):
        out, how = raw_exchange(self.fx.http, b"GET /garbage HTTP/1.1\r\nHost: a\r\n\r\n")
        self.assertEqual((out, how), (b"HTTP/9.9 what\r\n\r\n", "closed"))

    def test_huge_headers(self):
        out, _ = raw_exchange(self.fx.http, b"GET /huge HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        head = out.split(b"\r\n\r\n", 1)[0]
        self.assertGreater(len(head), 19000)
        self.assertLess(len(head), 21500)
        self.assertIn(b"\r\nX-Huge-0: hhh", head)

    def test_bad_request_logged(self):
        out, how = raw_exchange(self.fx.http, b"NONSENSE\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 400 "))
        self.assertTrue(any(e.get("event") == "bad_request" for e in self.fx.events()))

    # -- TLS ----------------------------------------------------------------
    def test_https_sni_alpn(self):
        ctx = tls_ctx()
        ctx.set_alpn_protocols(["http/1.1"])
        before = self.fx.connections("https")
        c = https_conn(self.fx.https, "a.test", ctx)
        c.request("GET", "/hello", headers={"Host": "a.test"})
        self.assertEqual(c.getresponse().read(), b"hello\n")
        c.request("GET", "/hello", headers={"Host": "a.test"})
        self.assertEqual(c.getresponse().read(), b"hello\n")
        self.assertEqual(c.sock.selected_alpn_protocol(), "http/1.1")
        self.assertEqual(c.sock.version(), "TLSv1.2")
        c.close()
        self.assertEqual(self.fx.connections("https") - before, 1)
        tls = [e for e in self.fx.events() if e.get("event") == "tls"][-1]
        self.assertEqual((tls["sni"], tls["alpn"]), ("a.test", "http/1.1"))
        reqs = self.fx.requests("https")[-2:]
        self.assertTrue(all(r["tls"] for r in reqs))
        self.assertEqual(reqs[0]["conn"], reqs[1]["conn"])

    def test_https_big_and_chunked_bodies(self):
        c = https_conn(self.fx.https)
        c.request("GET", "/big", headers={"Host": "a.test"})
        data = c.getresponse().read()
        self.assertEqual((len(data), data[-1:]), (300000, bytes([ord("a") + 299999 % 26])))
        c.request("POST", "/form", body=b"x" * 100000, headers={"Host": "a.test"})
        r = c.getresponse()
        r.read()
        self.assertEqual(r.status, 303)
        c.request("GET", "/chunked", headers={"Host": "a.test"})
        self.assertEqual(c.getresponse().read(), b"abcdefghij")
        c.close()
        self.assertEqual(self.last_request("/form")["body_bytes"], 100000)

    def test_https_wildcard_and_ip(self):
        c = https_conn(self.fx.https, "x.b.test")
        c.request("GET", "/only-b", headers={"Host": "b.test"})
        self.assertEqual(c.getresponse().read(), b"b\n")
        c.close()
        c = https_conn(self.fx.https, "127.0.0.1")
        c.request("GET", "/hello")
        self.assertEqual(c.getresponse().status, 200)
        c.close()

    def assert_tls_fails(self, listener, name, needle):
        with self.assertRaises(ssl.SSLCertVerificationError) as cm:
            https_conn(self.fx.port(listener), name)
        self.assertIn(needle, str(cm.exception))

    def test_untrusted_cert(self):
        self.assert_tls_fails("https-untrusted", "a.test", "unable to get local issuer")

    def test_expired_cert(self):
        self.assert_tls_fails("https-expired", "a.test", "expired")

    def test_other_name_cert(self):
        self.assert_tls_fails("https-other", "a.test", "mismatch")
        c = https_conn(self.fx.port("https-other"), "other.test")  # its own name works
        c.request("GET", "/hello")
        self.assertEqual(c.getresponse().status, 200)
        c.close()

    def test_ipv6_listener(self):
        ctx = tls_ctx()
        ctx.check_hostname = False  # the cert has IP 127.0.0.1 only; SNI a.test
        sock = socket.create_connection(("::1", self.fx.port("v6")), timeout=5)
        t = ctx.wrap_socket(sock, server_hostname="a.test")
        t.sendall(b"GET /hello HTTP/1.1\r\nHost: [::1]\r\nConnection: close\r\n\r\n")
        out = b""
        while True:
            chunk = t.recv(4096)
            if not chunk:
                break
            out += chunk
        t.close()
        self.assertTrue(out.startswith(b"HTTP/1.1 200 OK") and out.endswith(b"hello\n"))
        self.assertEqual(self.last_request("/hello")["host"], "[::1]")

    def test_plain_http_to_tls_listener(self):
        out, how = raw_exchange(self.fx.https, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        self.assertNotIn(b"HTTP/1.1", out)
        self.assertTrue(any(e.get("event") == "tls_error" for e in self.fx.events()))


class AbuseTest(unittest.TestCase):
    """Clients that vanish mid-request, mid-response and mid-handshake: the
    server must keep serving and still exit cleanly (no ASan report)."""

    def test_abrupt_clients(self):
        with Fixture(SCENARIO) as fx:
            reqs = [b"GET /big HTTP/1.1\r\nHost: a\r\n\r\n",
                    b"GET /chunked HTTP/1.1\r\nHost: a\r\n\r\n",
                    b"GET /slow HTTP/1.1\r\nHost: a\r\n\r\n",
                    b"POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc",
                    b"GET /never HTTP/1.1\r\nHost: a\r\n\r\n",
                    b"GET /hel"]
            for i in range(30):
                for port in (fx.http, fx.https):
                    s = socket.create_connection(("127.0.0.1", port), timeout=0.3)
                    if port == fx.https and i % 3 == 0:
                        s.sendall(b"\x16\x03\x01\x00\x05hello")  # half a ClientHello
                    elif port == fx.https:
                        try:
                            t = tls_ctx().wrap_socket(s, server_hostname="a.test")
                            s = t
                            t.sendall(reqs[i % len(reqs)])
                            if i % 2:
                                t.recv(100)
                        except (ssl.SSLError, OSError):  # incl. timeouts: some never answer
                            pass
                    else:
                        s.sendall(reqs[i % len(reqs)])
                        if i % 2:
                            try:
                                s.recv(100)
                            except socket.timeout:
                                pass
                    # RST instead of FIN; not on a socket a failed wrap_socket
                    # detached (a handshake slower than 0.3 s on a busy machine)
                    if i % 4 == 0 and s.fileno() != -1:
                        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    s.close()
            # Still serving afterwards.
            c = http.client.HTTPConnection("127.0.0.1", fx.http, timeout=5)
            c.request("GET", "/hello", headers={"Host": "a"})
            self.assertEqual(c.getresponse().read(), b"hello\n")
            c.close()
            # Leave a few connections open across shutdown, mid-response.
            held = []
            for path in (b"/never", b"/stall", b"/big"):
                s = socket.create_connection(("127.0.0.1", fx.http))
                s.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: a\r\n\r\n")
                held.append(s)
            time.sleep(0.2)
        for s in held:
            s.close()


class LifecycleTest(unittest.TestCase):
    def test_bad_scenario_reports_line(self):
        with self.assertRaises(FixtureError) as cm:
            Fixture("route /a\n  status 2000\n").start()
        self.assertIn("line 2", str(cm.exception))

    def test_empty_scenario_404_and_stdin_eof_exit(self):
        fx = Fixture("").start()
        out, _ = raw_exchange(fx.http, b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 404 Not Found\r\n"))
        # A connection still open at shutdown must not keep the server alive.
        s = socket.create_connection(("127.0.0.1", fx.http))
        t0 = time.monotonic()
        fx.stop()  # closes stdin; raises unless the exit is clean
        self.assertLess(time.monotonic() - t0, 10)
        s.close()

    def test_sigterm_exits_cleanly(self):
        fx = Fixture("").start()
        fx.proc.terminate()
        self.assertEqual(fx.proc.wait(timeout=10), 0)
        fx.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
