/* slow_dns.c — TEST ONLY: an LD_PRELOAD shim whose getaddrinfo() sleeps
 * DT_SLOW_DNS_MS milliseconds (default 2000) before answering "no such
 * name", so a test can watch detour's DNS timeout fire without any real
 * resolver or network. */
#define _GNU_SOURCE
#include <netdb.h>
#include <stdlib.h>
#include <time.h>

int getaddrinfo(const char *node, const char *service,
                const struct addrinfo *hints, struct addrinfo **res) {
  (void)node;
  (void)service;
  (void)hints;
  const char *ms = getenv("DT_SLOW_DNS_MS");
  long v = ms ? atol(ms) : 2000;
  struct timespec ts = {v / 1000, (v % 1000) * 1000000L};
  nanosleep(&ts, NULL);
  *res = NULL;
  return EAI_NONAME;
}
