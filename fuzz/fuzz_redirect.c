/* fuzz_redirect.c — what a server sends that the redirect rules read:
 * Location (resolved against the current URL), Referrer-Policy, and the
 * freshness fields (Cache-Control, Expires, Pragma) behind the permanent
 * redirect mark. Input: byte 0 picks the status and the profile, byte 1
 * the method; the rest is header lines "Name: value" separated by '\n'.
 * Every verdict must come with a filled-in result, and a FOLLOW must leave
 * a request that serialises. */
#include "engine/nav/redirect.h"
#include "engine/nav/referrer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FIELDS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const int statuses[] = {301, 302, 303, 307, 308, 300, 304, 200};
  static const char *methods[] = {"GET",    "POST",  "HEAD",    "PUT",
                                  "DELETE", "PATCH", "OPTIONS", "get"};
  if (size < 2 || size > 16384) return 0;
  int status = statuses[data[0] & 7];
  const dt__profile *prof =
      dt__profile_at((data[0] >> 3) % dt__profile_count());
  const char *method = methods[data[1] & 7];
  char *text = malloc(size - 1);
  if (!text) return 0;
  memcpy(text, data + 2, size - 2);
  text[size - 2] = 0;
  static const char *names[] = {"Location", "Referrer-Policy", "Cache-Control",
                                "Expires", "Pragma"};
  dt_header h[MAX_FIELDS];
  size_t n = 0;
  for (char *line = text; line && n < MAX_FIELDS;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = 0;
    /* A line "k:value": k (0-4) names the field, so short inputs reach
     * every parser; anything else is a Location. */
    if (line[0] >= '0' && line[0] <= '4' && line[1] == ':')
      h[n++] = (dt_header){names[line[0] - '0'], line + 2};
    else
      h[n++] = (dt_header){"Location", line};
    line = nl ? nl + 1 : NULL;
  }
  dt__referrer_policy pol;
  dt__referrer_policy_parse_header(h, n, data[1] & 8, &pol);
  dt__redirect_is_cacheable_permanent(status, h, n);

  dt_url *url = NULL, *page = NULL;
  const char *u = "https://a.test/form?x=1#frag";
  const char *p = "https://www.a.test/page";
  if (dt_url_parse(&url, u, strlen(u), NULL) == 0 &&
      dt_url_parse(&page, p, strlen(p), NULL) == 0) {
    dt_header caller[] = {{"Authorization", "Basic eA=="},
                          {"Content-Type", "text/plain"}};
    dt__redirect_params prm = {.profile = prof,
                               .url = url,
                               .method = method,
                               .has_body = 1,
                               .headers = caller,
                               .header_count = 2,
                               .initiator = page};
    dt__redirect_state st;
    if (dt__redirect_init(&st, &prm) == 0) {
      dt__redirect_out out;
      for (int hop = 0; hop < 3; hop++) { /* the same answer, thrice */
        dt__redirect_verdict v = dt__redirect_next(&st, status, h, n, &out);
        if (v == DT__REDIRECT_ERROR && out.err == 0) abort();
        if (v != DT__REDIRECT_FOLLOW) break;
        dt__redirect_request rq;
        dt__redirect_current(&st, &rq);
        char *target = dt_url_request_target(rq.url);
        if (!target || !rq.method) abort();
        free(target);
      }
    }
    dt__redirect_cleanup(&st);
  }
  dt_url_free(url);
  dt_url_free(page);
  free(text);
  return 0;
}
