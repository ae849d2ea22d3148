/* chain_text.c — the chain for people: one hop a line with its why
 * (dt_chain_to_text, styled for a terminal by dt_chain_to_text_ex), and
 * every decision with its rule (--explain, dt_chain_to_explain). Bytes
 * from the network are escaped: a hostile server must not drive the
 * user's terminal, and the only escape sequences in the text are the
 * styles of style.h. */
#include "detour.h"
#include "engine/out/decision_text.h"
#include "engine/out/style.h"
#include "hsts/base/ascii.h"

#include <string.h>

#define TEXT_MAX (64u << 20) /* a bug guard: chains are bounded already */

/* What the hop's cookies did, in a line or two: the ones sent, the ones
 * held back and why, and each Set-Cookie's outcome (docs/cookies.md). */
static void cookies_line(dt__buf *b, const dt_hop *h) {
  size_t sent = 0, held = 0;
  for (size_t i = 0; i < h->cookie_count; i++)
    h->cookies[i].blocked ? held++ : sent++;
  for (int pass = 0; pass < 2; pass++) {
    if (!(pass ? held : sent)) continue;
    dt__buf_printf(b, pass ? "    cookies held back: " : "    cookies sent: ");
    size_t k = 0;
    for (size_t i = 0; i < h->cookie_count; i++) {
      const dt_hop_cookie *c = &h->cookies[i];
      if (!c->blocked != !pass) continue;
      if (k++) dt__buf_str(b, ", ");
      dt__buf_put_escaped(b, c->name[0] ? c->name : "(no name)");
      if (pass) dt__buf_printf(b, " (%s)", c->blocked);
    }
    dt__buf_str(b, "\n");
  }
  for (size_t i = 0; i < h->set_cookie_count; i++) {
    const dt_hop_set_cookie *c = &h->set_cookies[i];
    dt__buf_str(b, "    set-cookie ");
    dt__buf_put_escaped(b, c->name ? (c->name[0] ? c->name : "(no name)")
                                   : "(unparsed)");
    dt__buf_printf(b, ": %s", c->outcome);
    if (c->reason) dt__buf_printf(b, " (%s)", c->reason);
    if (c->domain && strcmp(c->outcome, "rejected") != 0) {
      dt__buf_str(b, " for ");
      dt__buf_put_escaped(b, c->domain);
      dt__buf_put_escaped(b, c->path ? c->path : "");
    }
    dt__buf_str(b, "\n");
  }
}

/* The status and reason: a hop detour made itself (the HSTS 307, a
 * cached redirect) in the internal style, others by their class. */
static void status_part(dt__buf *b, int color, const dt_hop *h) {
  dt__style_on(b, color,
               h->synthetic || h->from_cache ? DT_STYLE_INTERNAL
                                             : dt__style_for_status(h->status));
  dt__buf_printf(b, "%d ", h->status);
  dt__buf_put_escaped(b, h->reason);
  dt__style_off(b, color);
}

static void hop_line(dt__buf *b, int color, size_t i, const dt_hop *h) {
  dt__buf_printf(b, "%2zu  %-6s ", i + 1, h->method ? h->method : "?");
  dt__buf_put_escaped(b, h->url);
  dt__buf_printf(b, "\n    ");
  if (h->has_response) {
    status_part(b, color, h);
  } else {
    dt__style_on(b, color, DT_STYLE_ERROR);
    dt__buf_printf(b, "(no response)");
    dt__style_off(b, color);
  }
  if (h->from_cache || h->synthetic) {
    dt__buf_str(b, "  ");
    dt__style_on(b, color, DT_STYLE_INTERNAL);
    dt__buf_str(b, h->from_cache ? "[from the redirect cache: nothing sent]"
                                 : "[internal: nothing sent]");
    dt__style_off(b, color);
  } else if (h->conn && h->conn->remote_addr) {
    dt__buf_printf(b, "  %s %s", h->conn->reused ? "reused" : "new",
                   h->conn->remote_addr);
    if (h->conn->tls_version) {
      dt__buf_printf(b, " %s", h->conn->tls_version);
      if (h->conn->cert_verified) {
        dt__buf_str(b, " verified");
      } else {
        dt__buf_str(b, " ");
        dt__style_on(b, color, DT_STYLE_WARNING);
        dt__buf_str(b, "UNVERIFIED");
        dt__style_off(b, color);
      }
    }
    /* HTTP/1.1 is the rule; anything else is worth a word */
    if (h->http_version && strcmp(h->http_version, "HTTP/1.1") != 0)
      dt__buf_printf(b, " %s", h->http_version);
  }
  if (h->has_response)
    dt__buf_printf(b, "  %llu B", (unsigned long long)h->resp_body_bytes);
  if (h->timing->total_ms >= 0)
    dt__buf_printf(b, "  %.1f ms", h->timing->total_ms);
  dt__buf_printf(b, "\n");
  dt__buf note = dt__buf_make(0);
  dt__hop_note(&note, h);
  if (note.len) {
    dt__buf_printf(b, "    why: ");
    dt__buf_put_escaped(b, note.p);
    dt__buf_printf(b, "\n");
  }
  dt__buf_free(&note);
  cookies_line(b, h);
}

/* Address-bar input: what was typed, and which scheme its first request
 * tried (docs/cli.md "Scheme-less input"). EXPLAIN: in sentences. */
static void typed_line(dt__buf *b, const dt_chain *chain, int explain) {
  const char *t = dt_chain_typed(chain), *tried = dt_chain_typed_tried(chain);
  if (!t) return;
  dt__buf_str(b, explain ? "typed into the address bar: " : "typed: ");
  dt__buf_put_escaped(b, t);
  if (dt_chain_typed_schemeless(chain))
    dt__buf_str(b, explain ? " — no scheme, so the address bar added http:// "
                             "(scheme-less input)"
                           : " (no scheme: the address bar added http://)");
  if (tried)
    dt__buf_printf(b,
                   explain ? "; the first request went over %s%s\n"
                           : "; tried %s first%s\n",
                   tried,
                   strcmp(tried, "https") == 0 && explain
                       ? " (HSTS, HTTPS-Upgrades or HTTPS-First: hop 1)"
                       : "");
  else
    dt__buf_str(b, "\n");
}

char *dt_chain_to_text(const dt_chain *chain) {
  return dt_chain_to_text_ex(chain, NULL);
}

char *dt_chain_to_text_ex(const dt_chain *chain, const dt_text_options *opt) {
  if (!chain) return NULL;
  dt_text_options o;
  dt__text_options_read(&o, opt);
  int color = o.color;
  dt__buf b = dt__buf_make(TEXT_MAX);
  size_t n = dt_chain_hop_count(chain);
  dt__buf_printf(&b, "%s ", dt_chain_method(chain));
  dt__buf_put_escaped(&b, dt_chain_url(chain));
  dt__buf_printf(&b, "  (%zu hop%s)\n", n, n == 1 ? "" : "s");
  typed_line(&b, chain, 0);
  for (size_t i = 0; i < n; i++)
    hop_line(&b, color, i, dt_chain_hop(chain, i));
  int err = dt_chain_error(chain);
  if (err && !o.no_error) {
    const char *m = dt_chain_error_message(chain);
    dt__style_on(&b, color, DT_STYLE_ERROR);
    dt__buf_printf(&b, "error: %s: ", dt_err_name(err));
    /* the message may quote the server (a Location): escaped */
    dt__buf_put_escaped(&b, m ? m : dt_strerror(err));
    dt__style_off(&b, color);
    dt__buf_str(&b, "\n");
    if (dt_chain_error_hint(chain)) {
      dt__buf_str(&b, "hint: ");
      dt__buf_put_escaped(&b, dt_chain_error_hint(chain));
      dt__buf_str(&b, "\n");
    }
  } else if (!err && n > 0) {
    const dt_hop *h = dt_chain_hop(chain, n - 1);
    dt__buf_str(&b, "final: ");
    status_part(&b, color, h);
    dt__buf_printf(&b, "  ");
    dt__buf_put_escaped(&b, dt_chain_final_url(chain));
    dt__buf_printf(&b, "\n");
    for (size_t i = 0; i < h->resp_header_count; i++) {
      dt__buf_printf(&b, "  ");
      dt__buf_put_escaped(&b, h->resp_headers[i].name);
      dt__buf_printf(&b, ": ");
      dt__buf_put_escaped(&b, h->resp_headers[i].value);
      dt__buf_printf(&b, "\n");
    }
  }
  return dt__buf_finish(&b);
}

char *dt_chain_to_explain(const dt_chain *chain) {
  if (!chain) return NULL;
  dt__buf b = dt__buf_make(TEXT_MAX);
  dt__buf_printf(&b, "%s ", dt_chain_method(chain));
  dt__buf_put_escaped(&b, dt_chain_url(chain));
  dt__buf_printf(&b, "\n");
  typed_line(&b, chain, 1);
  for (size_t i = 0; i < dt_chain_hop_count(chain); i++) {
    const dt_hop *h = dt_chain_hop(chain, i);
    dt__buf_printf(&b, "\nhop %zu: %s ", i + 1, h->method);
    dt__buf_put_escaped(&b, h->url);
    dt__buf_printf(&b, "\n");
    if (h->synthetic || h->from_cache)
      dt__buf_printf(&b,
                     "  nothing sent%s: no DNS lookup, no connection, no "
                     "byte\n",
                     h->from_cache ? " (the redirect cache answered)" : "");
    else if (h->conn && h->conn->remote_addr)
      dt__buf_printf(
          &b, "  %s connection #%llu to %s%s%s\n",
          h->conn->reused ? "reused" : "new", (unsigned long long)h->conn->id,
          h->conn->remote_addr, h->conn->tls_version ? ", " : "",
          h->conn->tls_version
              ? (h->conn->cert_verified ? "certificate verified"
                                        : "certificate NOT verified (-k)")
              : "");
    /* the request fields a rule chose, beyond the profile's plain values
     * (docs/profiles.md "Request fields") */
    for (size_t k = 0; k < h->field_rule_count; k++) {
      const dt_header *fr = &h->field_rules[k];
      if (strncmp(fr->value, "profile (", 9) == 0) continue;
      const char *v = NULL;
      for (size_t j = 0; j < h->req_header_count && !v; j++)
        if (strcmp(h->req_headers[j].name, fr->name) == 0 ||
            dt__ascii_ieq(h->req_headers[j].name, fr->name))
          v = h->req_headers[j].value;
      dt__buf_printf(&b, "  field %s: ", fr->name);
      dt__buf_put_escaped(&b, v ? v : "");
      dt__buf_printf(&b, " [%s]\n", fr->value);
    }
    if (h->has_response) {
      dt__buf_printf(&b, "  answer (%s): %d ",
                     h->http_version ? h->http_version : "HTTP/1.1", h->status);
      dt__buf_put_escaped(&b, h->reason ? h->reason : "");
      dt__buf_printf(&b, "\n");
    }
    dt__buf lines = dt__buf_make(0);
    dt__hop_explain(&lines, h);
    if (lines.len) {
      /* the steps quote the server's Location: escaped, newlines kept */
      for (const char *p = lines.p; *p;) {
        const char *nl = p;
        while (*nl && *nl != '\n')
          nl++;
        dt__buf tmp = dt__buf_make(0);
        dt__buf_put(&tmp, p, (size_t)(nl - p));
        dt__buf_put_escaped(&b, tmp.p ? tmp.p : "");
        dt__buf_free(&tmp);
        dt__buf_str(&b, "\n");
        p = *nl ? nl + 1 : nl;
      }
    }
    dt__buf_free(&lines);
  }
  int err = dt_chain_error(chain);
  if (err) {
    dt__buf_printf(&b, "\nresult: error %s: ", dt_err_name(err));
    dt__buf_put_escaped(&b, dt_chain_error_message(chain));
    dt__buf_printf(&b, "\n");
    if (dt_chain_error_hint(chain)) {
      dt__buf_str(&b, "hint: ");
      dt__buf_put_escaped(&b, dt_chain_error_hint(chain));
      dt__buf_str(&b, "\n");
    }
  } else {
    dt__buf_printf(&b, "\nresult: ");
    dt__buf_put_escaped(&b, dt_chain_final_url(chain));
    dt__buf_printf(&b, "\n");
  }
  return dt__buf_finish(&b);
}
