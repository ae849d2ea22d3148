/* response.c — see response.h. */
#include "engine/net/response.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void dt__resp_init(dt__resp *r, dt_chain *chain, dt_hop *hop,
                   const dt_limits *lim) {
  memset(r, 0, sizeof *r);
  r->chain = chain;
  r->hop = hop;
  r->lim = lim;
  r->body = dt__buf_make(lim->max_body_bytes);
}

void dt__resp_free(dt__resp *r) {
  dt__buf_free(&r->body);
  dt__decoder_free(r->dec);
  r->dec = NULL;
}

void dt__resp_reset_head(dt__resp *r) {
  r->head_bytes = 0;
  r->nfields = 0;
}

int dt__resp_fail(dt__resp *r, int err, const char *fmt, ...) {
  if (!r->err) {
    r->err = err;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof r->msg, fmt, ap);
    va_end(ap);
  }
  return -1;
}

int dt__resp_count(dt__resp *r, size_t n) {
  if (r->err) return -1;
  r->head_bytes += n;
  if (r->head_bytes > r->lim->max_header_bytes)
    return dt__resp_fail(r, DT_ELIMIT_HEADER_BYTES,
                         "response header block exceeds %zu bytes",
                         r->lim->max_header_bytes);
  return 0;
}

int dt__resp_field(dt__resp *r, const char *name, size_t nlen,
                   const char *value, size_t vlen) {
  if (r->err) return -1;
  if (++r->nfields > r->lim->max_header_count)
    return dt__resp_fail(r, DT_ELIMIT_HEADER_COUNT,
                         "response has more than %zu header fields",
                         r->lim->max_header_count);
  if (dt__hop_add_resp_header(r->chain, r->hop, name, nlen, value, vlen))
    return dt__resp_fail(r, DT_ENOMEM, "out of memory recording %zu headers",
                         r->nfields);
  return 0;
}

int dt__resp_head(dt__resp *r, const char *version, int status,
                  const char *reason, size_t rlen) {
  if (r->err) return -1;
  dt_hop *hop = r->hop;
  hop->has_response = 1;
  hop->http_version = version;
  hop->status = status;
  hop->reason = dt__chain_strndup(r->chain, reason ? reason : "", rlen);
  if (r->on_head) {
    int rc = r->on_head(r->head_ud);
    if (rc < 0) return dt__resp_fail(r, rc, "%s", dt_strerror(rc));
  }
  return 0;
}

static int body_bytes(dt__resp *r, const char *data, size_t len);

/* Decoded bytes come here. */
static int decoded(void *ud, const char *data, size_t len) {
  dt__resp *r = ud;
  if (!r->sink && r->hop->resp_body_bytes + len > r->lim->max_body_bytes) {
    dt__resp_fail(r, DT_ELIMIT_BODY_BYTES,
                  "the decoded body exceeds %zu bytes after %llu bytes on the "
                  "wire (a compressed body can expand without end)",
                  r->lim->max_body_bytes,
                  (unsigned long long)r->hop->resp_encoded_bytes);
    return DT_ELIMIT_BODY_BYTES;
  }
  return body_bytes(r, data, len) ? (r->err ? r->err : DT_EINTERNAL) : 0;
}

int dt__resp_set_decoding(dt__resp *r, const dt__coding *list, int n) {
  if (dt__decoder_new(&r->dec, list, n, decoded, r)) return DT_ENOMEM;
  char names[64] = "";
  size_t k = 0;
  for (int i = 0; i < n; i++)
    k += (size_t)snprintf(names + k, sizeof names - k, "%s%s", i ? ", " : "",
                          dt__coding_name(list[i]));
  r->hop->content_decoded = dt__chain_strdup(r->chain, names);
  return 0;
}

int dt__resp_end(dt__resp *r) {
  if (r->err) return -1;
  if (r->dec && dt__decoder_finish(r->dec))
    return dt__resp_fail(r, DT_EDECODE, "%s", dt__decoder_error(r->dec));
  return 0;
}

int dt__resp_body(dt__resp *r, const char *data, size_t len) {
  if (r->err) return -1;
  if (r->dec) {
    r->hop->resp_encoded_bytes += len;
    int rc = dt__decoder_feed(r->dec, data, len);
    if (rc && !r->err)
      dt__resp_fail(r, rc, "%s",
                    rc == DT_EDECODE ? dt__decoder_error(r->dec)
                                     : dt_strerror(rc));
    return rc ? -1 : 0;
  }
  return body_bytes(r, data, len);
}

static int body_bytes(dt__resp *r, const char *data, size_t len) {
  r->hop->resp_body_bytes += len;
  if (r->sink) {
    int rc = r->sink(r->sink_ud, data, len);
    if (rc < 0)
      return dt__resp_fail(r, rc,
                           "%s (the body callback stopped the transfer; %llu "
                           "bytes had arrived)",
                           dt_strerror(rc),
                           (unsigned long long)r->hop->resp_body_bytes);
    if (!r->sink_keep) return 0;
  }
  size_t room = r->lim->max_body_bytes - r->body.len;
  size_t keep = len < room ? len : room;
  if (keep && dt__buf_put(&r->body, data, keep)) /* beyond: counted, dropped */
    return dt__resp_fail(r, DT_ENOMEM, "out of memory keeping %zu body bytes",
                         r->body.len + keep);
  return 0;
}

int dt__resp_keep(dt__resp *r) {
  if (!r->body.len || r->hop->body) return 0;
  r->hop->body = dt__chain_memdup(r->chain, r->body.p, r->body.len);
  r->hop->body_kept = r->hop->body ? r->body.len : 0;
  return r->hop->body ? 0 : DT_ENOMEM;
}

void dt__resp_on_head(dt__resp *r, dt__resp_head_cb cb, void *ud) {
  r->on_head = cb;
  r->head_ud = ud;
}

void dt__resp_set_sink(dt__resp *r, dt__resp_sink sink, void *ud, int keep) {
  r->sink = sink;
  r->sink_ud = ud;
  r->sink_keep = keep;
  r->hop->body_streamed = sink != NULL && !keep;
}
