/* audit_header.h — the audit's finding codes (all of them, as data) and the
 * Strict-Transport-Security verdicts of `detour audit` (internal).
 *
 * The codes, severities and wording follow the HSTS preload checker
 * (chromium/hstspreload header.go, response.go, redirects.go, domain.go,
 * tls.go; docs/redirects.md §4), so a report can be compared line
 * for line with hstspreload.org. Codes detour adds (browser behaviour the
 * checker does not look at) use the same dotted style and name their source
 * in the table; docs/audit.md lists every row.
 *
 * The header check is pure: strings in, findings out. No I/O, no
 * allocation, no libuv or mbedTLS. Redirect-level codes are only listed here
 * (code, severity, message, fix) for the navigation-level audit to report
 * with dt__audit_add(). */
#ifndef DT_ENGINE_AUDIT_HEADER_H
#define DT_ENGINE_AUDIT_HEADER_H

#include <stddef.h>
#include <stdint.h>

#include "detour.h"

/* Limits (a report is bounded like everything else). One list can hold a
 * whole site's audit: the checker's findings plus one per hop of a
 * browser-length chain (20 redirects). Past that the first findings are
 * kept and the rest counted in `dropped`. */
#define DT__AUDIT_MAX_FINDINGS 64
#define DT__AUDIT_DETAIL_MAX 200

/* hstspreload header.go constants. */
#define DT__AUDIT_ONE_YEAR 31536000u       /* 86400 * 365 */
#define DT__AUDIT_EIGHTEEN_WEEKS 10886400u /* 86400 * 7 * 18 */
#define DT__AUDIT_TEN_YEARS 315360000u     /* 10 * one year */

typedef enum dt__audit_severity {
  DT__AUDIT_ERROR = 0, /* blocks preload submission, or breaks HSTS */
  DT__AUDIT_WARNING,   /* worth fixing; does not block */
  DT__AUDIT_INFO       /* what a browser does, for the explanation */
} dt__audit_severity;

/* X(ENUM, "code", severity, "message", "fix", "source")
 * Never rename a code string: reports and scripts key on it. Append only. */
#define DT__AUDIT_CODE_MAP(X)                                                  \
  /* --- header syntax: hstspreload header.go ParseHeaderString --- */         \
  X(HEADER_PARSE_EMPTY, "header.parse.empty", WARNING,                         \
    "The HSTS header is empty.",                                               \
    "Send `max-age=63072000; includeSubDomains; preload`.",                    \
    "hstspreload header.go ParseHeaderString")                                 \
  X(HEADER_PARSE_EMPTY_DIRECTIVE, "header.parse.empty_directive", WARNING,     \
    "The header includes an empty directive or extra semicolon.",              \
    "Remove the extra `;`.", "hstspreload header.go ParseHeaderString")        \
  X(HEADER_PARSE_UNKNOWN_DIRECTIVE, "header.parse.unknown_directive", WARNING, \
    "The header contains an unknown directive.",                               \
    "Remove it: only max-age, includeSubDomains and preload mean anything.",   \
    "hstspreload header.go ParseHeaderString")                                 \
  X(HEADER_PARSE_MAX_AGE_LEADING_ZERO, "header.parse.max_age.leading_zero",    \
    WARNING, "The header's max-age value contains a leading 0.",               \
    "Write max-age without leading zeros.",                                    \
    "hstspreload header.go parseMaxAge")                                       \
  X(HEADER_PARSE_REPEATED_PRELOAD, "header.parse.repeated.preload", WARNING,   \
    "The header contains a repeated directive: `preload`.",                    \
    "Keep one `preload`.", "hstspreload header.go ParseHeaderString")          \
  X(HEADER_PARSE_REPEATED_INCLUDE_SUB_DOMAINS,                                 \
    "header.parse.repeated.include_sub_domains", WARNING,                      \
    "The header contains a repeated directive: `includeSubDomains`.",          \
    "Keep one `includeSubDomains` (browsers reject the whole header).",        \
    "hstspreload header.go ParseHeaderString")                                 \
  X(HEADER_PARSE_REPEATED_MAX_AGE, "header.parse.repeated.max_age", WARNING,   \
    "The header contains a repeated directive: `max-age`.",                    \
    "Keep one `max-age` (browsers reject the whole header).",                  \
    "hstspreload header.go ParseHeaderString")                                 \
  X(HEADER_PARSE_INVALID_PRELOAD, "header.parse.invalid.preload", WARNING,     \
    "The header contains a `preload` directive with extra parts.",             \
    "Write `preload` alone, without a value or suffix.",                       \
    "hstspreload header.go ParseHeaderString")                                 \
  X(HEADER_PARSE_INVALID_INCLUDE_SUB_DOMAINS,                                  \
    "header.parse.invalid.include_sub_domains", WARNING,                       \
    "The header contains an `includeSubDomains` directive with extra parts.",  \
    "Write `includeSubDomains` alone, without a value or suffix.",             \
    "hstspreload header.go ParseHeaderString")                                 \
  X(HEADER_PARSE_MAX_AGE_NON_DIGIT,                                            \
    "header.parse.max_age.non_digit_characters", ERROR,                        \
    "The header's max-age value contains characters that are not "             \
    "digits.",                                                                 \
    "Write max-age as plain digits: no quotes, sign, or unit.",                \
    "hstspreload header.go parseMaxAge")                                       \
  X(HEADER_PARSE_MAX_AGE_PARSE_INT, "header.parse.max_age.parse_int_error",    \
    ERROR, "The header's max-age value could not be parsed as a number.",      \
    "Give max-age a value in seconds, e.g. `max-age=63072000`.",               \
    "hstspreload header.go parseMaxAge")                                       \
  X(HEADER_PARSE_INVALID_MAX_AGE_NO_VALUE,                                     \
    "header.parse.invalid.max_age.no_value", ERROR,                            \
    "The header contains a max-age directive name without a value.",           \
    "Write `max-age=SECONDS` with no space before `=`.",                       \
    "hstspreload header.go ParseHeaderString")                                 \
  /* --- header requirements: hstspreload header.go EligibleHeader --- */      \
  X(HEADER_PRELOADABLE_INCLUDE_SUB_DOMAINS_MISSING,                            \
    "header.preloadable.include_sub_domains.missing", ERROR,                   \
    "The header must contain the `includeSubDomains` directive.",              \
    "Add `includeSubDomains` (first make sure every subdomain serves HTTPS).", \
    "hstspreload header.go preloadableHeaderSubDomains")                       \
  X(HEADER_PRELOADABLE_PRELOAD_MISSING, "header.preloadable.preload.missing",  \
    ERROR, "The header must contain the `preload` directive.",                 \
    "Add `preload` once you mean to be on the preload list.",                  \
    "hstspreload header.go preloadableHeaderPreload")                          \
  X(HEADER_PRELOADABLE_MAX_AGE_MISSING, "header.preloadable.max_age.missing",  \
    ERROR, "The header must contain a valid `max-age` directive.",             \
    "Add `max-age=63072000` (two years; at least 31536000).",                  \
    "hstspreload header.go preloadableHeaderMaxAge")                           \
  X(HEADER_PRELOADABLE_MAX_AGE_ZERO, "header.preloadable.max_age.zero", ERROR, \
    "The max-age is 0, which removes HSTS.",                                   \
    "To leave the preload list use https://hstspreload.org/removal/; "         \
    "otherwise set max-age to at least 31536000.",                             \
    "hstspreload header.go preloadableHeaderMaxAge")                           \
  X(HEADER_PRELOADABLE_MAX_AGE_BELOW_1_YEAR,                                   \
    "header.preloadable.max_age.below_1_year", ERROR,                          \
    "The max-age must be at least 31536000 seconds (1 year).",                 \
    "Raise max-age to 31536000 or more (63072000 is recommended).",            \
    "hstspreload header.go preloadableHeaderMaxAge (bulk-1-year)")             \
  X(HEADER_PRELOADABLE_MAX_AGE_BELOW_18_WEEKS,                                 \
    "header.preloadable.max_age.below_18_weeks", ERROR,                        \
    "The max-age must be at least 10886400 seconds (18 weeks).",               \
    "Raise max-age to 31536000 or more.",                                      \
    "hstspreload header.go preloadableHeaderMaxAge (bulk-18-weeks)")           \
  X(HEADER_PRELOADABLE_MAX_AGE_OVER_10_YEARS,                                  \
    "header.preloadable.max_age.over_10_years", WARNING,                       \
    "The max-age is longer than 10 years, an unusually long value that "       \
    "browsers cap (Chromium at 1 year).",                                      \
    "Use max-age=63072000 (two years).",                                       \
    "hstspreload header.go preloadableHeaderMaxAge")                           \
  /* --- removal requirements: hstspreload header.go RemovableHeader --- */    \
  X(HEADER_REMOVABLE_CONTAINS_PRELOAD, "header.removable.contains.preload",    \
    ERROR,                                                                     \
    "For removal from the preload list the header must not contain "           \
    "`preload`.",                                                              \
    "Drop `preload` from the header.",                                         \
    "hstspreload header.go RemovableHeader")                                   \
  X(HEADER_REMOVABLE_MISSING_MAX_AGE, "header.removable.missing.max_age",      \
    ERROR, "The header must contain a valid `max-age` directive.",             \
    "Keep a `max-age` directive (max-age=0 is fine for removal).",             \
    "hstspreload header.go RemovableHeader")                                   \
  /* --- detour: what browsers do with the header --- */                       \
  X(HEADER_BROWSER_REJECTED, "header.browser.rejected", ERROR,                 \
    "Browsers ignore this header: Chromium's parser rejects it as a whole, "   \
    "so no visit records HSTS.",                                               \
    "Send exactly `max-age=63072000; includeSubDomains; preload`.",            \
    "detour hsts/sts_header (Chromium ParseHSTSHeader; docs/hsts.md §2 "      \
    "rules 6-15)")                                                             \
  /* --- the https response: hstspreload response.go checkSingleHeader --- */  \
  X(RESPONSE_NO_HEADER, "response.no_header", ERROR,                           \
    "No HSTS header is present on the response.",                              \
    "Add `Strict-Transport-Security` to every HTTPS response, redirects "      \
    "included (nginx: `add_header ... always;`).",                             \
    "hstspreload response.go checkSingleHeader")                               \
  X(RESPONSE_MULTIPLE_HEADERS, "response.multiple_headers", ERROR,             \
    "The response has more than one HSTS header (browsers use the first).",    \
    "Send one `Strict-Transport-Security` field (look for a second "           \
    "add_header, proxy and application both adding it).",                      \
    "hstspreload response.go checkSingleHeader")                               \
  /* --- redirects: hstspreload redirects.go --- */                            \
  X(REDIRECTS_HTTP_DOES_NOT_EXIST, "redirects.http.does_not_exist", WARNING,   \
    "The site is unavailable over plain HTTP.",                                \
    "Fine if intended; otherwise answer on port 80 with a redirect to "        \
    "https://DOMAIN/.",                                                        \
    "hstspreload redirects.go checkHSTSOverHTTP")                              \
  X(REDIRECTS_HTTP_USELESS_HEADER, "redirects.http.useless_header", WARNING,   \
    "The HTTP page sends an HSTS header; it has no effect over HTTP.",         \
    "Send the header only on HTTPS responses (RFC 6797 §8.1).",                \
    "hstspreload redirects.go checkHSTSOverHTTP")                              \
  X(REDIRECTS_TOO_MANY, "redirects.too_many", ERROR,                           \
    "There are more than 3 redirects.",                                        \
    "Redirect http://DOMAIN/ straight to https://DOMAIN/, then at most "       \
    "two more hops.",                                                          \
    "hstspreload redirects.go preloadableRedirects (maxRedirects 3)")          \
  X(REDIRECTS_FOLLOW_ERROR, "redirects.follow_error", ERROR,                   \
    "Following the redirects failed.",                                         \
    "Make every hop answer (see the hop's error).",                            \
    "hstspreload redirects.go preloadableRedirects")                           \
  X(REDIRECTS_HTTP_NO_REDIRECT, "redirects.http.no_redirect", ERROR,           \
    "http://DOMAIN does not redirect to https://DOMAIN.",                      \
    "Answer every plain HTTP request with `301 Location: "                     \
    "https://$host$request_uri`.",                                             \
    "hstspreload redirects.go preloadableHTTPRedirectsURL")                    \
  X(REDIRECTS_HTTP_FIRST_REDIRECT_INVALID,                                     \
    "redirects.http.first_redirect.invalid", ERROR,                            \
    "The first redirect target could not be fetched.",                         \
    "Make https://DOMAIN/ reachable with a valid certificate.",                \
    "hstspreload redirects.go preloadableHTTPRedirectsURL")                    \
  X(REDIRECTS_HTTP_FIRST_REDIRECT_NO_HSTS,                                     \
    "redirects.http.first_redirect.no_hsts", ERROR,                            \
    "HTTP redirects to a page without a preloadable HSTS header.",             \
    "Send the full HSTS header on the first HTTPS response, redirects "        \
    "included.",                                                               \
    "hstspreload redirects.go preloadableHTTPRedirectsURL")                    \
  X(REDIRECTS_HTTP_FIRST_REDIRECT_INSECURE,                                    \
    "redirects.http.first_redirect.insecure", ERROR,                           \
    "The first redirect from HTTP is not to https://DOMAIN (same host).",      \
    "Redirect http://DOMAIN/ to https://DOMAIN/ first, then anywhere.",        \
    "hstspreload redirects.go preloadableHTTPRedirectsURL")                    \
  X(REDIRECTS_HTTP_WWW_FIRST, "redirects.http.www_first", ERROR,               \
    "HTTP redirects to www first, so browsers never record HSTS for the "      \
    "bare domain.",                                                            \
    "Redirect http://DOMAIN/ to https://DOMAIN/ first, then to "               \
    "https://www.DOMAIN/.",                                                    \
    "hstspreload redirects.go preloadableHTTPRedirectsURL")                    \
  X(REDIRECTS_INSECURE_INITIAL, "redirects.insecure.initial", ERROR,           \
    "The first redirect goes to an insecure (http) page.",                     \
    "Redirect only to https:// URLs.",                                         \
    "hstspreload redirects.go preloadableRedirectChain")                       \
  X(REDIRECTS_INSECURE_SUBSEQUENT, "redirects.insecure.subsequent", ERROR,     \
    "A later redirect goes to an insecure (http) page.",                       \
    "Redirect only to https:// URLs (behind a TLS proxy, build Location from " \
    "X-Forwarded-Proto or use `https://$host`).",                              \
    "hstspreload redirects.go preloadableRedirectChain")                       \
  /* --- domain and TLS: hstspreload domain.go, tls.go --- */                  \
  X(DOMAIN_FORMAT_BEGINS_WITH_DOT, "domain.format.begins_with_dot", ERROR,     \
    "The domain begins with `.`.", "Submit the name without the dot.",         \
    "hstspreload domain.go")                                                   \
  X(DOMAIN_FORMAT_ENDS_WITH_DOT, "domain.format.ends_with_dot", ERROR,         \
    "The domain ends with `.`.", "Submit the name without the dot.",           \
    "hstspreload domain.go")                                                   \
  X(DOMAIN_FORMAT_CONTAINS_DOUBLE_DOT, "domain.format.contains_double_dot",    \
    ERROR, "The domain contains `..`.", "Fix the name.",                       \
    "hstspreload domain.go")                                                   \
  X(DOMAIN_FORMAT_ONLY_ONE_LABEL, "domain.format.only_one_label", ERROR,       \
    "The domain has only one label.",                                          \
    "Submit a name with at least two labels (example.com).",                   \
    "hstspreload checkDomainFormat")                                           \
  X(DOMAIN_FORMAT_PUBLIC_SUFFIX, "domain.format.public_suffix", ERROR,         \
    "The domain is a public suffix.", "Submit a registrable domain.",          \
    "hstspreload domain.go")                                                   \
  X(DOMAIN_FORMAT_INVALID_CHARACTERS, "domain.format.invalid_characters",      \
    ERROR, "The domain contains invalid characters.",                          \
    "Submit the IDNA A-label form (xn--...).", "hstspreload domain.go")        \
  X(DOMAIN_FORMAT_IS_IP_ADDRESS, "domain.format.is_ip_address", ERROR,         \
    "The input is an IP address; HSTS applies to domain names only.",          \
    "Audit a domain name.", "hstspreload domain.go")                           \
  X(DOMAIN_IS_SUBDOMAIN, "domain.is_subdomain", ERROR,                         \
    "Only eTLD+1 domains can be submitted for preloading.",                    \
    "Audit (and preload) the registrable domain; includeSubDomains covers "    \
    "this name.",                                                              \
    "hstspreload domain.go")                                                   \
  X(DOMAIN_TLS_CANNOT_CONNECT, "domain.tls.cannot_connect", ERROR,             \
    "Could not connect to the domain over HTTPS.", "Serve HTTPS on port 443.", \
    "hstspreload domain.go")                                                   \
  X(DOMAIN_TLS_INVALID_CERT_CHAIN, "domain.tls.invalid_cert_chain", ERROR,     \
    "The certificate chain does not verify.",                                  \
    "Install a certificate for the name with its full chain.",                 \
    "hstspreload domain.go")                                                   \
  X(DOMAIN_TLS_SHA1, "domain.tls.sha1", ERROR,                                 \
    "The certificate chain uses SHA-1.",                                       \
    "Reissue the certificate with "                                            \
    "SHA-256.",                                                                \
    "hstspreload tls.go")                                                      \
  X(TLS_OBSOLETE_CIPHER_SUITE, "tls.obsolete_cipher_suite", WARNING,           \
    "The connection uses an obsolete cipher suite.",                           \
    "Enable TLS 1.2+ AEAD suites (ECDHE with AES-GCM or ChaCha20).",           \
    "hstspreload tls.go")                                                      \
  X(DOMAIN_WWW_NO_TLS, "domain.www.no_tls", ERROR,                             \
    "www.DOMAIN accepts connections on port 443 but TLS fails.",               \
    "Serve www.DOMAIN with a valid certificate (includeSubDomains covers "     \
    "it).",                                                                    \
    "hstspreload domain.go")                                                   \
  /* --- detour: what a browser navigation shows beyond the checker --- */     \
  X(REDIRECTS_LOOP, "redirects.loop", ERROR,                                   \
    "The redirects come back to a URL already visited: a loop.",               \
    "Make the HTTPS server answer instead of redirecting (behind a TLS "       \
    "proxy, do not redirect when X-Forwarded-Proto is https).",                \
    "detour (RFC 9110 §15.4 cycle detection)")                                 \
  X(REDIRECTS_BROWSER_LIMIT, "redirects.browser_limit", ERROR,                 \
    "A browser gives up on this navigation: too many redirects "               \
    "(Chromium ERR_TOO_MANY_REDIRECTS).",                                      \
    "Shorten the chain; fix any loop.",                                        \
    "detour profile knob 4 (Fetch limit 20, Chromium 19)")                     \
  X(REDIRECTS_HSTS_INTERNAL, "redirects.hsts_internal", INFO,                  \
    "A browser that knows HSTS for this host upgrades to https itself "        \
    "(307 Internal Redirect); nothing goes over plain HTTP.",                  \
    "Nothing to fix.",                                                         \
    "detour (Chromium SynthesizeRedirectHeaders; RFC 6797 "                    \
    "§8.3)")                                                                   \
  X(REDIRECTS_PERMANENT_CACHED, "redirects.permanent_cached", WARNING,         \
    "A 301/308 without explicit freshness: browsers cache it with no end, "    \
    "so a wrong target sticks (not reported for http to https on the same "    \
    "host and path, which is meant to stick).",                                \
    "Add `Cache-Control: max-age=...` to permanent redirects, or use 302 "     \
    "while testing.",                                                          \
    "detour (RFC 9111 §4.2.2; Chromium GetFreshnessLifetimes)")                \
  X(REDIRECTS_POST_BECOMES_GET, "redirects.post_becomes_get", WARNING,         \
    "A POST got a 301/302: the browser follows with GET and drops the form "   \
    "data (a 303 says so on purpose; these do not).",                          \
    "Point the form at the final URL (e.g. the trailing slash), or answer "    \
    "with 307/308.",                                                           \
    "detour (Fetch HTTP-redirect fetch step 12)")                              \
  X(REDIRECTS_AUTHORIZATION_DROPPED, "redirects.authorization_dropped",        \
    WARNING,                                                                   \
    "A cross-origin hop dropped the Authorization header; later hops do not "  \
    "get it back.",                                                            \
    "Keep authenticated resources on one origin.",                             \
    "detour (Fetch HTTP-redirect fetch step 13)")                              \
  X(REDIRECTS_HSTS_NOT_NOTED, "redirects.hsts_not_noted", WARNING,             \
    "An HSTS header was sent where browsers ignore it (plain HTTP, an IP "     \
    "address, localhost or a certificate error).",                             \
    "Send HSTS on HTTPS responses of the domain with a valid certificate.",    \
    "detour (RFC 6797 §8.1, §8.1.1; docs/decisions.md 'Noting a header')")     \
  X(REDIRECTS_HTTP_PRELOADED, "redirects.http.preloaded", WARNING,             \
    "The host is on the HSTS preload list: browsers go to https by "           \
    "themselves (307 Internal Redirect) and never follow this http to "        \
    "https redirect.",                                                         \
    "Nothing is broken; keep the redirect for clients without the preload "    \
    "list (the preload submission requires it too). Browsers never send "      \
    "plain HTTP to this host, so do not rely on it to reach them.",            \
    "detour (RFC 6797 §8.3; Chromium preload list)")                           \
  /* --- detour: the TLS a browser gets (docs/tls.md) --- */                   \
  X(TLS_OBSOLETE_VERSION, "tls.obsolete_version", ERROR,                       \
    "The server speaks only TLS 1.1 or older: no current browser connects "    \
    "(Chromium 84 and Firefox 78 removed them).",                              \
    "Enable TLS 1.2 and TLS 1.3 (nginx: `ssl_protocols TLSv1.2 TLSv1.3;`).",   \
    "detour (RFC 8996)")                                                       \
  X(TLS_NO_TLS13, "tls.no_tls13", INFO,                                        \
    "The server does not speak TLS 1.3 (it chose TLS 1.2): browsers "          \
    "connect, with one more round trip on a new connection.",                  \
    "Enable TLS 1.3 (nginx: `ssl_protocols TLSv1.2 TLSv1.3;`).",               \
    "detour (RFC 8446)")                                                       \
  X(TLS_NO_H2, "tls.no_h2", INFO,                                              \
    "The server does not offer HTTP/2 (ALPN h2): browsers use HTTP/1.1, "      \
    "which works.",                                                            \
    "Nothing to fix; for HTTP/2, nginx: `listen 443 ssl http2;`.",             \
    "detour (RFC 9113 §3.2)")                                                  \
  X(AUDIT_TLS13_UNAVAILABLE, "audit.tls13_unavailable", ERROR,                 \
    "The server refused TLS 1.2 and this detour build has no TLS 1.3: the "    \
    "site was not audited over HTTPS. Browsers connect if the server speaks "  \
    "TLS 1.3.",                                                                \
    "Audit with detour built on OpenSSL 3 or Mbed TLS 3.6 (docs/tls.md).",     \
    "detour (docs/tls.md)")                                                    \
  /* --- detour: what a browser remembers (docs/cookies.md, issue 16) --- */   \
  X(COOKIES_REFUSED, "cookies.refused", ERROR,                                 \
    "The browser refuses a cookie this chain sets (the reason is Chromium's "  \
    "DevTools name): whatever the site keeps in it is lost.",                  \
    "Fix the Set-Cookie field as the reason says (Secure for SameSite=None "   \
    "and prefixes, a Domain the host belongs to, Path=/ for __Host-).",        \
    "detour (RFC 6265bis §5.7; Chromium CookieInclusionStatus)")               \
  X(COOKIES_NOT_SECURE, "cookies.not_secure", WARNING,                         \
    "A cookie set by an https response has no Secure attribute: browsers "     \
    "send it over plain http too, where anyone on the path reads it.",         \
    "Add Secure (and HSTS, so no plain http request is made at all).",         \
    "detour (RFC 6265bis §8.6; measured on Chromium)")                         \
  X(COOKIES_OVER_HTTP, "cookies.over_http", WARNING,                           \
    "A cookie is set by a plain http response: anyone on the path reads or "   \
    "changes it, and it cannot be Secure.",                                    \
    "Redirect to https before setting cookies.", "detour (RFC 6265bis §8.3)")  \
  X(REDIRECTS_HTTPS_UPGRADES_NO_HSTS, "redirects.https_upgrades_no_hsts",      \
    WARNING,                                                                   \
    "Chromium reached https only by trying it itself (HTTPS-Upgrades) and "    \
    "the site sends no HSTS: other clients stay on http, and a failed https "  \
    "attempt falls back to http silently.",                                    \
    "Redirect http to https and send Strict-Transport-Security on https.",     \
    "detour (docs/https-upgrades.md; RFC 6797)")

typedef enum dt__audit_code {
#define DT__AUDIT_ENUM(e, code, sev, msg, fix, src) DT__AUDIT_##e,
  DT__AUDIT_CODE_MAP(DT__AUDIT_ENUM)
#undef DT__AUDIT_ENUM
      DT__AUDIT_CODE_COUNT
} dt__audit_code;

typedef struct dt__audit_finding {
  dt__audit_code code;
  dt__audit_severity severity;       /* from the table, copied for the caller */
  char detail[DT__AUDIT_DETAIL_MAX]; /* evidence, NUL-terminated, printable
                                        ASCII (other bytes as \xHH) */
} dt__audit_finding;

/* A bounded list, in the order the checks ran. Zero it (or call
 * dt__audit_findings_init) before the first use; checks append. */
typedef struct dt__audit_findings {
  size_t count;
  size_t dropped; /* findings that did not fit */
  dt__audit_finding items[DT__AUDIT_MAX_FINDINGS];
} dt__audit_findings;

/* Which hstspreload question the header check answers. */
typedef enum dt__audit_check {
  DT__AUDIT_CHECK_PRELOADABLE = 0, /* EligibleHeaderString: ready to submit? */
  DT__AUDIT_CHECK_REMOVABLE,       /* RemovableHeaderString: may be removed? */
  DT__AUDIT_CHECK_PARSE            /* ParseHeaderString only: syntax */
} dt__audit_check;

/* hstspreload's policy for the max-age floor (preloadlist PolicyType). */
typedef enum dt__audit_policy {
  DT__AUDIT_POLICY_BULK_1_YEAR = 0, /* every new submission */
  DT__AUDIT_POLICY_BULK_18_WEEKS    /* legacy entries */
} dt__audit_policy;

typedef struct dt__audit_header_opts {
  dt__audit_check check;
  dt__audit_policy policy;
  /* Also add detour's header.browser.* findings (what Chromium does with
   * the first field). Off = exactly the checker's codes. */
  int browser_checks;
} dt__audit_header_opts;

/* What the checker's parser understood (hstspreload HSTSHeader). */
typedef struct dt__audit_sts {
  int has_max_age; /* a valid max-age directive was seen */
  uint64_t max_age;
  int include_subdomains;
  int preload;
} dt__audit_sts;

void dt__audit_findings_init(dt__audit_findings *out);

/* The response check with the defaults `detour audit` uses: preloadable,
 * bulk-1-year, browser checks on. VALUES are the NUL-terminated values of
 * every Strict-Transport-Security field of one HTTPS response, in order;
 * NVALUES 0 means the header is missing (response.no_header), more than 1
 * means several fields (response.multiple_headers: like the checker, the
 * header itself is then not judged). Appends to *OUT. Returns 0, or
 * DT_EINVAL for a NULL OUT or NULL VALUES with NVALUES > 0. */
int dt__audit_sts_header(const char *const *values, size_t nvalues,
                         dt__audit_findings *out);

/* The same with explicit options (NULL = the defaults above), value
 * lengths (LENS NULL = strlen; values need not be NUL-terminated when LENS
 * is given) and, if PARSED is not NULL, what the single field parsed to
 * (zeroed when nvalues != 1). */
int dt__audit_sts_header_ex(const char *const *values, const size_t *lens,
                            size_t nvalues, const dt__audit_header_opts *opts,
                            dt__audit_sts *parsed, dt__audit_findings *out);

/* One header value, no response-level check (the checker's
 * EligibleHeaderString / RemovableHeaderString / ParseHeaderString). */
int dt__audit_sts_value(const char *value, size_t len,
                        const dt__audit_header_opts *opts,
                        dt__audit_sts *parsed, dt__audit_findings *out);

/* Appends a finding with a printf-style detail (FMT may be NULL). Bytes
 * outside printable ASCII in the formatted detail become \xHH; a detail that
 * does not fit ends in "...". A full list counts the finding in `dropped`.
 * Returns 0, or DT_EINVAL for a bad code or NULL OUT. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
int dt__audit_add(dt__audit_findings *out, dt__audit_code code,
                  const char *fmt, ...);

/* Number of findings of severity SEV in the list. */
size_t dt__audit_count(const dt__audit_findings *f, dt__audit_severity sev);

/* Table lookups; static strings, "" / -1 for an out-of-range code. */
const char *dt__audit_code_name(dt__audit_code c);
const char *dt__audit_code_message(dt__audit_code c);
const char *dt__audit_code_fix(dt__audit_code c);
const char *dt__audit_code_source(dt__audit_code c);
dt__audit_severity dt__audit_code_severity(dt__audit_code c);
const char *dt__audit_severity_name(dt__audit_severity s); /* "error" ... */
/* The code for a code string ("response.no_header"), or -1. */
int dt__audit_code_from_name(const char *name);

#endif
