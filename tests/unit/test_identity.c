/* test_identity.c — the request fields per kind of hop and profile
 * (engine/nav/identity.c) against the measured orders (docs/profiles.md,
 * "Request fields"): each row is a hop and the exact names it must send,
 * in order; then values, Sec-Fetch-Site's escalation, the caller's fields,
 * and refusals. */
#include "engine/nav/identity.h"

#include "dt_test.h"

#include <stdlib.h>
#include <string.h>

static dt_url *url(const char *s) {
  dt_url *u = NULL;
  if (dt_url_parse(&u, s, strlen(s), NULL)) return NULL;
  return u;
}

/* "A,B,C" of the out's names */
static void names(const dt__identity_out *o, char *buf, size_t cap) {
  size_t n = 0;
  buf[0] = 0;
  for (size_t i = 0; i < o->n && n < cap; i++)
    n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? "," : "", o->f[i].name);
}

static const char *value(const dt__identity_out *o, const char *name) {
  for (size_t i = 0; i < o->n; i++)
    if (strcmp(o->f[i].name, name) == 0) return o->f[i].value;
  return NULL;
}

typedef struct row {
  const char *what, *profile, *initiator, *url, *method;
  dt__hop_kind kind;
  int form, body;
  const char *carried; /* "Name=Value;..." */
  const char *want;    /* the names, in order */
} row;

static const row rows[] = {
    {"chromium typed https", "chromium", NULL, "https://a.test/", "GET",
     DT__KIND_FIRST, 0, 0, "",
     "Connection,sec-ch-ua,sec-ch-ua-mobile,sec-ch-ua-platform,Upgrade-"
     "Insecure-Requests,User-Agent,Accept,Sec-Fetch-Site,Sec-Fetch-Mode,Sec-"
     "Fetch-User,Sec-Fetch-Dest,Accept-Encoding,Accept-Language"},
    {"chromium redirect hop", "chromium", NULL, "https://a.test/", "GET",
     DT__KIND_REDIRECT, 0, 0, "",
     "Connection,Upgrade-Insecure-Requests,User-Agent,Accept,Sec-Fetch-Site,"
     "Sec-Fetch-Mode,Sec-Fetch-User,Sec-Fetch-Dest,sec-ch-ua,sec-ch-ua-"
     "mobile,sec-ch-ua-platform,Accept-Encoding,Accept-Language"},
    {"chromium HTTPS-Upgrades hop", "chromium", NULL, "https://a.test/", "GET",
     DT__KIND_UPGRADE, 0, 0, "",
     "Connection,Upgrade-Insecure-Requests,User-Agent,Accept,sec-ch-ua,sec-"
     "ch-ua-mobile,sec-ch-ua-platform,Sec-Fetch-Site,Sec-Fetch-Mode,Sec-"
     "Fetch-User,Sec-Fetch-Dest,Accept-Encoding,Accept-Language"},
    {"chromium plain http, untrustworthy", "chromium", NULL, "http://a.test/",
     "GET", DT__KIND_FIRST, 0, 0, "",
     "Connection,Upgrade-Insecure-Requests,User-Agent,Accept,Accept-Encoding,"
     "Accept-Language"},
    {"chromium plain http to localhost is trustworthy", "chromium", NULL,
     "http://localhost:8080/", "GET", DT__KIND_FIRST, 0, 0, "",
     "Connection,sec-ch-ua,sec-ch-ua-mobile,sec-ch-ua-platform,Upgrade-"
     "Insecure-Requests,User-Agent,Accept,Sec-Fetch-Site,Sec-Fetch-Mode,Sec-"
     "Fetch-User,Sec-Fetch-Dest,Accept-Encoding,Accept-Language"},
    {"chromium link", "chromium", "https://a.test/page", "https://a.test/x",
     "GET", DT__KIND_FIRST, 0, 0, "Referer=https://a.test/page",
     "Connection,sec-ch-ua,sec-ch-ua-mobile,sec-ch-ua-platform,Upgrade-"
     "Insecure-Requests,User-Agent,Accept,Sec-Fetch-Site,Sec-Fetch-Mode,Sec-"
     "Fetch-User,Sec-Fetch-Dest,Referer,Accept-Encoding,Accept-Language"},
    {"chromium form POST", "chromium", "https://a.test/form",
     "https://a.test/submit", "POST", DT__KIND_FORM, 1, 1,
     "Referer=https://a.test/form;Origin=https://a.test",
     "Connection,Content-Length,Cache-Control,sec-ch-ua,sec-ch-ua-mobile,sec-"
     "ch-ua-"
     "platform,Upgrade-Insecure-Requests,Content-Type,User-Agent,Origin,"
     "Accept,Sec-Fetch-Site,Sec-Fetch-Mode,Sec-Fetch-User,Sec-Fetch-Dest,"
     "Referer,Accept-Encoding,Accept-Language"},
    {"chromium form after 302 (GET, Cache-Control kept)", "chromium",
     "https://a.test/form", "https://a.test/done", "GET", DT__KIND_REDIRECT, 1,
     0, "Referer=https://a.test/form",
     "Connection,Cache-Control,Upgrade-Insecure-Requests,User-Agent,Accept,"
     "Sec-Fetch-Site,Sec-Fetch-Mode,Sec-Fetch-User,Sec-Fetch-Dest,sec-ch-ua,"
     "sec-ch-ua-mobile,sec-ch-ua-platform,Referer,Accept-Encoding,Accept-"
     "Language"},
    {"fetch profile: fetch() with an initiator", "fetch", "https://b.test/",
     "https://a.test/api", "GET", DT__KIND_FIRST, 0, 0,
     "Referer=https://b.test/;Origin=https://b.test",
     "Connection,sec-ch-ua-platform,User-Agent,sec-ch-ua,sec-ch-ua-mobile,"
     "Accept,Origin,Sec-Fetch-Site,Sec-Fetch-Mode,Sec-Fetch-Dest,Referer,"
     "Accept-Encoding,Accept-Language"},
    {"firefox typed https", "firefox", NULL, "https://a.test/", "GET",
     DT__KIND_FIRST, 0, 0, "",
     "User-Agent,Accept,Accept-Language,Accept-Encoding,Connection,Upgrade-"
     "Insecure-Requests,Sec-Fetch-Dest,Sec-Fetch-Mode,Sec-Fetch-Site,Sec-"
     "Fetch-User,Priority"},
    {"firefox form POST", "firefox", "https://a.test/form",
     "https://a.test/submit", "POST", DT__KIND_FORM, 1, 1,
     "Referer=https://a.test/form;Origin=https://a.test",
     "User-Agent,Accept,Accept-Language,Accept-Encoding,Content-Type,"
     "Content-Length,Referer,Origin,Upgrade-Insecure-Requests,Connection,Sec-"
     "Fetch-Dest,Sec-Fetch-Mode,Sec-Fetch-Site,Sec-Fetch-User,Priority"},
    {"firefox plain http", "firefox", NULL, "http://a.test/", "GET",
     DT__KIND_FIRST, 0, 0, "",
     "User-Agent,Accept,Accept-Language,Accept-Encoding,Connection,Upgrade-"
     "Insecure-Requests,Priority"},
};

/* "A=1;B=2" into headers (views into BUF) */
static size_t parse_carried(const char *spec, char *buf, size_t cap,
                            dt_header *h, size_t max) {
  snprintf(buf, cap, "%s", spec);
  size_t n = 0;
  for (char *p = buf; *p && n < max;) {
    char *end = strchr(p, ';');
    if (end) *end = 0;
    char *eq = strchr(p, '=');
    if (eq) {
      *eq = 0;
      h[n].name = p;
      h[n].value = eq + 1;
      n++;
    }
    if (!end) break;
    p = end + 1;
  }
  return n;
}

static void check_rows(void) {
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    const row *r = &rows[i];
    dt__identity_nav nav = {0};
    nav.profile = dt__profile_find(r->profile);
    dt_url *ini = r->initiator ? url(r->initiator) : NULL;
    dt_url *u = url(r->url);
    nav.initiator = ini;
    nav.form = r->form;
    char buf[512];
    dt_header h[8];
    size_t hn = parse_carried(r->carried, buf, sizeof buf, h, 8);
    dt__identity_out o;
    int rc =
        dt__identity_fields(&nav, r->kind, u, r->method, r->body, 6, h, hn, &o);
    CHECK_(rc == 0, "%s: rc %d", r->what, rc);
    char got[1024];
    names(&o, got, sizeof got);
    CHECK_(strcmp(got, r->want) == 0, "%s:\n  got  %s\n  want %s", r->what, got,
           r->want);
    dt_url_free(ini);
    dt_url_free(u);
  }
}

/* Values: UA and client hints with the major version, -A, the Accept per
 * mode, Accept-Encoding per scheme, the form's defaults. */
static void check_values(void) {
  dt__identity_nav nav = {0};
  nav.profile = dt__profile_find("chromium");
  dt_url *u = url("https://a.test/"), *p = url("http://a.test/");
  dt__identity_out o;
  CHECK_INT(
      dt__identity_fields(&nav, DT__KIND_FIRST, u, "GET", 0, 0, NULL, 0, &o),
      0);
  CHECK_STR(value(&o, "User-Agent"),
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
            "Gecko) Chrome/156.0.0.0 Safari/537.36");
  CHECK_STR(value(&o, "sec-ch-ua"),
            "\"Not:A-Brand\";v=\"8\", \"Chromium\";v=\"156\"");
  CHECK_STR(value(&o, "Accept-Encoding"), "gzip, deflate, br, zstd");
  CHECK_STR(value(&o, "Sec-Fetch-Site"), "none");
  CHECK_STR(value(&o, "Connection"), "keep-alive");
  nav.major = 160;
  nav.user_agent = "my-agent/1";
  nav.accept_language = "fr-FR,fr;q=0.9";
  CHECK_INT(
      dt__identity_fields(&nav, DT__KIND_FIRST, p, "GET", 0, 0, NULL, 0, &o),
      0);
  CHECK_STR(value(&o, "User-Agent"), "my-agent/1");
  CHECK(value(&o, "sec-ch-ua") == NULL); /* plain http: no client hints */
  CHECK_STR(value(&o, "Accept-Encoding"), "gzip, deflate");
  CHECK_STR(value(&o, "Accept-Language"), "fr-FR,fr;q=0.9");
  CHECK_INT(
      dt__identity_fields(&nav, DT__KIND_FIRST, u, "GET", 0, 0, NULL, 0, &o),
      0);
  /* -A changes User-Agent only: the hints keep the (configured) version */
  CHECK_STR(value(&o, "sec-ch-ua"),
            "\"Not:A-Brand\";v=\"8\", \"Chromium\";v=\"160\"");
  /* a form POST: length, urlencoded type, Cache-Control */
  nav.form = 1;
  CHECK_INT(
      dt__identity_fields(&nav, DT__KIND_FORM, u, "POST", 1, 3, NULL, 0, &o),
      0);
  CHECK_STR(value(&o, "Content-Length"), "3");
  CHECK_STR(value(&o, "Content-Type"), "application/x-www-form-urlencoded");
  CHECK_STR(value(&o, "Cache-Control"), "max-age=0");
  dt_url_free(u);
  dt_url_free(p);
}

/* Sec-Fetch-Site: the initiator's relation to each URL, escalating only;
 * a typed navigation says none on every hop. */
static void check_site(void) {
  static const char *const chain[] = {"https://a.test/x", "https://b.test/y",
                                      "https://a.test/z"};
  static const char *const want[] = {"same-origin", "cross-site", "cross-site"};
  dt__identity_nav nav = {0};
  nav.profile = dt__profile_default();
  dt_url *ini = url("https://a.test/page");
  nav.initiator = ini;
  for (int i = 0; i < 3; i++) {
    dt_url *u = url(chain[i]);
    dt__identity_out o;
    CHECK_INT(dt__identity_fields(&nav, i ? DT__KIND_REDIRECT : DT__KIND_FIRST,
                                  u, "GET", 0, 0, NULL, 0, &o),
              0);
    CHECK_STR(value(&o, "Sec-Fetch-Site"), want[i]);
    dt_url_free(u);
  }
  dt_url_free(ini);
  /* same-site: another host of the registrable domain; schemeful */
  ini = url("https://sub.a.test/");
  dt_url *same = url("https://a.test/"), *http = url("http://a.test/"),
         *other = url("https://b.test/");
  CHECK_INT(dt__identity_site_rank(ini, same), 2);
  CHECK_INT(dt__identity_site_rank(ini, http), 3);
  CHECK_INT(dt__identity_site_rank(ini, other), 3);
  CHECK_INT(dt__identity_site_rank(same, same), 1);
  dt_url_free(ini);
  dt_url_free(same);
  dt_url_free(http);
  dt_url_free(other);
}

/* The caller's fields: a profile field's name replaces its value in place,
 * others come after the profile's (before Cookie), an empty value removes
 * the field; CR or LF anywhere is refused. */
static void check_caller(void) {
  dt__identity_nav nav = {0};
  nav.profile = dt__profile_default();
  dt_url *u = url("https://a.test/");
  dt_header h[] = {{"accept-language", "de"},
                   {"X-Extra", "1"},
                   {"Accept-Encoding", ""},
                   {"Cookie", "a=1"}};
  dt__identity_out o;
  CHECK_INT(dt__identity_fields(&nav, DT__KIND_FIRST, u, "GET", 0, 0, h, 4, &o),
            0);
  char got[1024];
  names(&o, got, sizeof got);
  CHECK_STR(got, "Connection,sec-ch-ua,sec-ch-ua-mobile,sec-ch-ua-platform,"
                 "Upgrade-Insecure-Requests,User-Agent,Accept,Sec-Fetch-Site,"
                 "Sec-Fetch-Mode,Sec-Fetch-User,Sec-Fetch-Dest,accept-language,"
                 "X-Extra,Cookie");
  CHECK_STR(value(&o, "accept-language"), "de");
  dt_header bad[] = {{"X-Evil", "a\r\nInjected: 1"}};
  CHECK_INT(
      dt__identity_fields(&nav, DT__KIND_FIRST, u, "GET", 0, 0, bad, 1, &o),
      DT_EINVAL);
  nav.user_agent = "ua\nInjected: 1";
  CHECK_INT(
      dt__identity_fields(&nav, DT__KIND_FIRST, u, "GET", 0, 0, NULL, 0, &o),
      DT_EINVAL);
  dt_url_free(u);
}

/* The same hops for every profile (docs/conformance.md "Request fields,
 * codings and credentials per profile"): one scenario per row, the names
 * each profile must send in order — chromium's and fetch's measured on
 * Chromium 156, firefox's on Firefox ESR 153 (first and form orders; the
 * redirect hop's is inferred) — then the values that differ. */
#define CH3 "sec-ch-ua,sec-ch-ua-mobile,sec-ch-ua-platform,"
#define SF4 "Sec-Fetch-Site,Sec-Fetch-Mode,Sec-Fetch-User,Sec-Fetch-Dest,"
#define FF_SF "Sec-Fetch-Dest,Sec-Fetch-Mode,Sec-Fetch-Site,Sec-Fetch-User,"
#define FF_HEAD "User-Agent,Accept,Accept-Language,Accept-Encoding,"
#define CR_FIRST                                                               \
  "Connection," CH3 "Upgrade-Insecure-Requests,User-Agent,Accept," SF4
#define CR_REDIRECT                                                            \
  "Connection,Upgrade-Insecure-Requests,User-Agent,Accept," SF4 CH3
#define FF_FIRST FF_HEAD "Connection,Upgrade-Insecure-Requests," FF_SF
#define CR_API                                                                 \
  "Connection,sec-ch-ua-platform,User-Agent,sec-ch-ua,sec-ch-ua-mobile,"       \
  "Accept,Origin,Sec-Fetch-Site,Sec-Fetch-Mode,Sec-Fetch-Dest,Referer,"        \
  "Accept-Encoding,Accept-Language"

typedef struct conf_row {
  const char *what, *initiator, *url, *method;
  dt__hop_kind kind;
  int form, body, mode;
  const char *carried;
  const char *want[3]; /* chromium, fetch, firefox */
} conf_row;

static const char *const profiles3[3] = {"chromium", "fetch", "firefox"};

static const conf_row conf[] = {
    {"typed https",
     NULL,
     "https://a.test/",
     "GET",
     DT__KIND_FIRST,
     0,
     0,
     0,
     "",
     {CR_FIRST "Accept-Encoding,Accept-Language",
      CR_FIRST "Accept-Encoding,Accept-Language", FF_FIRST "Priority"}},
    {"redirect hop",
     NULL,
     "https://b.test/",
     "GET",
     DT__KIND_REDIRECT,
     0,
     0,
     0,
     "",
     {CR_REDIRECT "Accept-Encoding,Accept-Language",
      CR_REDIRECT "Accept-Encoding,Accept-Language", FF_FIRST "Priority"}},
    {"plain http, untrustworthy",
     NULL,
     "http://a.test/",
     "GET",
     DT__KIND_FIRST,
     0,
     0,
     0,
     "",
     {"Connection,Upgrade-Insecure-Requests,User-Agent,Accept,Accept-"
      "Encoding,Accept-Language",
      "Connection,Upgrade-Insecure-Requests,User-Agent,Accept,Accept-"
      "Encoding,Accept-Language",
      FF_HEAD "Connection,Upgrade-Insecure-Requests,Priority"}},
    {"plain http to localhost (trustworthy)",
     NULL,
     "http://localhost:8080/",
     "GET",
     DT__KIND_FIRST,
     0,
     0,
     0,
     "",
     {CR_FIRST "Accept-Encoding,Accept-Language",
      CR_FIRST "Accept-Encoding,Accept-Language", FF_FIRST "Priority"}},
    {"link (a navigation)",
     "https://a.test/page",
     "https://a.test/x",
     "GET",
     DT__KIND_FIRST,
     0,
     0,
     DT_MODE_NAVIGATE,
     "Referer=https://a.test/page",
     {CR_FIRST "Referer,Accept-Encoding,Accept-Language",
      CR_FIRST "Referer,Accept-Encoding,Accept-Language",
      FF_HEAD "Referer,Connection,Upgrade-Insecure-Requests," FF_SF
              "Priority"}},
    {"form POST",
     "https://a.test/form",
     "https://a.test/submit",
     "POST",
     DT__KIND_FORM,
     1,
     1,
     DT_MODE_NAVIGATE,
     "Referer=https://a.test/form;Origin=https://a.test",
     {"Connection,Content-Length,Cache-Control," CH3
      "Upgrade-Insecure-Requests,Content-Type,User-Agent,Origin,Accept," SF4
      "Referer,Accept-Encoding,Accept-Language",
      "Connection,Content-Length,Cache-Control," CH3
      "Upgrade-Insecure-Requests,Content-Type,User-Agent,Origin,Accept," SF4
      "Referer,Accept-Encoding,Accept-Language",
      FF_HEAD "Content-Type,Content-Length,Referer,Origin,Upgrade-Insecure-"
              "Requests,Connection," FF_SF "Priority"}},
    {"form POST after a 302 (GET)",
     "https://a.test/form",
     "https://a.test/done",
     "GET",
     DT__KIND_REDIRECT,
     1,
     0,
     DT_MODE_NAVIGATE,
     "Referer=https://a.test/form",
     {"Connection,Cache-Control,Upgrade-Insecure-Requests,User-Agent,"
      "Accept," SF4 CH3 "Referer,Accept-Encoding,Accept-Language",
      "Connection,Cache-Control,Upgrade-Insecure-Requests,User-Agent,"
      "Accept," SF4 CH3 "Referer,Accept-Encoding,Accept-Language",
      FF_HEAD "Referer,Connection,Upgrade-Insecure-Requests," FF_SF
              "Priority"}},
    {"fetch() (cors mode)",
     "https://b.test/",
     "https://a.test/api",
     "GET",
     DT__KIND_FIRST,
     0,
     0,
     DT_MODE_CORS,
     "Referer=https://b.test/;Origin=https://b.test",
     {CR_API, CR_API,
      FF_HEAD "Referer,Origin,Connection,Sec-Fetch-Dest,Sec-Fetch-Mode,Sec-"
              "Fetch-Site,Priority"}},
};

/* Each differing value, per profile: {field, chromium, fetch, firefox};
 * NULL: the field is not sent. */
typedef struct conf_value {
  const char *scenario, *field, *v[3];
} conf_value;

#define CR_UA                                                                  \
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "    \
  "Chrome/156.0.0.0 Safari/537.36"
#define CR_ACCEPT                                                              \
  "text/html,application/xhtml+xml,application/xml;q=0.9,image/jxl,image/"     \
  "avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q="   \
  "0.7"
#define CR_CH "\"Not:A-Brand\";v=\"8\", \"Chromium\";v=\"156\""

static const conf_value conf_values[] = {
    {"typed https",
     "User-Agent",
     {CR_UA, CR_UA,
      "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 "
      "Firefox/153.0"}},
    {"typed https",
     "Accept",
     {CR_ACCEPT, CR_ACCEPT,
      "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}},
    {"typed https",
     "Accept-Language",
     {"en-US,en;q=0.9", "en-US,en;q=0.9", "en-US,en;q=0.5"}},
    {"typed https", "sec-ch-ua", {CR_CH, CR_CH, NULL}},
    {"typed https", "sec-ch-ua-platform", {"\"Linux\"", "\"Linux\"", NULL}},
    {"typed https", "Priority", {NULL, NULL, "u=0, i"}},
    {"typed https",
     "Accept-Encoding",
     {"gzip, deflate, br, zstd", "gzip, deflate, br, zstd",
      "gzip, deflate, br, zstd"}},
    {"typed https", "Sec-Fetch-User", {"?1", "?1", "?1"}},
    {"redirect hop", "Priority", {NULL, NULL, "u=0, i"}},
    {"plain http, untrustworthy",
     "Accept-Encoding",
     {"gzip, deflate", "gzip, deflate", "gzip, deflate"}},
    {"plain http, untrustworthy", "Sec-Fetch-Site", {NULL, NULL, NULL}},
    {"plain http, untrustworthy", "Priority", {NULL, NULL, "u=0, i"}},
    {"plain http to localhost (trustworthy)",
     "Accept-Encoding",
     {"gzip, deflate, br, zstd", "gzip, deflate, br, zstd",
      "gzip, deflate, br, zstd"}},
    {"form POST", "Cache-Control", {"max-age=0", "max-age=0", NULL}},
    {"form POST",
     "Content-Type",
     {"application/x-www-form-urlencoded", "application/x-www-form-urlencoded",
      "application/x-www-form-urlencoded"}},
    {"form POST after a 302 (GET)",
     "Cache-Control",
     {"max-age=0", "max-age=0", NULL}},
    {"fetch() (cors mode)", "Accept", {"*/*", "*/*", "*/*"}},
    {"fetch() (cors mode)", "Sec-Fetch-Mode", {"cors", "cors", "cors"}},
    {"fetch() (cors mode)", "Sec-Fetch-Dest", {"empty", "empty", "empty"}},
    {"fetch() (cors mode)", "Sec-Fetch-User", {NULL, NULL, NULL}},
    {"fetch() (cors mode)", "Upgrade-Insecure-Requests", {NULL, NULL, NULL}},
    {"fetch() (cors mode)", "Priority", {NULL, NULL, "u=4"}},
};

static int conf_fields(const conf_row *r, int pi, dt__identity_out *o) {
  dt__identity_nav nav = {0};
  nav.profile = dt__profile_find(profiles3[pi]);
  dt_url *ini = r->initiator ? url(r->initiator) : NULL;
  dt_url *u = url(r->url);
  nav.initiator = ini;
  nav.form = r->form;
  nav.mode = r->mode;
  /* O keeps views of the carried fields: they must outlive this call */
  static char buf[512];
  static dt_header h[8];
  size_t hn = parse_carried(r->carried, buf, sizeof buf, h, 8);
  int rc =
      dt__identity_fields(&nav, r->kind, u, r->method, r->body, 6, h, hn, o);
  dt_url_free(ini);
  dt_url_free(u);
  return rc;
}

static void check_conformance(void) {
  for (size_t i = 0; i < sizeof conf / sizeof conf[0]; i++)
    for (int pi = 0; pi < 3; pi++) {
      dt__identity_out o;
      int rc = conf_fields(&conf[i], pi, &o);
      CHECK_(rc == 0, "%s/%s: rc %d", conf[i].what, profiles3[pi], rc);
      char got[1024];
      names(&o, got, sizeof got);
      CHECK_(strcmp(got, conf[i].want[pi]) == 0, "%s/%s:\n  got  %s\n  want %s",
             conf[i].what, profiles3[pi], got, conf[i].want[pi]);
    }
  for (size_t k = 0; k < sizeof conf_values / sizeof conf_values[0]; k++) {
    const conf_value *cv = &conf_values[k];
    const conf_row *r = NULL;
    for (size_t i = 0; i < sizeof conf / sizeof conf[0]; i++)
      if (strcmp(conf[i].what, cv->scenario) == 0) r = &conf[i];
    CHECK_(r != NULL, "no scenario %s", cv->scenario);
    if (!r) continue;
    for (int pi = 0; pi < 3; pi++) {
      dt__identity_out o;
      CHECK_INT(conf_fields(r, pi, &o), 0);
      const char *got = value(&o, cv->field);
      if (cv->v[pi] == NULL)
        CHECK_(got == NULL, "%s/%s: %s is %s, want none", r->what,
               profiles3[pi], cv->field, got);
      else
        CHECK_(got && strcmp(got, cv->v[pi]) == 0, "%s/%s: %s is %s, want %s",
               r->what, profiles3[pi], cv->field, got ? got : "(none)",
               cv->v[pi]);
    }
  }
}

int main(void) {
  check_rows();
  check_conformance();
  check_values();
  check_site();
  check_caller();
  return dt_test_summary("test_identity");
}
