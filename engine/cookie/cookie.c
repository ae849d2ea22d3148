/* cookie.c — see cookie.h. */
#include "engine/cookie/cookie.h"

static const struct {
  const char *name, *msg;
} reasons[] = {{"", ""},
#define DT__CR_ROW(e, name, msg) {name, msg},
               DT__COOKIE_REASONS(DT__CR_ROW)
#undef DT__CR_ROW
};

const char *dt__cookie_reason_name(dt__cookie_reason r) {
  return (unsigned)r < sizeof reasons / sizeof reasons[0] ? reasons[r].name
                                                          : "";
}

const char *dt__cookie_reason_message(dt__cookie_reason r) {
  return (unsigned)r < sizeof reasons / sizeof reasons[0] ? reasons[r].msg : "";
}

const char *dt__samesite_name(dt__samesite s) {
  switch (s) {
  case DT__SAMESITE_NONE: return "None";
  case DT__SAMESITE_LAX: return "Lax";
  case DT__SAMESITE_STRICT: return "Strict";
  default: return 0;
  }
}

const char *dt__priority_name(dt__cookie_priority p) {
  return p == DT__PRIORITY_LOW    ? "Low"
         : p == DT__PRIORITY_HIGH ? "High"
                                  : "Medium";
}
