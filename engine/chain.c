/* chain.c — the hop chain: detour's main output. Hops live in fixed-size
 * slabs so a dt_hop pointer never moves; strings live in an arena. */
#include "engine/chain.h"

#include "hsts/base/headers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK 4096
/* Most navigations have one to three hops: the first slab holds 2 and
 * each next one twice the last, up to 16 (a slot is ~1.3 KB; a fixed 8 per
 * slab cost 10 KB per navigation, measured in bench_fetch's heap per
 * connection). */
#define FIRST_SLAB_HOPS 2
#define MAX_SLAB_HOPS 16

typedef struct arena_block {
  struct arena_block *next;
  size_t used, cap;
  /* data follows, max-aligned */
  _Alignas(max_align_t) unsigned char data[];
} arena_block;

/* A hop and the records its pointers lead to, in one slot: hop.timing
 * always points at timing; hop.conn, upgrade and sts point here once a
 * builder asks for them. */
typedef struct hop_slot {
  dt_hop hop;
  dt_hop_timing timing;
  dt_hop_connection conn;
  dt_hsts_decision upgrade;
  dt_sts_note sts;
  dt_header *req, *resp, *rules; /* growable arrays behind hop.req_headers,
                                    resp_headers, field_rules */
  size_t req_cap, resp_cap, rules_cap;
  dt_step *steps;
  size_t steps_cap;
  dt_hop_cookie *cookies;
  size_t cookies_cap;
  dt_hop_set_cookie *set_cookies;
  size_t set_cookies_cap;
} hop_slot;

typedef struct hop_slab {
  struct hop_slab *next;
  size_t cap, used;
  hop_slot slots[]; /* cap of them */
} hop_slab;

struct dt_chain {
  arena_block *arena;
  hop_slab *slabs, *last_slab;
  hop_slot **index; /* index[i] → slot of hop i */
  size_t count, index_cap;
  const char *url, *method, *final_url, *error_message, *error_hint;
  int error;
  const char *warnings[DT__CHAIN_MAX_WARNINGS];
  size_t nwarnings;
  /* address-bar input: what was typed, whether the bar added the scheme,
   * and the scheme the first request went to */
  const char *typed, *typed_tried;
  int typed_schemeless;
};

static void *arena_alloc(dt_chain *c, size_t n) {
  size_t align = _Alignof(max_align_t);
  n = (n + align - 1) & ~(align - 1);
  if (!c->arena || c->arena->cap - c->arena->used < n) {
    size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
    arena_block *b = malloc(sizeof *b + cap);
    if (!b) return NULL;
    b->next = c->arena;
    b->used = 0;
    b->cap = cap;
    c->arena = b;
  }
  void *p = c->arena->data + c->arena->used;
  c->arena->used += n;
  return p;
}

const char *dt__chain_strndup(dt_chain *c, const char *s, size_t n) {
  if (!s) return NULL;
  char *p = arena_alloc(c, n + 1);
  if (!p) return NULL;
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

const char *dt__chain_strdup(dt_chain *c, const char *s) {
  return s ? dt__chain_strndup(c, s, strlen(s)) : NULL;
}

const uint8_t *dt__chain_memdup(dt_chain *c, const void *p, size_t n) {
  if (!p || n == 0) return NULL;
  uint8_t *d = arena_alloc(c, n);
  if (d) memcpy(d, p, n);
  return d;
}

dt_chain *dt__chain_new(const char *method, const char *url) {
  dt_chain *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->method = dt__chain_strdup(c, method ? method : "GET");
  c->url = dt__chain_strdup(c, url ? url : "");
  if (!c->method || !c->url) {
    dt_chain_free(c);
    return NULL;
  }
  return c;
}

dt_hop *dt__chain_add_hop(dt_chain *c) {
  if (c->count == c->index_cap) {
    size_t cap = c->index_cap ? c->index_cap * 2 : 8;
    hop_slot **ni = realloc(c->index, cap * sizeof *ni);
    if (!ni) return NULL;
    c->index = ni;
    c->index_cap = cap;
  }
  if (!c->last_slab || c->last_slab->used == c->last_slab->cap) {
    size_t cap = c->last_slab ? c->last_slab->cap * 2 : FIRST_SLAB_HOPS;
    if (cap > MAX_SLAB_HOPS) cap = MAX_SLAB_HOPS;
    hop_slab *s = calloc(1, sizeof *s + cap * sizeof(hop_slot));
    if (!s) return NULL;
    s->cap = cap;
    if (c->last_slab)
      c->last_slab->next = s;
    else
      c->slabs = s;
    c->last_slab = s;
  }
  hop_slot *slot = &c->last_slab->slots[c->last_slab->used++];
  memset(slot, 0, sizeof *slot);
  dt_hop_timing *t = &slot->timing;
  t->dns_ms = t->connect_ms = t->tls_ms = t->first_byte_ms = t->total_ms = -1;
  slot->hop.timing = t;
  c->index[c->count++] = slot;
  return &slot->hop;
}

static hop_slot *slot_of(dt_hop *hop) { return (hop_slot *)(void *)hop; }

dt_hop_timing *dt__hop_timing(dt_hop *hop) { return &slot_of(hop)->timing; }

dt_hop_connection *dt__hop_conn(dt_hop *hop) {
  hop->conn = &slot_of(hop)->conn;
  return &slot_of(hop)->conn;
}

dt_hsts_decision *dt__hop_upgrade(dt_hop *hop) {
  hop->upgrade = &slot_of(hop)->upgrade;
  return &slot_of(hop)->upgrade;
}

dt_sts_note *dt__hop_sts(dt_hop *hop) {
  hop->sts = &slot_of(hop)->sts;
  return &slot_of(hop)->sts;
}

/* Room for one more element in *ARR (COUNT used of *CAP, SIZE each). */
static int grow(void **arr, size_t *cap, size_t count, size_t size) {
  if (count < *cap) return 0;
  size_t ncap = *cap ? *cap * 2 : 8;
  void *na = realloc(*arr, ncap * size);
  if (!na) return DT_ENOMEM;
  *arr = na;
  *cap = ncap;
  return 0;
}

int dt__hop_add_step(dt_chain *c, dt_hop *hop, const char *text,
                     const char *rule) {
  hop_slot *s = slot_of(hop);
  if (grow((void **)&s->steps, &s->steps_cap, hop->step_count,
           sizeof *s->steps))
    return DT_ENOMEM;
  hop->steps = s->steps;
  const char *t = dt__chain_strdup(c, text);
  const char *r = rule ? dt__chain_strdup(c, rule) : NULL;
  if (!t || (rule && !r)) return DT_ENOMEM;
  s->steps[hop->step_count].text = t;
  s->steps[hop->step_count].rule = r;
  hop->step_count++;
  return 0;
}

/* *DST = S copied into the chain (NULL stays NULL); 0 or DT_ENOMEM. */
static int keep(dt_chain *c, const char **dst, const char *s) {
  *dst = s ? dt__chain_strdup(c, s) : NULL;
  return s && !*dst ? DT_ENOMEM : 0;
}

int dt__hop_add_cookie(dt_chain *c, dt_hop *hop, const dt_hop_cookie *in) {
  hop_slot *s = slot_of(hop);
  if (grow((void **)&s->cookies, &s->cookies_cap, hop->cookie_count,
           sizeof *s->cookies))
    return DT_ENOMEM;
  hop->cookies = s->cookies;
  dt_hop_cookie *o = &s->cookies[hop->cookie_count];
  if (keep(c, &o->name, in->name) || keep(c, &o->value, in->value) ||
      keep(c, &o->domain, in->domain) || keep(c, &o->path, in->path) ||
      keep(c, &o->blocked, in->blocked) || keep(c, &o->why, in->why))
    return DT_ENOMEM;
  hop->cookie_count++;
  return 0;
}

int dt__hop_add_set_cookie(dt_chain *c, dt_hop *hop,
                           const dt_hop_set_cookie *in) {
  hop_slot *s = slot_of(hop);
  if (grow((void **)&s->set_cookies, &s->set_cookies_cap, hop->set_cookie_count,
           sizeof *s->set_cookies))
    return DT_ENOMEM;
  hop->set_cookies = s->set_cookies;
  dt_hop_set_cookie *o = &s->set_cookies[hop->set_cookie_count];
  *o = *in;
  if (keep(c, &o->field, in->field) || keep(c, &o->outcome, in->outcome) ||
      keep(c, &o->reason, in->reason) || keep(c, &o->why, in->why) ||
      keep(c, &o->name, in->name) || keep(c, &o->domain, in->domain) ||
      keep(c, &o->path, in->path) || keep(c, &o->same_site, in->same_site))
    return DT_ENOMEM;
  hop->set_cookie_count++;
  return 0;
}

static int add_header(dt_chain *c, dt_header **arr, size_t *cap, size_t *count,
                      const char *name, size_t nlen, const char *value,
                      size_t vlen) {
  if (grow((void **)arr, cap, *count, sizeof **arr)) return DT_ENOMEM;
  const char *n = dt__chain_strndup(c, name, nlen);
  const char *v = dt__chain_strndup(c, value, vlen);
  if (!n || !v) return DT_ENOMEM;
  (*arr)[*count].name = n;
  (*arr)[*count].value = v;
  (*count)++;
  return 0;
}

int dt__hop_add_req_header(dt_chain *c, dt_hop *hop, const char *name,
                           size_t nlen, const char *value, size_t vlen) {
  hop_slot *s = slot_of(hop);
  int r = add_header(c, &s->req, &s->req_cap, &hop->req_header_count, name,
                     nlen, value, vlen);
  hop->req_headers = s->req;
  return r;
}

int dt__hop_add_field_rule(dt_chain *c, dt_hop *hop, const char *name,
                           const char *rule) {
  hop_slot *s = slot_of(hop);
  int r = add_header(c, &s->rules, &s->rules_cap, &hop->field_rule_count, name,
                     strlen(name), rule, strlen(rule));
  hop->field_rules = s->rules;
  return r;
}

int dt__hop_add_resp_header(dt_chain *c, dt_hop *hop, const char *name,
                            size_t nlen, const char *value, size_t vlen) {
  hop_slot *s = slot_of(hop);
  int r = add_header(c, &s->resp, &s->resp_cap, &hop->resp_header_count, name,
                     nlen, value, vlen);
  hop->resp_headers = s->resp;
  return r;
}

const char *dt__hop_resp_header(const dt_hop *hop, const char *name) {
  return dt__header_value(hop->resp_headers, hop->resp_header_count, name);
}

int dt__chain_set_final_url(dt_chain *c, const char *url) {
  c->final_url = dt__chain_strdup(c, url);
  return c->final_url || !url ? 0 : DT_ENOMEM;
}

void dt__chain_vset_error(dt_chain *c, int err, const char *fmt, va_list ap) {
  if (c->error) return; /* the first error is the cause; keep it */
  c->error = err;
  char msg[512];
  vsnprintf(msg, sizeof msg, fmt, ap);
  c->error_message = dt__chain_strdup(c, msg);
}

void dt__chain_set_hint(dt_chain *c, int err, const char *fmt, ...) {
  if (!c || c->error != err || c->error_hint) return;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (msg[0]) c->error_hint = dt__chain_strdup(c, msg);
}

const char *dt_chain_error_hint(const dt_chain *c) {
  return c && c->error ? c->error_hint : NULL;
}

void dt__chain_set_error(dt_chain *c, int err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  dt__chain_vset_error(c, err, fmt, ap);
  va_end(ap);
}

dt_hop *dt__chain_last_hop(dt_chain *c) {
  return c && c->count ? &c->index[c->count - 1]->hop : NULL;
}

size_t dt_chain_hop_count(const dt_chain *c) { return c ? c->count : 0; }
const dt_hop *dt_chain_hop(const dt_chain *c, size_t i) {
  return c && i < c->count ? &c->index[i]->hop : NULL;
}
const char *dt_chain_url(const dt_chain *c) { return c->url; }
const char *dt_chain_typed(const dt_chain *c) { return c ? c->typed : NULL; }
int dt_chain_typed_schemeless(const dt_chain *c) {
  return c && c->typed ? c->typed_schemeless : 0;
}
const char *dt_chain_typed_tried(const dt_chain *c) {
  return c && c->typed ? c->typed_tried : NULL;
}
int dt__chain_set_typed(dt_chain *c, const char *text, int schemeless) {
  c->typed = dt__chain_strdup(c, text);
  c->typed_schemeless = schemeless;
  return c->typed ? 0 : DT_ENOMEM;
}
void dt__chain_set_typed_tried(dt_chain *c, const char *scheme) {
  if (c->typed && !c->typed_tried) c->typed_tried = scheme;
}
const char *dt_chain_method(const dt_chain *c) { return c->method; }
const char *dt_chain_final_url(const dt_chain *c) {
  return c->error ? NULL : c->final_url;
}
int dt_chain_error(const dt_chain *c) { return c->error; }
void dt__chain_add_warning(dt_chain *c, const char *msg) {
  if (c->nwarnings < DT__CHAIN_MAX_WARNINGS && msg) {
    const char *w = dt__chain_strdup(c, msg);
    if (w) c->warnings[c->nwarnings++] = w;
  }
}

const char *dt_chain_warning(const dt_chain *c, size_t i) {
  return c && i < c->nwarnings ? c->warnings[i] : NULL;
}

const char *dt_chain_error_message(const dt_chain *c) {
  return c->error_message;
}

void dt_chain_free(dt_chain *c) {
  if (!c) return;
  for (size_t i = 0; i < c->count; i++) {
    free(c->index[i]->req);
    free(c->index[i]->rules);
    free(c->index[i]->resp);
    free(c->index[i]->steps);
    free(c->index[i]->cookies);
    free(c->index[i]->set_cookies);
  }
  free(c->index);
  for (hop_slab *s = c->slabs, *n; s; s = n) {
    n = s->next;
    free(s);
  }
  for (arena_block *b = c->arena, *n; b; b = n) {
    n = b->next;
    free(b);
  }
  free(c);
}
