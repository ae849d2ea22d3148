/* report.c — an audit result as JSON (one line, docs/audit.md) and as text
 * for people, styled for a terminal by engine/out/style (severities) and
 * with the chains as dt_chain_to_text_ex prints them. Evidence quotes the
 * server's bytes: escaped for terminals. */
#include "engine/audit/audit.h"

#include "engine/out/jsonw.h"
#include "engine/out/style.h"
#include "hsts/base/buf.h"
#include "hsts/base/headers.h"

#include <string.h>

static const dt_hop *ev_hop(const dt_audit_result *r,
                            const dt_audit_finding *f) {
  if (f->chain < 0 || f->chain >= DT_AUDIT_CHAIN_COUNT || f->hop < 0)
    return NULL;
  const dt_chain *ch = r->chains[f->chain];
  if (!ch || (size_t)f->hop >= dt_chain_hop_count(ch)) return NULL;
  return dt_chain_hop(ch, (size_t)f->hop);
}

char *dt_audit_result_to_json(const dt_audit_result *r, int with_chains) {
  if (!r) return NULL;
  dt__jw w;
  dt__jw_init(&w, 0);
  dt__jw_obj_open(&w);
  dt__jw_key(&w, "target");
  dt__jw_str(&w, r->target);
  dt__jw_key(&w, "domain");
  dt__jw_str(&w, r->domain);
  dt__jw_key(&w, "errors");
  dt__jw_uint(&w, r->errors);
  dt__jw_key(&w, "warnings");
  dt__jw_uint(&w, r->warnings);
  if (r->error) {
    dt__jw_key(&w, "error");
    dt__jw_obj_open(&w);
    dt__jw_key(&w, "code");
    dt__jw_str(&w, dt_err_name(r->error));
    dt__jw_key(&w, "class");
    dt__jw_str(&w, dt_err_class_name(dt_err_class_of(r->error)));
    dt__jw_key(&w, "message");
    dt__jw_str(&w, dt_strerror(r->error));
    dt__jw_obj_close(&w);
  }
  dt__jw_key(&w, "findings");
  dt__jw_arr_open(&w);
  for (size_t i = 0; i < r->finding_count; i++) {
    const dt_audit_finding *f = &r->findings[i];
    dt__jw_obj_open(&w);
    dt__jw_key(&w, "code");
    dt__jw_str(&w, f->code);
    dt__jw_key(&w, "severity");
    dt__jw_str(&w, f->severity_name);
    dt__jw_key(&w, "source");
    dt__jw_str(&w, f->source);
    dt__jw_key(&w, "message");
    dt__jw_str(&w, f->message);
    dt__jw_key(&w, "detail");
    dt__jw_str(&w, f->detail);
    dt__jw_key(&w, "hops");
    dt__jw_arr_open(&w);
    const dt_hop *h = ev_hop(r, f);
    if (h) {
      dt__jw_obj_open(&w);
      dt__jw_key(&w, "chain");
      dt__jw_str(&w, dt__audit_chain_name(f->chain));
      dt__jw_key(&w, "hop");
      dt__jw_int(&w, f->hop);
      dt__jw_key(&w, "method");
      dt__jw_str(&w, h->method);
      dt__jw_key(&w, "url");
      dt__jw_str(&w, h->url);
      dt__jw_key(&w, "status");
      if (h->has_response)
        dt__jw_int(&w, h->status);
      else
        dt__jw_null(&w);
      dt__jw_obj_close(&w);
    }
    dt__jw_arr_close(&w);
    dt__jw_key(&w, "fix");
    dt__jw_str(&w, f->fix);
    dt__jw_obj_close(&w);
  }
  dt__jw_arr_close(&w);
  if (r->findings_dropped) {
    dt__jw_key(&w, "findings_dropped");
    dt__jw_uint(&w, r->findings_dropped);
  }
  if (with_chains) {
    dt__jw_key(&w, "chains");
    dt__jw_obj_open(&w);
    for (int i = 0; i < DT_AUDIT_CHAIN_COUNT; i++) {
      if (!r->chains[i]) continue;
      char *cj = dt_chain_to_json(r->chains[i]);
      if (!cj) {
        dt__jw_discard(&w);
        return NULL;
      }
      dt__jw_key(&w, dt__audit_chain_name(i));
      dt__jw_raw(&w, cj);
      dt_free(cj);
    }
    dt__jw_obj_close(&w);
  }
  dt__jw_obj_close(&w);
  return dt__jw_finish(&w);
}

/* "N errors" in the error style when there are any (the same for
 * warnings): the count a reader looks for first. */
static void count_part(dt__buf *t, int color, size_t n, const char *what,
                       dt_text_style style) {
  if (n) dt__style_on(t, color, style);
  dt__buf_printf(t, "%zu %s%s", n, what, n == 1 ? "" : "s");
  if (n) dt__style_off(t, color);
}

/* Each chain the audit made, as `detour fetch` prints one, indented under
 * its name. */
static void chains_part(dt__buf *t, const dt_audit_result *r,
                        const dt_text_options *o) {
  for (int i = 0; i < DT_AUDIT_CHAIN_COUNT; i++) {
    if (!r->chains[i]) continue;
    dt__buf_str(t, "\n");
    dt__style_on(t, o->color, DT_STYLE_HEADING);
    dt__buf_printf(t, "%s chain", dt__audit_chain_name(i));
    dt__style_off(t, o->color);
    dt__buf_str(t, "\n");
    char *ct = dt_chain_to_text_ex(r->chains[i], o);
    if (!ct) {
      t->failed = 1;
      return;
    }
    for (const char *p = ct; *p;) {
      const char *nl = strchr(p, '\n');
      size_t len = nl ? (size_t)(nl - p) : strlen(p);
      dt__buf_str(t, "  ");
      dt__buf_put(t, p, len);
      dt__buf_str(t, "\n");
      p += len + (nl ? 1 : 0);
    }
    dt_free(ct);
  }
}

char *dt_audit_result_to_text(const dt_audit_result *r) {
  return dt_audit_result_to_text_ex(r, NULL);
}

char *dt_audit_result_to_text_ex(const dt_audit_result *r,
                                 const dt_text_options *opt) {
  if (!r) return NULL;
  dt_text_options o;
  dt__text_options_read(&o, opt);
  int color = o.color;
  /* The findings are bounded, so the text is too; the cap only guards
   * against a bug (the chains' text is bounded by the response limits). */
  dt__buf t = dt__buf_make(o.chains ? 64u << 20 : 1u << 22);
  size_t ne = r->errors, nw = r->warnings, ni = r->infos;
  dt__buf_printf(&t, "audit ");
  dt__buf_put_escaped(&t, r->target); /* a line of a --from file: any bytes */
  dt__buf_str(&t, ": ");
  count_part(&t, color, ne, "error", DT_STYLE_ERROR);
  dt__buf_str(&t, ", ");
  count_part(&t, color, nw, "warning", DT_STYLE_WARNING);
  if (r->error) {
    dt__buf_str(&t, " ");
    dt__style_on(&t, color, DT_STYLE_ERROR);
    dt__buf_printf(&t, "(could not run %s: %s)",
                   r->judged ? "everything" : "it", dt_strerror(r->error));
    dt__style_off(&t, color);
  }
  dt__buf_printf(&t, "\n");
  static const char *const heads[3] = {"errors", "warnings", "info"};
  static const dt_text_style styles[3] = {DT_STYLE_ERROR, DT_STYLE_WARNING,
                                          DT_STYLE_INFO};
  for (int s = 0; s < 3; s++) {
    if ((s == 0 && !ne) || (s == 1 && !nw) || (s == 2 && !ni)) continue;
    dt__buf_str(&t, "\n");
    dt__style_on(&t, color, styles[s]);
    dt__buf_str(&t, heads[s]);
    dt__style_off(&t, color);
    dt__buf_str(&t, "\n");
    for (size_t i = 0; i < r->finding_count; i++) {
      const dt_audit_finding *f = &r->findings[i];
      if ((int)f->severity != s) continue;
      dt__buf_str(&t, "  ");
      dt__style_on(&t, color, styles[s]);
      dt__buf_str(&t, f->code);
      dt__style_off(&t, color);
      dt__buf_printf(&t, "  %s\n", f->message);
      if (f->detail[0]) dt__buf_printf(&t, "      detail:   %s\n", f->detail);
      const dt_hop *h = ev_hop(r, f);
      if (h) {
        dt__buf_printf(&t, "      evidence: %s hop %d: %s %s",
                       dt__audit_chain_name(f->chain), f->hop + 1, h->method,
                       h->url);
        if (h->has_response) dt__buf_printf(&t, " -> %d", h->status);
        const char *loc =
            h->has_response ? dt__header_value(h->resp_headers,
                                               h->resp_header_count, "Location")
                            : NULL;
        if (loc) { /* the server's bytes: escaped for the terminal */
          dt__buf_printf(&t, " ");
          dt__buf_put_escaped(&t, loc);
        }
        dt__buf_printf(&t, "\n");
      }
      dt__buf_printf(&t, "      fix:      %s\n", f->fix);
    }
  }
  if (!ne && !nw && r->judged) {
    dt__buf_str(&t, "\n");
    dt__style_on(&t, color, DT_STYLE_OK);
    dt__buf_str(&t, "no errors or warnings");
    dt__style_off(&t, color);
    dt__buf_printf(&t, "%s\n", r->finding_count ? " (info above)" : "");
  }
  if (o.chains) chains_part(&t, r, &o);
  return dt__buf_finish(&t);
}
