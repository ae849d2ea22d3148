/* user_data.c — see user_data.h. The three parts differ in what they hold
 * but not in how they live: a table says which file each has and how it
 * loads and saves, so the context's set-up, its settling after each
 * navigation and "clear browsing data" treat them alike. */
#include "engine/nav/user_data.h"

#include "engine/cookie/jar_file.h"
#include "engine/nav/https_upgrades.h"
#include "engine/nav/redirect_cache.h"
#include "engine/nav/referrer.h"
#include "hsts/base/error.h"
#include "hsts/base/file.h"
#include "hsts/base/headers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the parts ------------------------------------------------------------
 */

static int64_t now(dt_ctx *c) { return dt_clock_now_ms(&c->clock); }

static int fb_load(dt_ctx *c, dt__file_report *r) {
  return dt__fallback_load(c->fallback, c->fallback_path, r);
}
static dt__journal_job *fb_begin(dt_ctx *c, int *err) {
  return dt__fallback_save_begin(c->fallback, c->fallback_path, err);
}
static int fb_end(dt_ctx *c, dt__journal_job *j, dt__file_report *r) {
  return dt__fallback_save_end(c->fallback, j, r);
}
static int rc_load(dt_ctx *c, dt__file_report *r) {
  return dt__rc_load(c->rcache, c->rcache_path, now(c), r);
}
static dt__journal_job *rc_begin(dt_ctx *c, int *err) {
  return dt__rc_save_begin(c->rcache, c->rcache_path, now(c), err);
}
static int rc_end(dt_ctx *c, dt__journal_job *j, dt__file_report *r) {
  return dt__rc_save_end(c->rcache, j, r);
}
static int jar_load(dt_ctx *c, dt__file_report *r) {
  return dt__jar_load(c->jar, c->jar_path, now(c), r);
}
static dt__journal_job *jar_begin(dt_ctx *c, int *err) {
  return dt__jar_save_begin(c->jar, c->jar_path, now(c), err);
}
static int jar_end(dt_ctx *c, dt__journal_job *j, dt__file_report *r) {
  return dt__jar_save_end(c->jar, j, r);
}

static const struct part {
  const char *file;
  size_t obj, path; /* offsets of the part's pointer and its path in ctx */
  int (*load)(dt_ctx *c, dt__file_report *r);
  /* a save: its changes into a job (NULL: none) and the job's outcome */
  dt__journal_job *(*begin)(dt_ctx *c, int *err);
  int (*end)(dt_ctx *c, dt__journal_job *j, dt__file_report *r);
} parts[] = {
    {"https-upgrades.txt", offsetof(dt_ctx, fallback),
     offsetof(dt_ctx, fallback_path), fb_load, fb_begin, fb_end},
    {"redirects.txt", offsetof(dt_ctx, rcache), offsetof(dt_ctx, rcache_path),
     rc_load, rc_begin, rc_end},
    {"cookies.txt", offsetof(dt_ctx, jar), offsetof(dt_ctx, jar_path), jar_load,
     jar_begin, jar_end},
};
#define NPARTS (sizeof parts / sizeof parts[0])

static void *obj_of(dt_ctx *c, const struct part *p) {
  return *(void **)((char *)c + p->obj);
}
static char **path_of(dt_ctx *c, const struct part *p) {
  return (char **)((char *)c + p->path);
}

int dt__user_data_open(dt_ctx *ctx, const dt_ctx_options *opt) {
  ctx->fallback = calloc(1, sizeof *ctx->fallback);
  if (!opt->no_redirect_cache) ctx->rcache = calloc(1, sizeof *ctx->rcache);
  if (!opt->no_cookies) ctx->jar = dt__jar_new();
  if (!ctx->fallback || (!opt->no_redirect_cache && !ctx->rcache) ||
      (!opt->no_cookies && !ctx->jar))
    return DT_ENOMEM;
  for (size_t i = 0; opt->user_data_dir && i < NPARTS; i++) {
    const struct part *p = &parts[i];
    if (!obj_of(ctx, p)) continue;
    /* Firefox's HTTPS-First exemptions last the session (knob 11): its
     * list is the context's alone, never read from or written to the
     * directory (Chromium's fallback file is not Firefox's) */
    if (p->obj == offsetof(dt_ctx, fallback) &&
        ctx->profile->https_upgrades.session_exemptions)
      continue;
    size_t n = strlen(opt->user_data_dir) + strlen(p->file) + 2;
    char **path = path_of(ctx, p);
    *path = malloc(n);
    if (!*path) return DT_ENOMEM;
    snprintf(*path, n, "%s/%s", opt->user_data_dir, p->file);
    dt__file_report rep;
    int rc = p->load(ctx, &rep);
    if (rc == DT_ENOMEM) return rc;
    if (rc) { /* a browser with an unreadable profile still browses */
      dt__ctx_warn(ctx, "%s It is kept in memory only.", rep.message);
      free(*path);
      *path = NULL;
    }
  }
  return 0;
}

/* ---- saving off the loop ----------------------------------------------------
 * A batch holds each changed part's job (and the HSTS store's). Its file
 * work runs once: on a worker, or on the loop when a save made there must
 * follow it (dt__user_data_flush takes it before a worker does, or waits
 * for the worker). Its end runs once on the loop. */

typedef struct dt__save_waiter {
  void (*cb)(void *);
  void *ud;
  struct dt__save_waiter *next;
} waiter;

typedef struct dt__save_batch dt__save_batch;
struct dt__save_batch {
  uv_work_t req;
  dt_ctx *ctx;
  uv_mutex_t mu;
  uv_cond_t cv;
  int state; /* 0 queued, 1 running, 2 its file work done */
  int ended; /* its end already ran on the loop (a flush) */
  dt__journal_job *jobs[NPARTS];
  dt__hsts_save *hsts;
  waiter *waiters;
};

/* The file work: only the jobs' data and the files (any thread). */
static void batch_files(dt__save_batch *b) {
  for (size_t i = 0; i < NPARTS; i++)
    if (b->jobs[i]) dt__journal_run(b->jobs[i]);
  if (b->hsts) dt__hsts_save_run(b->hsts);
}

static void on_work(uv_work_t *req) {
  dt__save_batch *b = req->data;
  uv_mutex_lock(&b->mu);
  int mine = b->state == 0;
  if (mine) b->state = 1;
  uv_mutex_unlock(&b->mu);
  if (!mine) return; /* the loop took it (a flush) */
  batch_files(b);
  uv_mutex_lock(&b->mu);
  b->state = 2;
  uv_cond_broadcast(&b->cv);
  uv_mutex_unlock(&b->mu);
}

/* Back on the loop: each part learns how its save went. */
static void batch_end(dt__save_batch *b) {
  dt_ctx *ctx = b->ctx;
  b->ended = 1;
  for (size_t i = 0; i < NPARTS; i++) {
    if (!b->jobs[i]) continue;
    dt__file_report rep;
    if (parts[i].end(ctx, b->jobs[i], &rep))
      dt__ctx_warn(ctx, "%s", rep.message);
    b->jobs[i] = NULL;
  }
  if (b->hsts) {
    size_t before = ctx->store->nwarnings;
    dt__store_save_end(ctx->store, b->hsts); /* a failure is a warning */
    b->hsts = NULL;
    for (size_t i = before; i < ctx->store->nwarnings; i++)
      dt__ctx_warn(ctx, "%s", ctx->store->warnings[i]);
  }
}

static int parts_dirty(dt_ctx *ctx, int with_hsts) {
  if (with_hsts && ctx->store->path && ctx->store->dirty) return 1;
  if (ctx->fallback_path &&
      (ctx->fallback->dirty || ctx->fallback->pending.len))
    return 1;
  if (ctx->rcache_path && (ctx->rcache->dirty || ctx->rcache->pending.len))
    return 1;
  return ctx->jar_path && dt__jar_dirty(ctx->jar);
}

static void on_after_work(uv_work_t *req, int status);

/* Starts a batch of what changed (WAITERS wait for it). 0 when there was
 * nothing to save: the waiters are handed back in *WAITERS. */
static int batch_start(dt_ctx *ctx, int with_hsts, waiter **waiters) {
  dt__save_batch *b = calloc(1, sizeof *b);
  if (!b) return 0;
  b->ctx = ctx;
  int any = 0, err;
  for (size_t i = 0; i < NPARTS; i++) {
    const struct part *p = &parts[i];
    if (!obj_of(ctx, p) || !*path_of(ctx, p)) continue;
    b->jobs[i] = p->begin(ctx, &err);
    any |= b->jobs[i] != NULL;
  }
  if (with_hsts) {
    b->hsts = dt__store_save_begin(ctx->store, &err);
    any |= b->hsts != NULL;
  }
  if (!any || uv_mutex_init(&b->mu)) {
    batch_end(b); /* nothing, or a job to give back: out of memory */
    free(b);
    return 0;
  }
  uv_cond_init(&b->cv);
  b->req.data = b;
  if (uv_queue_work(ctx->loop, &b->req, on_work, on_after_work)) {
    /* cannot fail with these arguments; if it did, the save is done here */
    batch_files(b);
    batch_end(b);
    uv_cond_destroy(&b->cv);
    uv_mutex_destroy(&b->mu);
    free(b);
    return 0;
  }
  b->waiters = *waiters;
  *waiters = NULL;
  dt__ctx_ref(ctx); /* the context stays until the batch has ended */
  ctx->saving = b;
  return 1;
}

static void call_waiters(waiter *w) {
  while (w) {
    waiter *next = w->next;
    if (w->cb) w->cb(w->ud);
    free(w);
    w = next;
  }
}

static void on_after_work(uv_work_t *req, int status) {
  (void)status; /* never canceled */
  dt__save_batch *b = req->data;
  dt_ctx *ctx = b->ctx;
  if (!b->ended) batch_end(b);
  waiter *done = b->waiters;
  ctx->saving = NULL;
  uv_cond_destroy(&b->cv);
  uv_mutex_destroy(&b->mu);
  free(b);
  /* what changed while this batch ran, for those waiting on it */
  if (ctx->save_next || ctx->save_again) {
    waiter *next = ctx->save_next;
    int hsts = ctx->save_again_hsts;
    ctx->save_next = NULL;
    ctx->save_again = ctx->save_again_hsts = 0;
    if (!batch_start(ctx, hsts, &next)) call_waiters(next);
  }
  call_waiters(done);
  dt__ctx_unref(ctx); /* last: the context may be freed by it */
}

int dt__user_data_save_async(dt_ctx *ctx, int with_hsts, void (*cb)(void *),
                             void *ud) {
  int dirty = parts_dirty(ctx, with_hsts);
  if (!dirty && !ctx->saving) return 0;
  waiter *w = cb ? calloc(1, sizeof *w) : NULL;
  if (cb && !w) { /* out of memory: save on this thread */
    dt__user_data_flush(ctx);
    dt__user_data_save_now(ctx, NULL);
    if (with_hsts) dt_hsts_store_save(ctx->store, NULL);
    return 0;
  }
  if (w) {
    w->cb = cb;
    w->ud = ud;
  }
  if (!ctx->saving) {
    if (batch_start(ctx, with_hsts, &w)) return 1;
    free(w); /* nothing was left to save after all */
    return 0;
  }
  if (dirty) { /* after the batch in flight: the next one */
    ctx->save_again = 1;
    ctx->save_again_hsts |= with_hsts;
    if (w) {
      w->next = ctx->save_next;
      ctx->save_next = w;
    }
  } else if (w) { /* what it changed is in the batch in flight */
    w->next = ctx->saving->waiters;
    ctx->saving->waiters = w;
  }
  return w != NULL;
}

void dt__user_data_flush(dt_ctx *ctx) {
  dt__save_batch *b = ctx->saving;
  if (!b || b->ended) return;
  uv_mutex_lock(&b->mu);
  if (b->state == 0) { /* no worker has it: do it here */
    b->state = 1;
    uv_mutex_unlock(&b->mu);
    batch_files(b);
    uv_mutex_lock(&b->mu);
    b->state = 2;
  }
  while (b->state != 2)
    uv_cond_wait(&b->cv, &b->mu);
  uv_mutex_unlock(&b->mu);
  batch_end(b); /* its waiters still hear it from the loop */
}

int dt__user_data_save_now(dt_ctx *ctx, dt__file_report *first) {
  dt__user_data_flush(ctx);
  int err = 0;
  for (size_t i = 0; i < NPARTS; i++) {
    const struct part *p = &parts[i];
    if (!obj_of(ctx, p) || !*path_of(ctx, p)) continue;
    int e;
    dt__journal_job *j = p->begin(ctx, &e);
    dt__file_report rep;
    int rc = e;
    if (j) {
      dt__journal_run(j);
      rc = p->end(ctx, j, &rep);
    } else if (e) {
      dt__file_report_start(&rep, p->file, *path_of(ctx, p));
      dt__file_report_oom(&rep);
    }
    if (rc && !err) {
      err = rc;
      if (first) *first = rep;
    }
    if (rc) dt__ctx_warn(ctx, "%s", rep.message);
  }
  return err;
}

void dt__user_data_free(dt_ctx *ctx) {
  if (ctx->fallback) dt__fallback_clear(ctx->fallback);
  free(ctx->fallback);
  if (ctx->rcache) dt__rc_free(ctx->rcache);
  free(ctx->rcache);
  dt__jar_free(ctx->jar); /* session cookies end with the context */
  for (size_t i = 0; i < NPARTS; i++)
    free(*path_of(ctx, &parts[i]));
  ctx->fallback = NULL;
  ctx->rcache = NULL;
  ctx->jar = NULL;
}

int dt_ctx_save(dt_ctx *ctx, dt_error *err) {
  dt__error_clear(err);
  if (!ctx) return DT_EINVAL;
  dt__file_report rep;
  int rc = dt__user_data_save_now(ctx, &rep);
  if (rc) dt__fail(err, rc, "%s", rep.message);
  if (!rc && ctx->store->path && ctx->store->dirty)
    rc = dt_hsts_store_save(ctx->store, err);
  return rc;
}

/* ---- listing --------------------------------------------------------------
 */

typedef struct {
  int (*cb)(const dt_cookie *c, void *ud);
  void *ud;
} each_cookie;

static int one_cookie(const dt__cookie *c, void *ud) {
  each_cookie *e = ud;
  dt_cookie out = {
      .name = c->name,
      .value = c->value,
      .domain = c->domain,
      .path = c->path,
      .host_only = c->host_only,
      .secure = c->secure,
      .http_only = c->http_only,
      .persistent = c->persistent,
      .expires_ms = c->persistent ? c->expires_ms : 0,
      .created_ms = c->created_ms,
      .last_access_ms = c->last_access_ms,
      .same_site = dt__samesite_name((dt__samesite)c->samesite),
      .priority = dt__priority_name((dt__cookie_priority)c->priority),
  };
  return e->cb(&out, e->ud);
}

int dt_ctx_cookies_each(dt_ctx *ctx, int (*cb)(const dt_cookie *c, void *ud),
                        void *ud) {
  if (!ctx || !cb || !ctx->jar) return DT_EINVAL;
  each_cookie e = {cb, ud};
  return dt__jar_each(ctx->jar, now(ctx), one_cookie, &e);
}

size_t dt_ctx_cookie_count(const dt_ctx *ctx) {
  return ctx && ctx->jar ? dt__jar_count(ctx->jar) : 0;
}

int dt_ctx_redirects_each(dt_ctx *ctx,
                          int (*cb)(const dt_cached_redirect *r, void *ud),
                          void *ud) {
  if (!ctx || !cb || !ctx->rcache) return DT_EINVAL;
  int64_t t = now(ctx);
  for (size_t i = 0; i < ctx->rcache->n; i++) {
    const dt__rc_entry *e = &ctx->rcache->e[i];
    if (e->expires_ms != DT__RC_FOREVER && e->expires_ms <= t) continue;
    dt_cached_redirect r = {e->url, e->status,
                            dt__header_value(e->fields, e->nfields, "Location"),
                            e->stored_ms, e->expires_ms};
    int rc = cb(&r, ud);
    if (rc) return rc;
  }
  return 0;
}

int dt_ctx_upgrade_fallbacks_each(dt_ctx *ctx,
                                  int (*cb)(const char *host, int64_t at_ms,
                                            void *ud),
                                  void *ud) {
  if (!ctx || !cb) return DT_EINVAL;
  for (size_t i = 0; i < ctx->fallback->n; i++) {
    int rc = cb(ctx->fallback->host[i], ctx->fallback->at[i], ud);
    if (rc) return rc;
  }
  return 0;
}

/* ---- clearing -------------------------------------------------------------
 */

int dt_ctx_clear_data(dt_ctx *ctx, unsigned kinds, int64_t from_ms,
                      int64_t to_ms, size_t *removed, dt_error *err) {
  dt__error_clear(err);
  if (removed) *removed = 0;
  if (!ctx || !kinds || (kinds & ~(unsigned)DT_DATA_ALL) || from_ms > to_ms)
    return DT_EINVAL;
  size_t n = 0;
  if ((kinds & DT_DATA_COOKIES) && ctx->jar)
    n += dt__jar_clear(ctx->jar, NULL, from_ms, to_ms);
  if ((kinds & DT_DATA_REDIRECTS) && ctx->rcache)
    n += dt__rc_clear(ctx->rcache, from_ms, to_ms);
  if (kinds & DT_DATA_HTTPS_UPGRADES)
    n += dt__fallback_clear_between(ctx->fallback, from_ms, to_ms);
  if (kinds & DT_DATA_HSTS)
    n += dt_hsts_store_delete_observed_between(ctx->store, from_ms, to_ms);
  if (removed) *removed = n;
  return dt_ctx_save(ctx, err);
}

int dt_ctx_cookies_clear_domain(dt_ctx *ctx, const char *domain,
                                int64_t from_ms, int64_t to_ms, size_t *removed,
                                dt_error *err) {
  dt__error_clear(err);
  if (removed) *removed = 0;
  if (!ctx || !domain || !ctx->jar || from_ms > to_ms) return DT_EINVAL;
  char canon[DT_MAX_HOST_BYTES + 2];
  const char *d = domain[0] == '.' ? domain + 1 : domain;
  int n = dt_host_canonicalize(d, strlen(d), canon, sizeof canon);
  if (n == DT_EINVAL) /* an IP address is its own domain */
    snprintf(canon, sizeof canon, "%s", d);
  else if (n < 0)
    return dt__fail(err, DT_EINVAL, "'%s' is not a domain", domain);
  size_t gone = dt__jar_clear(ctx->jar, canon, from_ms, to_ms);
  if (removed) *removed = gone;
  return dt_ctx_save(ctx, err);
}

/* ---- cookies from the caller ----------------------------------------------
 */

int dt_ctx_cookie_set(dt_ctx *ctx, const char *url, const char *set_cookie,
                      char *why, size_t why_cap) {
  if (why && why_cap) why[0] = 0;
  if (!ctx || !url || !set_cookie || !ctx->jar) return DT_EINVAL;
  dt_url *u = NULL;
  int rc = dt_url_parse(&u, url, strlen(url), NULL);
  if (rc) return rc;
  /* as a typed navigation's response: top-level, same-site */
  dt__cookie_req r = {.url = u,
                      .method = "GET",
                      .secure = dt__url_is_potentially_trustworthy(u),
                      .same_site = 1,
                      .top_level = 1,
                      .lax_by_default = ctx->profile->samesite_lax_by_default,
                      .now_ms = now(ctx)};
  dt__cookie_set_result res;
  rc = dt__jar_set(ctx->jar, &r, set_cookie, strlen(set_cookie), &res);
  dt_url_free(u);
  if (rc) return rc;
  if (res.outcome == DT__COOKIE_REJECTED) {
    if (why)
      snprintf(why, why_cap, "%s: %s", dt__cookie_reason_name(res.reason),
               dt__cookie_reason_message(res.reason));
    return DT_EINVAL;
  }
  return 0;
}

char *dt_ctx_cookie_header(dt_ctx *ctx, const char *url) {
  if (!ctx || !url) return NULL;
  dt_url *u = NULL;
  if (dt_url_parse(&u, url, strlen(url), NULL)) return NULL;
  char *out = NULL;
  if (ctx->jar) {
    dt__cookie_req r = {.url = u,
                        .method = "GET",
                        .secure = dt__url_is_potentially_trustworthy(u),
                        .same_site = 1,
                        .top_level = 1,
                        .now_ms = now(ctx)};
    dt__cookie_pick pk[256];
    size_t n = dt__jar_pick(ctx->jar, &r, pk, 256);
    dt__buf b = dt__buf_make(0);
    for (size_t i = 0; i < n && i < 256; i++) {
      if (pk[i].withheld) continue;
      if (b.len) dt__buf_put(&b, "; ", 2);
      if (pk[i].c->name[0]) dt__buf_printf(&b, "%s=", pk[i].c->name);
      dt__buf_str(&b, pk[i].c->value);
    }
    out = dt__buf_finish(&b);
  } else {
    out = strdup("");
  }
  dt_url_free(u);
  return out;
}

int dt_ctx_cookies_import(dt_ctx *ctx, const char *path,
                          dt_cookie_import_report *out, dt_error *err) {
  dt__error_clear(err);
  if (out) memset(out, 0, sizeof *out);
  if (!ctx || !path || !ctx->jar) return DT_EINVAL;
  char *buf = NULL;
  size_t len = 0;
  int rc = dt__file_read(path, DT__JAR_FILE_MAX, &buf, &len, err);
  if (rc) return rc;
  dt__file_report rep;
  dt__file_report_start(&rep, "Netscape cookie file", path);
  rc = dt__jar_import_netscape(ctx->jar, buf, len, now(ctx), &rep);
  free(buf);
  if (out) {
    out->imported = rep.loaded;
    out->skipped = rep.skipped;
    out->expired = rep.expired;
  }
  if (rc) dt__fail(err, rc, "%s", rep.message);
  return rc;
}

char *dt_ctx_cookies_export(dt_ctx *ctx) {
  return ctx && ctx->jar ? dt__jar_export_netscape(ctx->jar, now(ctx)) : NULL;
}

static int gen_text(FILE *out, void *ud, size_t *count) {
  fputs(ud, out);
  *count = 1;
  return ferror(out) ? DT_EIO : 0;
}

int dt_ctx_cookies_export_file(dt_ctx *ctx, const char *path, dt_error *err) {
  dt__error_clear(err);
  if (!ctx || !path || !ctx->jar) return DT_EINVAL;
  char *text = dt_ctx_cookies_export(ctx);
  if (!text) return dt__fail(err, DT_ENOMEM, "out of memory");
  dt__file_report rep;
  dt__file_report_start(&rep, "Netscape cookie file", path);
  int rc = dt__safefile_replace(path, gen_text, text, &rep);
  free(text);
  if (rc) dt__fail(err, rc, "%s", rep.message);
  return rc;
}
