/*
 * log_and_lists: the small helpers a Mongoose 6 program leans on (the
 * leveled log, glob matching, comma lists, c_snprintf, base64 into an mbuf,
 * cs_timegm), from mongoose.h alone. It prints what they give; the check
 * compares the output with known values.
 */
#include "mongoose.h"

static const char *s_pattern = "/api/**|**.png$";

int main(void) {
  static const char *paths[] = {"/index.html", "/API/v1/users", "/img/logo.PNG",
                                "/img/logo.png.bak"};
  const char *list = "debug=3,name=demo,verbose";
  struct mg_str key, value;
  struct mbuf mb;
  struct tm tm;
  char buf[12];
  size_t i;
  int n;

  cs_log_set_file(stdout);
  LOG(LL_INFO, ("not shown: the default level is LL_ERROR"));
  cs_log_set_level(LL_INFO);
  LOG(LL_INFO, ("starting %s", "up"));
  LOG(LL_DEBUG, ("not shown: above the level"));

  for (i = 0; i < ARRAY_SIZE(paths); i++) {
    printf("match %s %d\n", paths[i],
           mg_match_prefix(s_pattern, (int) strlen(s_pattern), paths[i]));
  }
  while ((list = mg_next_comma_list_entry(list, &key, &value)) != NULL) {
    printf("entry [%.*s] [%.*s]\n", (int) key.len, key.p, (int) value.len,
           value.p);
  }
  n = c_snprintf(buf, sizeof(buf), "%s-%05d", "truncated", 42);
  printf("snprintf %d %s\n", n, buf);

  mbuf_init(&mb, 0);
  mg_mbuf_append_base64(&mb, "user:pass", 9);
  printf("base64 %.*s\n", (int) mb.len, mb.buf);
  mbuf_free(&mb);

  memset(&tm, 0, sizeof(tm));
  tm.tm_year = 2024 - 1900;
  tm.tm_mon = 1;
  tm.tm_mday = 29;
  tm.tm_hour = 12;
  printf("timegm %.0f\n", cs_timegm(&tm));
  LOG(LL_ERROR, ("done"));
  return EXIT_SUCCESS;
}
