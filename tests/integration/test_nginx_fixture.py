"""The real-nginx audit fixtures (fixtures/nginx/*.conf.in) behave as their
comments say, checked without detour: Python's http.client + ssl trusting the
test CA, and nginx's own access log for what reached the server. If a
fixture lied, an audit test built on it would prove nothing. TEST ONLY.

EXPECTED is the contract for `detour audit` on each configuration: the
checker's codes (hstspreload's errors and warnings, each list in the order
the checker reports them) and the browser-side codes detour adds (severity
error or warning; info codes are free). The test derives both from the live
servers with a small reference walk written from the rules
(docs/redirects.md §4, hstspreload redirects.go / response.go /
hstspreload.go) and requires it to give exactly EXPECTED, so the table is
not just hand-written."""

import os
import signal
import socket
import ssl
import sys
import unittest
from collections import namedtuple
from urllib.parse import urljoin, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nginx import Nginx, NginxError, config_names, nginx_bin  # noqa: E402

FULL = "max-age=63072000; includeSubDomains; preload"
STS = "Strict-Transport-Security"

Expect = namedtuple("Expect", "target errors warnings browser")
# target: the domain audited, or "POST URL" for a form submission.
EXPECTED = {
    "good": Expect("a.test", [], [], []),
    "www-first": Expect("a.test", ["redirects.http.www_first"], [],
                        ["redirects.permanent_cached"]),
    "hsts-over-http": Expect("a.test", ["response.no_header", "redirects.http.no_redirect"],
                             ["redirects.http.useless_header"], []),
    "max-age-low": Expect("a.test", ["header.preloadable.max_age.below_1_year"], [], []),
    "no-include-subdomains": Expect(
        "a.test", ["header.preloadable.include_sub_domains.missing"], [], []),
    # too_many twice: once from http://, once from https:// (the checker
    # does not merge them).
    "redirect-loop": Expect("a.test", ["redirects.too_many", "redirects.insecure.subsequent",
                                       "redirects.too_many", "redirects.insecure.initial"],
                            [], ["redirects.permanent_cached", "redirects.loop",
                                 "redirects.browser_limit"]),
    "form-behind-301": Expect("POST https://a.test/contact", [], [],
                              ["redirects.post_becomes_get", "redirects.permanent_cached"]),
    "redirect-no-hsts": Expect("a.test", ["response.no_header"], [], []),
    "multiple-sts": Expect("a.test", ["response.multiple_headers"], [], []),
    # TLS: what a browser can and cannot connect to (docs/tls.md).
    "tls13-only": Expect("a.test", [], [], []),
    "tls12-only": Expect("a.test", [], [], []),
    "http2": Expect("a.test", [], [], []),
    "obsolete-tls": Expect("a.test", ["domain.tls.cannot_connect"], [],
                           ["tls.obsolete_version"]),
}

# ---- a reference walk, from the rules (the C audit must agree with it) -----

TEN_YEARS, ONE_YEAR = 315360000, 31536000
GO_SPACE = " \t\n\v\f\r\x85\xa0"  # enough of Go's TrimSpace for these fixtures


def header_issues(value):
    """hstspreload ParseHeaderString + EligibleHeader (bulk-1-year), for the
    ASCII headers of the fixtures. The full rules, Unicode included, are
    engine/audit/audit_header.c, checked case by case in test_audit_header.c."""
    err, warn = [], []
    ds = [d.strip(GO_SPACE) for d in value.split(";")]
    isd = pre = False
    age = None
    if ds == [""]:
        warn.append("header.parse.empty")
        ds = []
    for d in ds:
        lo = d.lower()
        if lo == "preload":
            if pre and "header.parse.repeated.preload" not in warn:
                warn.append("header.parse.repeated.preload")
            pre = True
        elif lo.startswith("preload"):
            if "header.parse.invalid.preload" not in warn:
                warn.append("header.parse.invalid.preload")
        elif lo == "includesubdomains":
            if isd and "header.parse.repeated.include_sub_domains" not in warn:
                warn.append("header.parse.repeated.include_sub_domains")
            isd = True
        elif lo.startswith("includesubdomains"):
            if "header.parse.invalid.include_sub_domains" not in warn:
                warn.append("header.parse.invalid.include_sub_domains")
        elif lo.startswith("max-age="):
            v = d[8:]
            if len(v) > 1 and v[0] == "0":
                warn.append("header.parse.max_age.leading_zero")
            if not v.isascii() or not v.isdigit():
                err.append("header.parse.max_age.non_digit_characters" if v
                           else "header.parse.max_age.parse_int_error")
                continue
            if int(v) >= 1 << 64:
                err.append("header.parse.max_age.parse_int_error")
            elif age is None:
                age = int(v)
            elif "header.parse.repeated.max_age" not in warn:
                warn.append("header.parse.repeated.max_age")
        elif lo.startswith("max-age"):
            if "header.parse.invalid.max_age.no_value" not in err:
                err.append("header.parse.invalid.max_age.no_value")
        elif d == "":
            if "header.parse.empty_directive" not in warn:
                warn.append("header.parse.empty_directive")
        else:
            warn.append("header.parse.unknown_directive")
    if not isd:
        err.append("header.preloadable.include_sub_domains.missing")
    if not pre:
        err.append("header.preloadable.preload.missing")
    if age is None:
        err.append("header.preloadable.max_age.missing")
    elif age == 0:
        err.append("header.preloadable.max_age.zero")
    elif age < ONE_YEAR:
        err.append("header.preloadable.max_age.below_1_year")
    elif age > TEN_YEARS:
        warn.append("header.preloadable.max_age.over_10_years")
    return err, warn


def response_issues(headers):
    """response.go checkSingleHeader + the header verdict."""
    vals = Nginx.headers(headers, STS)
    if not vals:
        return ["response.no_header"], []
    if len(vals) > 1:
        return ["response.multiple_headers"], []
    return header_issues(vals[0])


def fetch(ng, url, method="GET", body=None):
    u = urlsplit(url)
    path = (u.path or "/") + ("?" + u.query if u.query else "")
    hdrs = {"Content-Type": "application/x-www-form-urlencoded"} if body else None
    return ng.request(u.scheme, u.hostname, path, method=method, body=body, headers=hdrs)


def checker_follow(ng, url, limit=3):
    """redirects.go preloadableRedirects: Go's client, at most LIMIT redirects."""
    chain = []
    for _ in range(limit + 1):
        st, h, _ = fetch(ng, url)
        loc = Nginx.header(h, "Location")
        if st not in (301, 302, 303, 307, 308) or loc is None:
            return chain, []
        url = urljoin(url, loc)
        chain.append(url)
        if len(chain) > limit:
            return chain, ["redirects.too_many"]
    return chain, []


def insecure(chain):
    for i, u in enumerate(chain):
        if urlsplit(u).scheme != "https":
            return ["redirects.insecure.initial" if i == 0 else "redirects.insecure.subsequent"]
    return []


def tls_version_refused(ng, host):
    """A browser-floor handshake (TLS 1.2+, Python's default) fails because
    the server only speaks older versions."""
    try:
        handshake(ng, host)
    except ssl.SSLError as e:
        return "PROTOCOL" in e.reason.upper() or "VERSION" in e.reason.upper()
    return False


def handshake(ng, host, alpn=None, maximum=None, minimum=None):
    """One TLS handshake with HOST's test port: (version, ALPN)."""
    ctx = ng.ssl_context()
    if alpn:
        ctx.set_alpn_protocols(alpn)
    if maximum:
        ctx.maximum_version = maximum
    if minimum:
        ctx.minimum_version = minimum
    with socket.create_connection(("127.0.0.1", ng.https_port), 10) as s:
        with ctx.wrap_socket(s, server_hostname=host) as t:
            return t.version(), t.selected_alpn_protocol()


def tls_codes(ng, domain):
    """detour's TLS verdict on https://DOMAIN/ (codes of severity error or
    warning; tls.no_tls13 and tls.no_h2 are info)."""
    return ["tls.obsolete_version"] if tls_version_refused(ng, domain) else []


def checker_codes(ng, domain):
    """hstspreload PreloadableDomain after the domain checks: the https
    response, the http redirects, the https redirects, in its order."""
    try:
        st, h, _ = fetch(ng, f"https://{domain}/")
    except ssl.SSLError:
        return ["domain.tls.cannot_connect"], []  # the checker stops there
    r_err, r_warn = response_issues(h)
    g_err, g_warn, first = [], [], []
    try:
        _, h0, _ = fetch(ng, f"http://{domain}/")
    except OSError:
        g_warn.append("redirects.http.does_not_exist")
        h0 = None
    if h0 is not None:
        if Nginx.headers(h0, STS):
            g_warn.append("redirects.http.useless_header")
        chain, iss = checker_follow(ng, f"http://{domain}/")
        g_err += iss
        if not chain:
            g_err.append("redirects.http.no_redirect")
        elif urlsplit(chain[0]).scheme == "https" and urlsplit(chain[0]).hostname == domain:
            _, h1, _ = fetch(ng, chain[0])
            if response_issues(h1)[0]:
                first.append("redirects.http.first_redirect.no_hsts")
            g_err += insecure(chain)
        elif urlsplit(chain[0]).hostname == "www." + domain:
            g_err.append("redirects.http.www_first")
        else:
            g_err.append("redirects.http.first_redirect.insecure")
    chain, s_err = checker_follow(ng, f"https://{domain}/")
    s_err += insecure(chain)
    errors = r_err + g_err + (first if not r_err else []) + s_err
    return errors, r_warn + g_warn


def fresh(headers):
    """Explicit freshness or a ban on storing (what makes a permanent
    redirect not cached for good)."""
    cc = ",".join(Nginx.headers(headers, "Cache-Control")).lower()
    pragma = ",".join(Nginx.headers(headers, "Pragma")).lower()
    return ("max-age" in cc or "no-store" in cc or "no-cache" in cc or
            Nginx.header(headers, "Expires") is not None or "no-cache" in pragma)


def browser_codes(ng, url, method="GET", body=None, limit=19):
    """A Chromium-profile navigation (docs/decisions.md knob 4/4b): HSTS noted from
    https responses, http upgraded by an internal 307 that counts as a
    redirect, at most LIMIT redirects; detour's codes of severity
    error/warning, in the order they arise."""
    codes, seen, hsts, redirects = [], set(), set(), 0
    while True:
        u = urlsplit(url)
        if u.scheme == "http" and u.hostname in hsts:
            url = url.replace("http://", "https://", 1)  # internal 307
            redirects += 1
        else:
            first_time = url not in seen
            if not first_time and "redirects.loop" not in codes:
                codes.append("redirects.loop")
            seen.add(url)
            try:
                st, h, _ = fetch(ng, url, method, body)
            except ssl.SSLError:
                return codes  # the navigation ends; judged on its own
            sts = Nginx.headers(h, STS)
            if u.scheme == "https" and sts and "max-age=0" not in sts[0]:
                hsts.add(u.hostname)
            loc = Nginx.header(h, "Location")
            if st not in (301, 302, 303, 307, 308) or loc is None:
                return codes
            if method == "POST" and st in (301, 302):
                codes.append("redirects.post_becomes_get")
            # RFC 9111 §4.2.2: a 301/308 without freshness is kept for good;
            # worth a warning unless it is the same-host upgrade to https.
            target = urljoin(url, loc)
            upgrade = (u.scheme == "http" and
                       target == "https://" + url[len("http://"):].replace(f"{u.hostname}:80", u.hostname, 1))
            if st in (301, 308) and first_time and not upgrade and not fresh(h):
                codes.append("redirects.permanent_cached")
            if st in (301, 302, 303) and method == "POST":
                method, body = "GET", None
            url = urljoin(url, loc)
            redirects += 1
        if redirects > limit:
            codes.append("redirects.browser_limit")
            return codes


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
        self.assertEqual(sorted(EXPECTED), config_names())
        with open(os.path.join(os.path.dirname(__file__), "..", "..", "docs",
                               "audit.md")) as f:
            doc = f.read()
        for name, exp in EXPECTED.items():
            self.assertIn(f"`{name}.conf.in`", doc)
            for c in exp.errors + exp.warnings + exp.browser:
                self.assertIn(f"| `{c}` |", doc, c)

    def test_reference_walk_gives_expected_codes(self):
        for name, exp in EXPECTED.items():
            with self.subTest(config=name), Nginx(name) as ng:
                if exp.target.startswith("POST "):
                    url = exp.target[5:]
                    self.assertEqual(browser_codes(ng, url, "POST", b"name=x"), exp.browser)
                    domain = urlsplit(url).hostname
                else:
                    domain = exp.target
                    self.assertEqual(tls_codes(ng, domain) +
                                     browser_codes(ng, f"http://{domain}/"), exp.browser)
                errors, warnings = checker_codes(ng, domain)
                self.assertEqual(errors, exp.errors)
                self.assertEqual(warnings, exp.warnings)

    def test_reference_header_rules(self):
        # The walk's header verdicts agree with the checker's own cases.
        self.assertEqual(header_issues(FULL), ([], []))
        self.assertEqual(header_issues(""), (
            ["header.preloadable.include_sub_domains.missing",
             "header.preloadable.preload.missing", "header.preloadable.max_age.missing"],
            ["header.parse.empty"]))
        self.assertEqual(header_issues("max-age=315360001; includeSubDomains"),
                         (["header.preloadable.preload.missing"],
                          ["header.preloadable.max_age.over_10_years"]))
        self.assertEqual(header_issues("includeSubDomains; preload; max-age"),
                         (["header.parse.invalid.max_age.no_value",
                           "header.preloadable.max_age.missing"], []))
        self.assertEqual(header_issues("max-age=01234; includeSubDomains; preload;")[1],
                         ["header.parse.max_age.leading_zero", "header.parse.empty_directive"])

    def test_tls_configurations(self):
        # Each TLS fixture speaks exactly what its comment says, to a client
        # that is not detour (Python's ssl on OpenSSL 3).
        v12, v13 = ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3
        with Nginx("tls13-only") as ng:
            self.assertEqual(handshake(ng, "a.test")[0], "TLSv1.3")
            with self.assertRaises(ssl.SSLError):
                handshake(ng, "a.test", maximum=v12)
            self.assert_page(ng, "https", "a.test", FULL)
        with Nginx("tls12-only") as ng:
            self.assertEqual(handshake(ng, "a.test")[0], "TLSv1.2")
            with self.assertRaises(ssl.SSLError):
                handshake(ng, "a.test", minimum=v13)
            self.assert_page(ng, "https", "a.test", FULL)
        with Nginx("http2") as ng:
            self.assertEqual(handshake(ng, "a.test", alpn=["h2", "http/1.1"]),
                             ("TLSv1.3", "h2"))
            self.assertEqual(handshake(ng, "a.test", alpn=["http/1.1"])[1], "http/1.1")
            self.assert_page(ng, "https", "a.test", FULL)
        with Nginx("obsolete-tls") as ng:
            self.assertTrue(tls_version_refused(ng, "a.test"))
            self.assert_redirect(ng, "http", "a.test", "/", 301, "https://a.test/")
        for name in ("good", "tls13-only", "tls12-only", "http2"):
            with Nginx(name) as ng:
                self.assertFalse(tls_version_refused(ng, "a.test"), name)

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
