/* fuzz_address_bar.c — what the address bar makes of typed text
 * (dt_address_bar_url, engine/nav/address_bar.c) must be a URL or a clear
 * error for any bytes, without a crash or leak. What it gives must parse,
 * and typed again it must stay itself (a URL with its scheme is kept); a
 * violation aborts only under libFuzzer (its driver calls
 * LLVMFuzzerInitialize), the replay test reports it. */
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

static void bad(const char *what, const char *url) {
  fprintf(stderr, "fuzz_address_bar: %s: \"%s\"\n", what, url);
  if (g_libfuzzer) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = 0; /* the text stops at a NUL, as a C string does */
  char *url = NULL;
  int schemeless = -1;
  dt_error err;
  int rc = dt_address_bar_url(text, &url, &schemeless, &err);
  if (rc == 0) {
    dt_url *u = NULL;
    if (!url || dt_url_parse(&u, url, strlen(url), NULL) != 0)
      bad("the URL does not parse", url ? url : "(null)");
    dt_url_free(u);
    char *again = NULL;
    int s2 = -1;
    if (url && dt_address_bar_url(url, &again, &s2, NULL) == 0 &&
        strcmp(again, url) != 0)
      bad("typed again it changes", url);
    dt_free(again);
  } else if (url || schemeless != 0 || !err.message[0]) {
    bad("an error left a URL, a flag or no message", text);
  }
  dt_free(url);
  free(text);
  return 0;
}
