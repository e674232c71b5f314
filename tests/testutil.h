/*
 * testutil.h - shared helpers of the native (127.0.0.1) tests: an event
 * recorder that also checks the one-CLOSE-last rule, and poll-until loops.
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mongoose.h"

/* Polls until cond holds or `seconds` pass; generous limits, since they only
 * bound a failing test, never measure a passing one. */
#define POLL_UNTIL(mgr, cond, seconds)                  \
  do {                                                  \
    double poll_deadline_ = mg_time() + (seconds);      \
    while (!(cond) && mg_time() < poll_deadline_) {     \
      mg_mgr_poll((mgr), 5);                            \
    }                                                   \
  } while (0)

/* What one connection saw, except POLL, which is only counted. */
struct rec {
  char log[1024];
  int counts[7];
  int after_close; /* events delivered after CLOSE: must stay 0 */
  int closed;
};

static inline void rec_add(struct rec *r, int ev, void *ev_data) {
  static const char *names[] = {"POLL", "ACCEPT", "CONNECT", "RECV",
                                "SEND", "CLOSE",  "TIMER"};
  char item[48];
  size_t used = strlen(r->log);
  if (r->closed) r->after_close++;
  if (ev < 0 || ev > MG_EV_TIMER) return;
  r->counts[ev]++;
  if (ev == MG_EV_POLL) return;
  if (ev == MG_EV_CONNECT || ev == MG_EV_RECV || ev == MG_EV_SEND) {
    snprintf(item, sizeof(item), "%s%s(%d)", used ? " " : "", names[ev],
             *(int *) ev_data);
  } else {
    snprintf(item, sizeof(item), "%s%s", used ? " " : "", names[ev]);
  }
  if (used + strlen(item) < sizeof(r->log)) strcat(r->log, item);
  if (ev == MG_EV_CLOSE) r->closed = 1;
}

/* The port a connection is bound to. */
static inline int local_port(struct mg_connection *nc) {
  char buf[16];
  assert_true(mg_conn_addr_to_str(nc, buf, sizeof(buf),
                                  MG_SOCK_STRINGIFY_PORT) > 0);
  return atoi(buf);
}

/* "tcp://127.0.0.1:PORT" for a listener. */
static inline const char *addr_of(struct mg_connection *lc, const char *scheme) {
  static char buf[64];
  snprintf(buf, sizeof(buf), "%s://127.0.0.1:%d", scheme, local_port(lc));
  return buf;
}

#endif
