/* decision_text.c — see decision_text.h. */
#include "engine/out/decision_text.h"

#include <string.h>

void dt__decision_text(dt__buf *b, const dt_hsts_decision *d) {
  if (d->source == DT_HSTS_SOURCE_PRELOAD) {
    dt__buf_printf(b, "HSTS: preload entry %s%s (list %s)", d->entry,
                   d->include_subdomains ? ", includeSubDomains" : "",
                   d->list_date);
    return;
  }
  char exp[32] = "never";
  if (d->expires_ms != DT_HSTS_NEVER) dt_time_format(d->expires_ms, exp);
  dt__buf_printf(b, "HSTS: dynamic entry %s%s (expires %s)", d->entry,
                 d->include_subdomains ? ", includeSubDomains" : "", exp);
}

void dt__sts_text(dt__buf *b, const dt_sts_note *n) {
  if (!n) return;
  switch (n->outcome) {
  case DT_STS_NOTED:
    dt__buf_printf(b, "STS noted: %s max-age=%llu%s", n->host,
                   (unsigned long long)n->max_age,
                   n->include_subdomains ? " includeSubDomains" : "");
    break;
  case DT_STS_DELETED:
    dt__buf_printf(b, "STS max-age=0: entry for %s deleted", n->host);
    break;
  case DT_STS_NOTHING:
    dt__buf_printf(b, "STS max-age=0: no entry for %s", n->host);
    break;
  case DT_STS_REJECTED:
    dt__buf_printf(b, "STS header rejected: %s at byte %zu", n->code,
                   n->offset);
    break;
  case DT_STS_REFUSED_HOST:
    dt__buf_printf(b, "STS header not noted: %s", n->message);
    break;
  case DT_STS_IGNORED:
    dt__buf_printf(b, "STS header ignored (%s)", n->ignored);
    break;
  }
}

/* The steps joined by "; ", the first one without PREFIX (the synthetic
 * hop's decision already said "HSTS: "). */
static void steps_text(dt__buf *b, const dt_hop *h, const char *prefix) {
  for (size_t i = 0; i < h->step_count; i++) {
    const char *t = h->steps[i].text;
    if (i == 0 && prefix && strncmp(t, prefix, strlen(prefix)) == 0)
      t += strlen(prefix);
    dt__buf_printf(b, "%s%s", i ? "; " : "", t);
  }
}

static void sep(dt__buf *b, size_t mark) {
  if (b->len > mark) dt__buf_str(b, "; ");
}

void dt__hop_note(dt__buf *b, const dt_hop *h) {
  size_t mark = b->len;
  if (h->upgrade) {
    dt__decision_text(b, h->upgrade);
    sep(b, mark);
    steps_text(b, h, "HSTS: ");
    return;
  }
  steps_text(b, h, NULL);
  if (h->sts) {
    sep(b, mark);
    dt__sts_text(b, h->sts);
  }
  if (h->permanent_redirect_cached) {
    sep(b, mark);
    dt__buf_str(b, "a browser caches this redirect for good (no "
                   "Cache-Control or Expires)");
  }
}

static void line(dt__buf *b, const char *text, const char *rule) {
  dt__buf_printf(b, "  - %s  [%s]\n", text, rule ? rule : "");
}

void dt__hop_explain(dt__buf *b, const dt_hop *h) {
  dt__buf first = dt__buf_make(0);
  if (h->upgrade) {
    dt__buf d = dt__buf_make(0);
    dt__decision_text(&d, h->upgrade);
    const char *t = d.p ? d.p : "";
    if (strncmp(t, "HSTS: ", 6) == 0) t += 6;
    dt__buf_printf(&first, "%s is a Known HSTS Host: %s", h->upgrade->host, t);
    dt__buf_free(&d);
    line(b, first.p ? first.p : "",
         "RFC 6797 §8.2; docs/decisions.md knob 7 (dynamic, then preload)");
  } else if (h->sts) {
    dt__sts_text(&first, h->sts);
    line(b, first.p ? first.p : "", "RFC 6797 §8.1");
  }
  dt__buf_free(&first);
  for (size_t i = 0; i < h->step_count; i++)
    line(b, h->steps[i].text, h->steps[i].rule);
  /* cookies: each one matched, and each Set-Cookie (docs/cookies.md) */
  for (size_t i = 0; i < h->cookie_count; i++) {
    const dt_hop_cookie *c = &h->cookies[i];
    dt__buf t = dt__buf_make(0);
    dt__buf_printf(&t, "cookie %s (%s%s): %s", c->name, c->domain, c->path,
                   c->blocked ? "held back" : "sent");
    if (c->blocked) dt__buf_printf(&t, ", %s", c->blocked);
    line(b, t.p ? t.p : "", c->why);
    dt__buf_free(&t);
  }
  for (size_t i = 0; i < h->set_cookie_count; i++) {
    const dt_hop_set_cookie *c = &h->set_cookies[i];
    dt__buf t = dt__buf_make(0);
    dt__buf_printf(&t, "Set-Cookie %s: %s%s%s", c->name ? c->name : "?",
                   c->outcome, c->reason ? ", " : "",
                   c->reason ? c->reason : "");
    line(b, t.p ? t.p : "", c->why);
    dt__buf_free(&t);
  }
}
