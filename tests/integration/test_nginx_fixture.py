"""The real-nginx audit fixtures (fixtures/nginx/*.conf.in) behave as their
comments say, checked without detour: Python's http.client + ssl trusting the
test CA, and nginx's own access log for what reached the server. If a
fixture lied, an audit test built on it would prove nothing. TEST ONLY.

EXPECTED_CODES is the contract for `detour audit` on each configuration:
the finding codes (docs/audit.md) of severity error or warning it must report,
and nothing else of those severities."""

import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nginx import Nginx, NginxError, config_names, nginx_bin  # noqa: E402

FULL = "max-age=63072000; includeSubDomains; preload"
STS = "Strict-Transport-Security"

# configuration -> (URL audited, codes of severity error/warning expected)
EXPECTED_CODES = {
    "good": ("a.test", []),
    "www-first": ("a.test", ["redirects.http.www_first"]),
    "hsts-over-http": ("a.test", ["response.no_header", "redirects.http.useless_header",
                                  "redirects.http.no_redirect"]),
    "max-age-low": ("a.test", ["header.preloadable.max_age.below_1_year"]),
    "no-include-subdomains": ("a.test", ["header.preloadable.include_sub_domains.missing"]),
    "redirect-loop": ("a.test", ["redirects.too_many", "redirects.insecure.subsequent",
                                 "redirects.insecure.initial", "redirects.loop",
                                 "redirects.browser_limit"]),
    "form-behind-301": ("POST https://a.test/contact", ["redirects.post_becomes_get"]),
    "redirect-no-hsts": ("a.test", ["response.no_header"]),
    "multiple-sts": ("a.test", ["response.multiple_headers"]),
}


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); look at its state.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@unittest.skipUnless(nginx_bin(), "nginx not installed (scripts/setup.sh installs nginx-light)")
class NginxFixtures(unittest.TestCase):

    def get(self, ng, scheme, host, path="/", method="GET", body=None, headers=None):
        return ng.request(scheme, host, path, method=method, body=body, headers=headers)

    def assert_redirect(self, ng, scheme, host, path, status, location, sts=None):
        st, h, _ = self.get(ng, scheme, host, path)
        self.assertEqual(st, status, f"{scheme}://{host}{path}")
        self.assertEqual(Nginx.header(h, "Location"), location)
        self.assertEqual(Nginx.headers(h, STS), [sts] if sts else [])
        return h

    def assert_page(self, ng, scheme, host, sts, path="/"):
        st, h, body = self.get(ng, scheme, host, path)
        self.assertEqual(st, 200, f"{scheme}://{host}{path}")
        self.assertEqual(body, b"home\n")
        self.assertEqual(Nginx.headers(h, STS), [sts] if sts else [])

    def test_every_config_has_expectations(self):
        self.assertEqual(sorted(EXPECTED_CODES), config_names())
        with open(os.path.join(os.path.dirname(__file__), "..", "..", "docs",
                               "audit.md")) as f:
            doc = f.read()
        for name, (_, codes) in EXPECTED_CODES.items():
            self.assertIn(f"`{name}.conf.in`", doc)
            for c in codes:
                self.assertIn(f"| `{c}` |", doc, c)

    def test_good(self):
        with Nginx("good") as ng:
            self.assert_redirect(ng, "http", "a.test", "/", 301, "https://a.test/")
            self.assert_redirect(ng, "http", "www.a.test", "/x?y=1", 301,
                                 "https://www.a.test/x?y=1")
            self.assert_page(ng, "https", "a.test", FULL)
            self.assert_page(ng, "https", "www.a.test", FULL)
            # `always`: an error page carries the header too.
            st, h, _ = self.get(ng, "https", "a.test", "/missing")
            self.assertEqual((st, Nginx.headers(h, STS)), (404, [FULL]))
            self.assertEqual(ng.access_log(), [
                ("http", "a.test", "GET", "/", 301),
                ("http", "www.a.test", "GET", "/x?y=1", 301),
                ("https", "a.test", "GET", "/", 200),
                ("https", "www.a.test", "GET", "/", 200),
                ("https", "a.test", "GET", "/missing", 404),
            ])

    def test_www_first(self):
        with Nginx("www-first") as ng:
            self.assert_redirect(ng, "http", "a.test", "/", 301, "https://www.a.test/")
            self.assert_redirect(ng, "https", "a.test", "/p", 301, "https://www.a.test/p",
                                 sts=FULL)
            self.assert_page(ng, "https", "www.a.test", FULL)

    def test_hsts_over_http(self):
        with Nginx("hsts-over-http") as ng:
            self.assert_page(ng, "http", "a.test", FULL)
            self.assert_page(ng, "https", "a.test", None)

    def test_max_age_low(self):
        with Nginx("max-age-low") as ng:
            self.assert_redirect(ng, "http", "a.test", "/", 301, "https://a.test/")
            self.assert_page(ng, "https", "a.test", "max-age=86400; includeSubDomains; preload")

    def test_no_include_subdomains(self):
        with Nginx("no-include-subdomains") as ng:
            self.assert_redirect(ng, "http", "a.test", "/", 301, "https://a.test/")
            self.assert_page(ng, "https", "a.test", "max-age=63072000; preload")

    def test_redirect_loop(self):
        with Nginx("redirect-loop") as ng:
            # Follow by hand: the chain comes back to its start after two hops.
            url, seen, chain = ("http", "a.test", "/"), [], []
            for _ in range(6):
                if url in seen:
                    break
                seen.append(url)
                st, h, _ = self.get(ng, *url)
                self.assertEqual(st, 301)
                loc = Nginx.header(h, "Location")
                chain.append((url[0], loc, Nginx.headers(h, STS)))
                scheme, rest = loc.split("://", 1)
                host, _, path = rest.partition("/")
                url = (scheme, host, "/" + path)
            self.assertEqual(chain, [("http", "https://a.test/", []),
                                     ("https", "http://a.test/", [FULL])])
            self.assertEqual(url, ("http", "a.test", "/"))  # back at the start

    def test_form_behind_301(self):
        with Nginx("form-behind-301") as ng:
            st, h, _ = self.get(ng, "https", "a.test", "/contact", method="POST",
                                body=b"name=x",
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
            self.assertEqual(st, 301)
            self.assertEqual(Nginx.header(h, "Location"), "https://a.test/contact/")
            self.assertEqual(Nginx.headers(h, STS), [FULL])
            # What the browser sends next: a GET, without the form.
            st, h, body = self.get(ng, "https", "a.test", "/contact/")
            self.assertEqual((st, body), (200, b"contact form\n"))
            self.assertEqual(ng.access_log(), [
                ("https", "a.test", "POST", "/contact", 301),
                ("https", "a.test", "GET", "/contact/", 200),
            ])
            # The domain itself is preload-ready.
            self.assert_redirect(ng, "http", "a.test", "/", 301, "https://a.test/")
            self.assert_page(ng, "https", "a.test", FULL)

    def test_redirect_no_hsts(self):
        with Nginx("redirect-no-hsts") as ng:
            self.assert_redirect(ng, "http", "a.test", "/", 301, "https://a.test/")
            h = self.assert_redirect(ng, "https", "a.test", "/", 301, "https://www.a.test/")
            # The location's own add_header is there; the inherited STS is not.
            self.assertEqual(Nginx.header(h, "Cache-Control"), "no-store")
            self.assert_page(ng, "https", "www.a.test", FULL)

    def test_multiple_sts(self):
        with Nginx("multiple-sts") as ng:
            self.assert_redirect(ng, "http", "a.test", "/", 301, "https://a.test/")
            st, h, _ = self.get(ng, "https", "a.test")
            self.assertEqual(st, 200)
            self.assertEqual(Nginx.headers(h, STS), ["max-age=31536000", FULL])

    def test_certificate_is_checked(self):
        # The client side really verifies: a name outside the certificate fails.
        import ssl
        with Nginx("good") as ng:
            with self.assertRaises(ssl.SSLCertVerificationError):
                self.get(ng, "https", "nope.test")

    def test_stopped_on_failure(self):
        pid = None
        with self.assertRaises(RuntimeError):
            with Nginx("good") as ng:
                pid, d = ng.proc.pid, ng.dir
                raise RuntimeError("test failed inside the with")
        self.assertFalse(pid_alive(pid))
        self.assertFalse(os.path.exists(d))

    def test_stop_reports_a_server_crash(self):
        ng = Nginx("good").start()
        pid = ng.proc.pid
        try:
            os.kill(pid, signal.SIGKILL)
            ng.proc.wait()
        finally:
            ng.stop()  # killed from outside: stop still cleans up, quietly
        self.assertFalse(pid_alive(pid))

    def test_unknown_config(self):
        with self.assertRaises(NginxError):
            Nginx("no-such-config")


if __name__ == "__main__":
    unittest.main(verbosity=2)
