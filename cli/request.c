/* request.c — the request options `detour fetch` and `detour audit` share
 * (-H, -d/--data-binary, --resolve, --connect-to), parsed one way. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int cli_req_add_header(cli_request_opts *r, const char *line) {
  if (r->nheaders >= CLI_MAX_HEADERS)
    return cli_usage_error("too many -H options (at most %d)", CLI_MAX_HEADERS);
  const char *colon = strchr(line, ':');
  if (!colon || colon == line)
    return cli_usage_error("-H wants 'Name: value', got '%s'", line);
  size_t nl = (size_t)(colon - line);
  char *b = malloc(strlen(line) + 2);
  if (!b) return cli_usage_error("out of memory");
  memcpy(b, line, nl);
  b[nl] = 0;
  const char *v = colon + 1;
  while (*v == ' ' || *v == '\t')
    v++;
  strcpy(b + nl + 1, v);
  r->header_bufs[r->nheaders] = b;
  r->headers[r->nheaders].name = b;
  r->headers[r->nheaders].value = b + nl + 1;
  r->nheaders++;
  return 0;
}

int cli_check_wire(const dt_ctx_options *ctx, const dt_request *req) {
  /* The library's own checks (engine/net/wire.h), run before anything
   * starts so the message names the value: nothing of this reaches a
   * server. */
  dt_error e = {0};
  dt_request rq;
  if (req) { /* the URL is checked where it is parsed, later */
    rq = *req;
    if (!rq.url) rq.url = "https://a.test/";
  }
  if ((ctx && dt_ctx_options_check(ctx, &e)) ||
      (req && dt_request_check(&rq, &e)))
    return cli_usage_error("%s", e.message);
  return 0;
}

int cli_req_set_body(cli_request_opts *r, const char *arg, int binary,
                     size_t max) {
  free(r->body);
  r->body = NULL;
  r->body_len = 0;
  if (arg[0] == '@') {
    if (cli_read_file(arg + 1, max, &r->body, &r->body_len))
      return CLI_EXIT_USAGE;
    if (!binary) { /* curl -d @file drops CR and LF */
      size_t w = 0;
      for (size_t i = 0; i < r->body_len; i++)
        if (r->body[i] != '\r' && r->body[i] != '\n') r->body[w++] = r->body[i];
      r->body_len = w;
    }
    return 0;
  }
  r->body_len = strlen(arg);
  r->body = malloc(r->body_len + 1);
  if (!r->body) return cli_usage_error("out of memory");
  memcpy(r->body, arg, r->body_len + 1);
  return 0;
}

int cli_req_add_body(cli_request_opts *r, const char *arg, cli_body_kind kind,
                     size_t max) {
  char *part = NULL;
  size_t n = 0;
  if (arg[0] == '@' && kind != CLI_BODY_RAW) {
    if (cli_read_file(arg + 1, max, &part, &n)) return CLI_EXIT_USAGE;
    if (kind == CLI_BODY_DATA) { /* curl -d @file drops CR and LF */
      size_t w = 0;
      for (size_t i = 0; i < n; i++)
        if (part[i] != '\r' && part[i] != '\n') part[w++] = part[i];
      n = w;
    }
  } else {
    n = strlen(arg);
    part = malloc(n + 1);
    if (!part) return cli_usage_error("out of memory");
    memcpy(part, arg, n + 1);
  }
  int json = kind == CLI_BODY_JSON;
  if (r->body && json != r->body_json) {
    free(part);
    return cli_usage_error("--json and -d/--data-* cannot be mixed (curl "
                           "neither)");
  }
  /* curl: -d pieces joined with '&', --json pieces concatenated */
  size_t sep = r->body && !json ? 1 : 0;
  if (r->body_len + sep + n > max) {
    free(part);
    return cli_usage_error("the request body would exceed %zu bytes", max);
  }
  char *b = realloc(r->body, r->body_len + sep + n + 1);
  if (!b) {
    free(part);
    return cli_usage_error("out of memory");
  }
  if (sep) b[r->body_len] = '&';
  memcpy(b + r->body_len + sep, part, n);
  r->body = b;
  r->body_len += sep + n;
  r->body[r->body_len] = 0;
  r->body_json = json;
  free(part);
  return 0;
}

static int has_header(const cli_request_opts *r, const char *name) {
  for (size_t i = 0; i < r->nheaders; i++)
    if (!strcasecmp(r->headers[i].name, name)) return 1;
  return 0;
}

int cli_req_body_fields(cli_request_opts *r) {
  if (!r->body) return 0;
  int rc = 0;
  if (!has_header(r, "Content-Type"))
    rc = cli_req_add_header(r, r->body_json
                                   ? "Content-Type: application/json"
                                   : "Content-Type: "
                                     "application/x-www-form-urlencoded");
  if (!rc && r->body_json && !has_header(r, "Accept"))
    rc = cli_req_add_header(r, "Accept: application/json");
  return rc;
}

static int add_spec(const char **list, size_t *n, const char *spec,
                    const char *opt) {
  if (*n == CLI_MAX_OVERRIDES)
    return cli_usage_error("too many %s options (at most %d)", opt,
                           CLI_MAX_OVERRIDES);
  list[(*n)++] = spec;
  return 0;
}

int cli_req_add_resolve(cli_request_opts *r, const char *spec) {
  return add_spec(r->resolve, &r->nresolve, spec, "--resolve");
}

int cli_req_add_connect_to(cli_request_opts *r, const char *spec) {
  return add_spec(r->connect_to, &r->nconnect_to, spec, "--connect-to");
}

int cli_req_apply_overrides(const cli_request_opts *r, dt_ctx *ctx) {
  for (size_t i = 0; i < r->nresolve; i++)
    if (dt_ctx_add_resolve(ctx, r->resolve[i]))
      return cli_usage_error("bad --resolve '%s' (want HOST:PORT:ADDR[,ADDR])",
                             r->resolve[i]);
  for (size_t i = 0; i < r->nconnect_to; i++)
    if (dt_ctx_add_connect_to(ctx, r->connect_to[i]))
      return cli_usage_error(
          "bad --connect-to '%s' (want HOST:PORT:HOST2:PORT2)",
          r->connect_to[i]);
  return 0;
}

void cli_req_free(cli_request_opts *r) {
  for (size_t i = 0; i < r->nheaders; i++)
    free(r->header_bufs[i]);
  r->nheaders = 0;
  free(r->body);
  r->body = NULL;
}
