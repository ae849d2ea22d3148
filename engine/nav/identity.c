/* identity.c — see identity.h. The values and orders are the profile's
 * (engine/profile.c); the rules that choose among them are here, each with
 * its source:
 *   - client hints and Sec-Fetch-* only to potentially trustworthy URLs
 *     (Client Hints §3.1 secure contexts; Fetch Metadata §2: "only sent to
 *     potentially trustworthy URLs"), as measured on Chromium 156;
 *   - Accept-Encoding with br and zstd only to those as well (measured);
 *   - Sec-Fetch-Site: "none" for a user-typed navigation on every hop;
 *     with an initiator, the initiator's relation to each URL of the
 *     chain, escalating only (Fetch Metadata §2.1 "set the Sec-Fetch-Site
 *     header", which walks the request's URL list);
 *   - fetch() (cors mode): Sec-Fetch-Mode cors, Dest empty, Accept of any
 *     type, no Upgrade-Insecure-Requests or Sec-Fetch-User (measured). */
#include "engine/nav/identity.h"

#include "engine/nav/referrer.h"
#include "engine/net/wire.h"
#include "hsts/base/ascii.h"

#include <libpsl.h>
#include <stdio.h>
#include <string.h>

static const char *const names[DT__F_COUNT] = {
    [DT__F_CONNECTION] = "Connection",
    [DT__F_CONTENT_LENGTH] = "Content-Length",
    [DT__F_CACHE_CONTROL] = "Cache-Control",
    [DT__F_CH_UA] = "sec-ch-ua",
    [DT__F_CH_UA_MOBILE] = "sec-ch-ua-mobile",
    [DT__F_CH_UA_PLATFORM] = "sec-ch-ua-platform",
    [DT__F_UPGRADE_INSECURE] = "Upgrade-Insecure-Requests",
    [DT__F_CONTENT_TYPE] = "Content-Type",
    [DT__F_USER_AGENT] = "User-Agent",
    [DT__F_ORIGIN] = "Origin",
    [DT__F_ACCEPT] = "Accept",
    [DT__F_SEC_FETCH_SITE] = "Sec-Fetch-Site",
    [DT__F_SEC_FETCH_MODE] = "Sec-Fetch-Mode",
    [DT__F_SEC_FETCH_USER] = "Sec-Fetch-User",
    [DT__F_SEC_FETCH_DEST] = "Sec-Fetch-Dest",
    [DT__F_REFERER] = "Referer",
    [DT__F_ACCEPT_ENCODING] = "Accept-Encoding",
    [DT__F_ACCEPT_LANGUAGE] = "Accept-Language",
    [DT__F_PRIORITY] = "Priority",
    [DT__F_COOKIE] = "Cookie",
};

const char *dt__identity_field_name(dt__field f) {
  return f > DT__F_END && f < DT__F_COUNT ? names[f] : NULL;
}

static const char *const site_words[] = {"none", "same-origin", "same-site",
                                         "cross-site"};

/* The registrable domain of URL's host (an IP or a name that is a public
 * suffix itself: the host). */
static const char *site_of(const dt_url *u) {
  const char *h = dt_url_get(u, DT_URL_HOSTNAME);
  if (dt_url_host_kind(u) != DT_HOST_DOMAIN) return h;
  const char *r = psl_registrable_domain(psl_builtin(), h);
  return r ? r : h;
}

int dt__identity_site_rank(const dt_url *initiator, const dt_url *url) {
  if (dt_url_same_origin(initiator, url)) return 1;
  /* schemeful same-site (HTML "same site"): the scheme counts */
  if (strcmp(dt_url_scheme(initiator), dt_url_scheme(url)) == 0 &&
      strcmp(site_of(initiator), site_of(url)) == 0)
    return 2;
  return 3;
}

int dt__identity_is_api(const dt__identity_nav *nav) {
  if (!nav->initiator) return 0; /* fetch() runs in a page */
  return nav->mode == DT_MODE_CORS ||
         (nav->mode == DT_MODE_DEFAULT &&
          nav->profile->request.cors_with_initiator);
}

/* "{v}" in FMT becomes MAJOR. */
static void with_major(char *out, size_t cap, const char *fmt, unsigned major) {
  size_t n = 0;
  out[0] = 0;
  for (const char *p = fmt; *p && n + 1 < cap;) {
    if (p[0] == '{' && p[1] == 'v' && p[2] == '}') {
      int k = snprintf(out + n, cap - n, "%u", major);
      if (k < 0 || (size_t)k >= cap - n) break;
      n += (size_t)k;
      p += 3;
    } else {
      out[n++] = *p++;
    }
  }
  out[n < cap ? n : cap - 1] = 0;
}

/* The carried field named NAME (the last one: a caller's -H replaces what
 * came before), or NULL. */
static const dt_header *carried_field(const dt_header *c, size_t n,
                                      const char *name) {
  const dt_header *found = NULL;
  for (size_t i = 0; i < n; i++)
    if (dt__ascii_ieq(c[i].name, name)) found = &c[i];
  return found;
}

static int slot_of_name(const char *name) {
  for (int f = DT__F_END + 1; f < DT__F_COUNT; f++)
    if (names[f] && dt__ascii_ieq(name, names[f])) return f;
  return 0;
}

static int put(dt__identity_out *out, const char *name, const char *value,
               const char *why) {
  if (out->n == DT__IDENTITY_MAX_FIELDS) return DT_EINVAL;
  if (!dt__wire_token(name) || !dt__wire_value(value)) return DT_EINVAL;
  out->f[out->n].name = name;
  out->f[out->n].value = value;
  out->why[out->n] = why;
  out->n++;
  return 0;
}

int dt__identity_fields(dt__identity_nav *nav, dt__hop_kind kind,
                        const dt_url *url, const char *method, int send_body,
                        size_t body_len, const dt_header *carried,
                        size_t carried_count, dt__identity_out *out) {
  const dt__identity *id = &nav->profile->request;
  memset(out, 0, sizeof *out);
  int api = dt__identity_is_api(nav);
  out->api = api;
  if (api) kind = DT__KIND_API;
  const dt__field *order =
      id->order[kind][0] ? id->order[kind] : id->order[DT__KIND_FIRST];
  int secure = dt__url_is_potentially_trustworthy(url);
  unsigned major = nav->major ? nav->major : id->major;
  /* Sec-Fetch-Site escalates over the chain (this URL included). */
  if (nav->initiator) {
    int r = dt__identity_site_rank(nav->initiator, url);
    if (r > nav->site_rank) nav->site_rank = r;
    snprintf(out->why_site, sizeof out->why_site,
             "Fetch Metadata: the initiator %.100s is %s with this URL; the "
             "value only escalates over the chain (now %s)",
             dt_url_get(nav->initiator, DT_URL_HREF), site_words[r],
             site_words[nav->site_rank]);
  } else {
    snprintf(out->why_site, sizeof out->why_site,
             "Fetch Metadata: typed by the user, none on every hop");
  }
  const char *prof = "profile (docs/profiles.md, request fields)";
  int rc = 0;
  /* a caller's Host stays the client's to place first */
  const dt_header *host = carried_field(carried, carried_count, "Host");
  if (host && host->value[0])
    rc = put(out, host->name, host->value, "caller (-H Host)");
  for (size_t k = 0; !rc && k < DT__IDENTITY_MAX_SLOTS && order[k]; k++) {
    dt__field f = order[k];
    const char *value = NULL, *why = prof;
    switch (f) {
    case DT__F_CONNECTION: value = "keep-alive"; break;
    case DT__F_CONTENT_LENGTH:
      /* RFC 9110 §8.6: with a body, and for POST/PUT even without. */
      if (send_body || strcmp(method, "POST") == 0 ||
          strcmp(method, "PUT") == 0) {
        snprintf(out->clen, sizeof out->clen, "%zu",
                 send_body ? body_len : (size_t)0);
        value = out->clen;
        why = "RFC 9110 §8.6: the body's length";
      }
      break;
    case DT__F_CACHE_CONTROL:
      if (nav->form && id->form_cache_control && !api) {
        value = "max-age=0";
        why = "profile: a form POST's navigation, on every hop (measured)";
      }
      break;
    case DT__F_CH_UA:
      if (id->ch_ua && secure) {
        with_major(out->ch_ua, sizeof out->ch_ua, id->ch_ua, major);
        value = out->ch_ua;
        why = "profile: client hints, to trustworthy URLs only";
      }
      break;
    case DT__F_CH_UA_MOBILE:
      if (id->ch_ua && secure) value = id->ch_ua_mobile;
      break;
    case DT__F_CH_UA_PLATFORM:
      if (id->ch_ua && secure) value = id->ch_ua_platform;
      break;
    case DT__F_UPGRADE_INSECURE:
      if (!api) {
        value = "1";
        why = "Upgrade Insecure Requests §3.2: navigations say they prefer "
              "https";
      }
      break;
    case DT__F_CONTENT_TYPE:
      /* a form's body without a caller's type is urlencoded (HTML form
       * submission) */
      if (send_body && !api) value = "application/x-www-form-urlencoded";
      break;
    case DT__F_USER_AGENT:
      with_major(out->ua, sizeof out->ua, id->user_agent, major);
      value = out->ua;
      if (nav->user_agent) {
        value = nav->user_agent;
        why = "-A/--user-agent: User-Agent only (client hints unchanged)";
      }
      break;
    case DT__F_ACCEPT: value = api ? "*/*" : id->accept; break;
    case DT__F_SEC_FETCH_SITE:
      if (secure) {
        value = site_words[nav->initiator ? nav->site_rank : 0];
        why = out->why_site;
      }
      break;
    case DT__F_SEC_FETCH_MODE:
      if (secure) value = api ? "cors" : "navigate";
      break;
    case DT__F_SEC_FETCH_USER:
      if (secure && !api) {
        value = "?1";
        why = "Fetch Metadata: a user's navigation (typed or clicked)";
      }
      break;
    case DT__F_SEC_FETCH_DEST:
      if (secure) value = api ? "empty" : "document";
      break;
    case DT__F_ACCEPT_ENCODING:
      value = secure ? id->accept_encoding_secure : id->accept_encoding_plain;
      why = secure ? "profile: https or trustworthy: br and zstd offered"
                   : "profile: plain http: gzip and deflate only";
      break;
    case DT__F_ACCEPT_LANGUAGE:
      value = nav->accept_language ? nav->accept_language : id->accept_language;
      break;
    case DT__F_PRIORITY:
      /* RFC 9218 urgency: a document's, or fetch()'s */
      value = api ? id->priority_api : id->priority;
      break;
    default: break;
    }
    if (f == DT__F_OTHERS) {
      /* the caller's fields no slot names, in their order */
      for (size_t i = 0; !rc && i < carried_count; i++) {
        const char *nm = carried[i].name;
        if (slot_of_name(nm) || dt__ascii_ieq(nm, "Host") ||
            !carried[i].value[0] ||
            carried_field(carried, carried_count, nm) != &carried[i])
          continue;
        rc = put(out, nm, carried[i].value, "caller (-H)");
      }
      continue;
    }
    const char *name = names[f];
    /* a carried field of the slot's name takes its place: the caller's
     * value (an empty one removes the field), Referer and Origin from the
     * redirect rules */
    const dt_header *c = carried_field(carried, carried_count, name);
    if (f == DT__F_CONTENT_LENGTH) c = NULL; /* computed, never the caller's */
    if (c) {
      if (!c->value[0]) continue;
      name = c->name;
      value = c->value;
      why = f == DT__F_REFERER || f == DT__F_ORIGIN
                ? "the redirect rules (see the hop's steps)"
            : f == DT__F_COOKIE && nav->cookie_from_jar
                ? (nav->cookie_from_caller
                       ? "caller (-H), then the cookie jar's (RFC 6265bis "
                         "§5.8.3), in the profile's place"
                       : "the cookie jar (RFC 6265bis §5.8.3; see the hop's "
                         "cookies), in the profile's place")
                : "caller (-H), in the profile's place";
    }
    if (value) rc = put(out, name, value, why);
  }
  return rc;
}
