/* profile.c — the profile rows. Every value cites where it comes from; the
 * same table, in prose, is docs/profiles.md. Changing a value here means
 * changing that document and the rows of tests/unit/test_profile.c. */
#include "engine/profile.h"

#include "hsts/base/ascii.h"

#include <string.h>

#define CHROMIUM_H2                                                            \
  {                                                                            \
    .settings = {{1, 65536}, {2, 0}, {4, 6291456}, {6, 262144}},               \
    .conn_window = 15u * 1024 * 1024, .pseudo_order = "masp",                  \
    .headers_priority = 1, .weight = 256, .exclusive = 1,                      \
    .priority = "u=0, i",                                                      \
  }

/* Knob 10's slots, short. */
#define CONN DT__F_CONNECTION
#define CLEN DT__F_CONTENT_LENGTH
#define CC DT__F_CACHE_CONTROL
#define CH DT__F_CH_UA
#define CHM DT__F_CH_UA_MOBILE
#define CHP DT__F_CH_UA_PLATFORM
#define UIR DT__F_UPGRADE_INSECURE
#define CT DT__F_CONTENT_TYPE
#define UA DT__F_USER_AGENT
#define ORIG DT__F_ORIGIN
#define ACC DT__F_ACCEPT
#define SFS DT__F_SEC_FETCH_SITE
#define SFM DT__F_SEC_FETCH_MODE
#define SFU DT__F_SEC_FETCH_USER
#define SFD DT__F_SEC_FETCH_DEST
#define REF DT__F_REFERER
#define AE DT__F_ACCEPT_ENCODING
#define AL DT__F_ACCEPT_LANGUAGE
#define PRIO DT__F_PRIORITY
#define OTH DT__F_OTHERS
#define COOK DT__F_COOKIE

/* Chromium 156, measured (docs/profiles.md "Request fields"): the first
 * hop (typed, link or form: fields a kind does not have are skipped), a
 * redirect hop (client hints move after Sec-Fetch-Dest), the hop after an
 * HTTPS-Upgrades 307, and fetch(). */
#define CHROMIUM_ORDERS                                                        \
  {                                                                            \
    [DT__KIND_FIRST] = {CONN, CLEN, CC,  CH,  CHM, CHP, UIR, CT, UA,  ORIG,    \
                        ACC,  SFS,  SFM, SFU, SFD, REF, AE,  AL, OTH, COOK},   \
    [DT__KIND_REDIRECT] =                                                      \
        {CONN, CLEN, CC, UIR, CT,  UA,  ORIG, ACC, SFS, SFM,                   \
         SFU,  SFD,  CH, CHM, CHP, REF, AE,   AL,  OTH, COOK},                 \
    [DT__KIND_UPGRADE] =                                                       \
        {CONN, CLEN, CC,  UIR, CT,  UA,  ORIG, ACC, CH,  CHM,                  \
         CHP,  SFS,  SFM, SFU, SFD, REF, AE,   AL,  OTH, COOK},                \
    [DT__KIND_API] = {CONN, CLEN, CHP, UA,  CH, CT, CHM, ACC, ORIG,            \
                      SFS,  SFM,  SFD, REF, AE, AL, OTH, COOK},                \
  }

#define CHROMIUM_IDENTITY(cors)                                                \
  {                                                                            \
    .user_agent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "        \
                  "(KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36",        \
    .major = 156, .ch_ua = "\"Not:A-Brand\";v=\"8\", \"Chromium\";v=\"{v}\"",  \
    .ch_ua_mobile = "?0", .ch_ua_platform = "\"Linux\"",                       \
    .accept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/"   \
              "jxl,image/avif,image/webp,image/apng,*/*;q=0.8,application/"    \
              "signed-exchange;v=b3;q=0.7",                                    \
    .accept_language = "en-US,en;q=0.9",                                       \
    .accept_encoding_secure = "gzip, deflate, br, zstd",                       \
    .accept_encoding_plain = "gzip, deflate", .priority = NULL,                \
    .priority_api = NULL, .form_cache_control = 1,                             \
    .cors_with_initiator = (cors), .order = CHROMIUM_ORDERS,                   \
    .source = "measured, Chromium 156",                                        \
  }

static const dt__profile profiles[] = {
    {
        .name = "chromium",
        .summary = "current Chromium, measured against Chromium 156 (default)",
        /* 1: Chromium IsRedirect skips empty Location values; curl t54. */
        .empty_location = DT__EMPTY_LOCATION_FINAL,
        /* 2/3: HttpUtil::HeadersContainMultipleCopiesOfField errors only
         * when the values differ (ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION). */
        .follow_identical_locations = 1,
        .differing_locations_error = 1,
        /* 4: measured on Chromium 156 navigations: the 20th redirect
         * response is ERR_TOO_MANY_REDIRECTS, so 19 are followed. */
        .max_redirects = 19,
        /* 4b: measured: a 301-to-http loop on an HSTS host fails after 19
         * redirects, 9 of them internal (URLRequest::Redirect counts the
         * int307 too). */
        .synthetic_hops_count = 1,
        /* 5: measured; RedirectUtil::UpdateHttpRequest sets Origin: null. */
        .origin_rule = DT__ORIGIN_NULL_ON_CROSS_ORIGIN,
        .referrer_policy_case_insensitive = 1,
        /* R2 [inference]: the int307 is a URLRequest redirect, and
         * ComputeRedirectInfo recomputes the referrer for it. */
        .synthetic_hop_recomputes_referrer = 1,
        /* 6: kMaxHSTSAgeSecs, one year. */
        .hsts_max_age_cap = 31536000u,
        .preload_rule = DT__PRELOAD_MOST_SPECIFIC,
        /* 9: net/http/http_network_session.cc AddDefaultHttp2Settings
         * (M117+): HEADER_TABLE_SIZE 64 KiB, ENABLE_PUSH 0,
         * INITIAL_WINDOW_SIZE kSpdyStreamMaxRecvWindowSize (6 MiB),
         * MAX_HEADER_LIST_SIZE 256 KiB; session window
         * kSpdySessionMaxRecvWindowSize (15 MiB). Pseudo-header order and
         * the trailing `priority: u=0, i` as measured (docs/http2.md); a
         * navigation is HIGHEST priority: weight 256, exclusive. */
        .h2 = CHROMIUM_H2,
        /* 10: measured on Chromium 156 (browser-wire §1). */
        .request = CHROMIUM_IDENTITY(0),
        /* 11: HTTPS-Upgrades, on by default (measured on Chromium 156,
         * docs/https-upgrades.md): a typed URL with or without its scheme
         * and a link; https gets about 3 s, then falls back; an https
         * error status is shown; the fallback list is kept. */
        .https_upgrades = {.name = "HTTPS-Upgrades",
                           .inputs = DT__INPUT_BIT(DT__INPUT_TYPED) |
                                     DT__INPUT_BIT(DT__INPUT_SCHEMELESS) |
                                     DT__INPUT_BIT(DT__INPUT_LINK),
                           .wait_ms = 3000},
        /* 12: 301/308 without Cache-Control kept for good (measured). */
        .redirect_cache_permanent = 1,
        /* 13-15: measured (browser-wire §2): initiator and current URL,
         * Lax by default with the two minutes, third parties blocked. */
        .samesite_whole_chain = 0,
        .samesite_lax_by_default = 1,
        .block_third_party_cookies = 1,
        /* 16: measured: a br or zstd body over plain http is
         * ERR_CONTENT_DECODING_FAILED (br and zstd are offered only to
         * trustworthy URLs). */
        .unoffered_coding = DT__UNOFFERED_ERROR,
        /* 17: measured: fetch() redirected to a Location with userinfo
         * fails, same-origin too; 17b never reached. */
        .api_location_credentials = DT__API_CREDENTIALS_ERROR,
        .api_auth_retry = 0,
    },
    {
        .name = "fetch",
        .summary = "the letter of WHATWG Fetch and RFC 6797",
        /* 1: Fetch "location URL" step 3: "" parses to the response URL. */
        .empty_location = DT__EMPTY_LOCATION_SELF,
        /* 2/3: "extract header list values" fails when a single-value
         * header appears more than once (location URL step 2). */
        .follow_identical_locations = 0,
        .differing_locations_error = 1,
        /* 4: HTTP-redirect fetch steps 7-8: 20 followed, the 21st fails. */
        .max_redirects = 20,
        /* 4b: the HSTS upgrade only sets the scheme in main fetch; it is
         * not a redirect and uses none of the 20. */
        .synthetic_hops_count = 0,
        .origin_rule = DT__ORIGIN_REDIRECT_TAINT,
        .referrer_policy_case_insensitive = 0,
        .synthetic_hop_recomputes_referrer = 0,
        /* 6: RFC 6797 sets no cap; the store guards overflow. */
        .hsts_max_age_cap = 0,
        .preload_rule = DT__PRELOAD_ANY_ANCESTOR,
        /* 9: the standards fix no HTTP/2 shape; detour's default wire is
         * Chromium's. */
        .h2 = CHROMIUM_H2,
        /* 12: RFC 9111 §4.2.2 lets a cache use heuristic freshness; the
         * fetch profile does what Chromium does with it. */
        .redirect_cache_permanent = 1,
        /* 13: RFC 6265bis §5.2 counts every URL of the redirect chain;
         * 14: lax-by-default is a MAY (§5.6.7.1), the base rule is none;
         * 15: neither Fetch nor the RFC blocks third-party cookies. */
        .samesite_whole_chain = 1,
        .samesite_lax_by_default = 0,
        .block_third_party_cookies = 0,
        /* 10: the standards name the fields (Fetch Metadata, UIR, Fetch's
         * Accept) but not their order or the browser's values: Chromium's,
         * measured; with an initiator the request is fetch()'s, cors mode,
         * as Chromium 156 sends it. */
        .request = CHROMIUM_IDENTITY(1),
        /* 16: Fetch "handle content codings": codings the user agent
         * supports are decoded; nothing there depends on the offer. */
        .unoffered_coding = DT__UNOFFERED_DECODE,
        /* 17: HTTP-redirect fetch steps 9-10; 17b: the 401 step prompts
         * the end user (the use-URL-credentials flag is unset for
         * fetch()), and detour has no user to ask. */
        .api_location_credentials = DT__API_CREDENTIALS_CROSS_ORIGIN_ERROR,
        .api_auth_retry = 0,
    },
    {
        .name = "firefox",
        .summary = "Firefox, measured against Firefox ESR 153",
        /* 1: measured on Firefox ESR 153: an empty Location resolves to the
         * current URL and loops to the limit (Fetch's rule). */
        .empty_location = DT__EMPTY_LOCATION_SELF,
        /* 2/3: nsHttpHeaderArray::SetHeaderFromNet keeps the first of two
         * identical Location fields and fails differing ones
         * (IsSuspectDuplicateHeader: NS_ERROR_CORRUPTED_CONTENT). */
        .follow_identical_locations = 1,
        .differing_locations_error = 1,
        /* 4/4b: measured: a navigation follows 20 redirects and fails on
         * the 21st (NS_ERROR_REDIRECT_LOOP); the HSTS internal redirects
         * count. */
        .max_redirects = 20,
        .synthetic_hops_count = 1,
        /* 5: measured: a cross-origin 307 POST carries the initiator's
         * origin (Fetch's rule), after the HSTS internal redirect too. */
        .origin_rule = DT__ORIGIN_REDIRECT_TAINT,
        /* R1, R2: not measured; Chromium's values, where Firefox was not
         * seen to differ (docs/profiles.md). */
        .referrer_policy_case_insensitive = 1,
        .synthetic_hop_recomputes_referrer = 1,
        /* 6: measured: no 1-year cap (999,999,999 s stored as given); 100
         * years is detour's bound against overflow. */
        .hsts_max_age_cap = 3153600000u,
        /* 8: RFC 6797 §8.2 (any superdomain match with includeSubDomains);
         * not measured. */
        .preload_rule = DT__PRELOAD_ANY_ANCESTOR,
        /* 9: measured pseudo-header order :method :path :authority :scheme
         * and `te: trailers`; SETTINGS and the 12 MiB session window
         * (ASpdySession::kInitialRwin) from Firefox's Http2Session.cpp. */
        .h2 =
            {
                .settings = {{1, 65536}, {2, 0}, {4, 131072}, {5, 16384}},
                .conn_window = 12u * 1024 * 1024,
                .pseudo_order = "mpas",
                .priority = "u=0, i",
                .te_trailers = 1,
            },
        /* 10: measured on Firefox ESR 153 (docs/profiles.md "Request
         * fields"): the user agent, Accept, the navigation's order (Cookie
         * after Connection) and the form POST's, no client hints, no
         * Cache-Control, Priority over HTTP/1.1 too. Inferred (not
         * measured): the later hops keep the first hop's order, a link's
         * Referer sits after Accept-Encoding as in the POST,
         * Accept-Language "en-US,en;q=0.5" (an en-US Firefox's default),
         * fetch()'s fields in the navigation's order. */
        .request =
            {
                .user_agent = "Mozilla/5.0 (X11; Linux x86_64; rv:{v}.0) "
                              "Gecko/20100101 Firefox/{v}.0",
                .major = 153,
                .accept = "text/html,application/xhtml+xml,application/"
                          "xml;q=0.9,*/*;q=0.8",
                .accept_language = "en-US,en;q=0.5",
                .accept_encoding_secure = "gzip, deflate, br, zstd",
                .accept_encoding_plain = "gzip, deflate",
                .priority = "u=0, i",
                /* fetch(): urgency 4, not incremental (Firefox's source
                 * docs, networking/http/prioritization: "Fetch"); not
                 * measured */
                .priority_api = "u=4",
                .order =
                    {
                        [DT__KIND_FIRST] = {UA, ACC, AL, AE, CT, CLEN, REF,
                                            ORIG, CONN, COOK, UIR, SFD, SFM,
                                            SFS, SFU, OTH, PRIO},
                        [DT__KIND_FORM] = {UA, ACC, AL, AE, CT, CLEN, REF, ORIG,
                                           UIR, CONN, COOK, SFD, SFM, SFS, SFU,
                                           OTH, PRIO},
                    },
                .source = "measured, Firefox ESR 153 (some inferred)",
            },
        /* 11: HTTPS-First, on by default in this ESR (measured on
         * Firefox ESR 153; nsHTTPSOnlyUtils, docs/https-upgrades.md): a
         * scheme-less typed name and a link, not a URL typed with http://
         * (which exempts its host: ShouldUpgradeHttpsFirstRequest step
         * 5); after ~2.2 s (measured) a background http probe, whose
         * answer gives https up (TestHTTPAnswerRunnable); a 4xx/5xx https
         * answer falls back (PotentiallyDowngradeHttpsFirstRequest; a 404
         * measured); exemptions last the session (measured). */
        .https_upgrades = {.name = "HTTPS-First",
                           .inputs = DT__INPUT_BIT(DT__INPUT_SCHEMELESS) |
                                     DT__INPUT_BIT(DT__INPUT_LINK),
                           .wait_ms = 2200,
                           .probe = 1,
                           .status_min = 400,
                           .status_max = 599,
                           .session_exemptions = 1,
                           .typed_http_exempts = 1,
                           /* measured: the upgraded link keeps Referer */
                           .referrer_after_upgrade = 1},
        /* 12: 301/308 without Cache-Control are not cached (measured). */
        .redirect_cache_permanent = 0,
        /* 13-14: measured on Firefox ESR 153: SameSite judged on the whole
         * redirect chain, no Lax by default. 15: not measured — Firefox's
         * documented default (Total Cookie Protection, state partitioning)
         * keeps a site's own cookies out of third-party requests
         * (docs/cookies.md). */
        .samesite_whole_chain = 1,
        .samesite_lax_by_default = 0,
        .block_third_party_cookies = 1,
        /* 16: measured: a br or zstd body over plain http is shown raw,
         * not an error (br and zstd were not offered there). */
        .unoffered_coding = DT__UNOFFERED_RAW,
        /* 17: measured: fetch() follows a Location with userinfo to its
         * own origin; a cross-origin one in cors mode fails as in Fetch
         * (inferred: the measurement followed same-origin and no-cors).
         * 17b: measured: the 401 Basic is answered with them. */
        .api_location_credentials = DT__API_CREDENTIALS_CROSS_ORIGIN_ERROR,
        .api_auth_retry = 1,
    },
};

#define PROFILE_COUNT (sizeof profiles / sizeof profiles[0])

const dt__profile *dt__profile_find(const char *name) {
  if (name == NULL) return NULL;
  for (size_t i = 0; i < PROFILE_COUNT; i++)
    if (dt__ascii_ieq(profiles[i].name, name)) return &profiles[i];
  return NULL;
}

const dt__profile *dt__profile_lookup(const char *name) {
  return name ? dt__profile_find(name) : dt__profile_default();
}

const dt__profile *dt__profile_default(void) { return &profiles[0]; }

size_t dt__profile_count(void) { return PROFILE_COUNT; }

const dt__profile *dt__profile_at(size_t i) {
  return i < PROFILE_COUNT ? &profiles[i] : NULL;
}

/* ---- the public view (detour.h) ---------------------------------------- */
size_t dt_profile_count(void) { return PROFILE_COUNT; }
const char *dt_profile_name(size_t i) {
  return i < PROFILE_COUNT ? profiles[i].name : NULL;
}
const char *dt_profile_summary(size_t i) {
  return i < PROFILE_COUNT ? profiles[i].summary : NULL;
}
int dt_profile_exists(const char *name) {
  return dt__profile_lookup(name) != NULL;
}
