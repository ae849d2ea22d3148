/* fuzz_url.c — the URL parser must accept or reject any bytes without a
 * crash or leak, and what it serializes must parse back to itself (the URL
 * Standard's href idempotence). Each input is parsed alone and against a
 * fixed base; every getter, the request target, and the setters run on
 * whatever parses. A non-idempotent href aborts only under libFuzzer (whose
 * driver calls LLVMFuzzerInitialize; the replay driver doesn't), so the
 * replay test reports it without stopping. */
#include "detour.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static int g_libfuzzer;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  g_libfuzzer = 1;
  return 0;
}

static void mismatch(const char *what, const char *a, const char *b) {
  fprintf(stderr, "fuzz_url: %s: \"%s\" vs \"%s\"\n", what, a, b);
  if (g_libfuzzer) abort();
}

static void reparse(const dt_url *u) {
  const char *href = dt_url_get(u, DT_URL_HREF);
  dt_url *again = NULL;
  int rc = dt_url_parse(&again, href, strlen(href), NULL);
  if (rc != 0)
    mismatch("href does not reparse", href, "");
  else if (strcmp(dt_url_get(again, DT_URL_HREF), href) != 0)
    mismatch("href changes on reparse", href, dt_url_get(again, DT_URL_HREF));
  dt_url_free(again);
}

static void exercise(const dt_url *u, const char *value) {
  reparse(u);
  size_t total = 0;
  for (int p = DT_URL_HREF; p <= DT_URL_HASH; p++)
    total += strlen(dt_url_get(u, (dt_url_part)p));
  (void)total;
  (void)dt_url_port_or_default(u);
  (void)dt_url_host_kind(u);
  (void)dt_url_same_origin(u, u);
  char *t = dt_url_request_target(u);
  dt_free(t);
  dt_url *d = dt_url_dup(u);
  dt_url_free(d);
  /* Setters with the fuzz input as the value: their results must be
   * idempotent too. */
  static const dt_url_part setters[] = {
      DT_URL_PROTOCOL, DT_URL_USERNAME, DT_URL_PASSWORD,
      DT_URL_HOST,     DT_URL_HOSTNAME, DT_URL_PORT,
      DT_URL_PATHNAME, DT_URL_SEARCH,   DT_URL_HASH};
  for (size_t i = 0; i < sizeof setters / sizeof setters[0]; i++) {
    dt_url *w = dt_url_with(u, setters[i], value);
    if (w) reparse(w);
    dt_url_free(w);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) return 0; /* long inputs add nothing but time */
  const char *in = (const char *)data;
  char *z = malloc(size + 1);
  if (z == NULL) return 0;
  memcpy(z, data, size);
  z[size] = '\0'; /* setters take C strings: a NUL cuts the value short */

  dt_url *u = NULL;
  if (dt_url_parse(&u, in, size, NULL) == 0) exercise(u, z);
  dt_url_free(u);

  /* The parse for people (url_why.c) agrees with the parse, and the byte it
   * points at is inside the input; the scheme guess gives a URL that
   * parses. */
  dt_error e = {0};
  u = NULL;
  int rc = dt_url_parse_err(&u, in, size, NULL, &e);
  if ((rc == 0) != (u != NULL) || (rc && e.code != rc))
    mismatch("dt_url_parse_err disagrees", z, e.message);
  if (rc && e.column > size + 1) mismatch("caret past the input", z, "");
  dt_url_free(u);
  char guess[512];
  if (dt_url_missing_scheme(z, guess, sizeof guess)) {
    u = NULL;
    if (dt_url_parse(&u, guess, strlen(guess), NULL) != 0)
      mismatch("the scheme guess does not parse", z, guess);
    dt_url_free(u);
  }

  static const char *bases[] = {"http://user:pw@a.test:8080/d/f?q#h",
                                "file:///C:/dir/file", "foo://h/p/q",
                                "data:text/plain,x"};
  dt_url *base = NULL;
  const char *b = bases[size % 4];
  if (dt_url_parse(&base, b, strlen(b), NULL) == 0) {
    u = NULL;
    if (dt_url_parse(&u, in, size, base) == 0) exercise(u, z);
    dt_url_free(u);
  }
  dt_url_free(base);

  char out[256];
  (void)dt_host_canonicalize(in, size, out, sizeof out);
  free(z);
  return 0;
}
