/*
 * timer.c - one-shot per-connection timers.
 *
 * Timers due in the same poll fire in stamp order; equal stamps fire in
 * connection order. The stamp is cleared before the handler runs, so a
 * handler re-arms its own timer by calling mg_set_timer() again.
 */
#include <stdlib.h>

#include "internal.h"

struct due_timer {
  struct mg_connection *nc;
  double stamp;
  size_t order; /* position in the connection list: the tie-breaker */
};

double mg_set_timer(struct mg_connection *nc, double timestamp) {
  double previous = nc->ev_timer_time;
  nc->ev_timer_time = timestamp;
  return previous;
}

/* The earliest moment something time-driven is due, or 0 if nothing is. */
double mg_timers_next_due(struct mg_mgr *mgr) {
  struct mg_connection *nc;
  double next = 0;
  for (nc = mgr->active_connections; nc != NULL; nc = nc->next) {
    double t = nc->ev_timer_time;
    if ((nc->engine_flags & MG_F_RESOLVING) &&
        (t <= 0 || nc->resolve_deadline < t)) {
      t = nc->resolve_deadline;
    }
    if (nc->proto_deadline > 0 && (t <= 0 || nc->proto_deadline < t)) {
      t = nc->proto_deadline;
    }
    if (t > 0 && (next == 0 || t < next)) next = t;
  }
  return next;
}

static int by_stamp(const void *a, const void *b) {
  const struct due_timer *x = (const struct due_timer *) a;
  const struct due_timer *y = (const struct due_timer *) b;
  if (x->stamp != y->stamp) return x->stamp < y->stamp ? -1 : 1;
  return x->order < y->order ? -1 : (x->order > y->order);
}

static int grow_due(struct mg_mgr *mgr, size_t need) {
  size_t cap = mgr->due_cap ? mgr->due_cap : 16;
  void *p;
  if (need <= mgr->due_cap) return 1;
  while (cap < need) cap *= 2;
  p = realloc(mgr->due, cap * sizeof(struct due_timer));
  if (p == NULL) return 0;
  mgr->due = p;
  mgr->due_cap = cap;
  return 1;
}

void mg_timers_fire(struct mg_mgr *mgr, double now) {
  struct mg_connection *nc;
  struct due_timer *due;
  size_t n = 0, order = 0, i;

  for (nc = mgr->active_connections; nc != NULL; nc = nc->next, order++) {
    if (nc->ev_timer_time <= 0 || nc->ev_timer_time > now) continue;
    if (!grow_due(mgr, n + 1)) break; /* the rest fire next poll */
    due = (struct due_timer *) mgr->due;
    due[n].nc = nc;
    due[n].stamp = nc->ev_timer_time;
    due[n].order = order;
    n++;
  }
  if (n == 0) return;
  due = (struct due_timer *) mgr->due;
  qsort(due, n, sizeof(*due), by_stamp);
  for (i = 0; i < n; i++) {
    double stamp = due[i].stamp;
    nc = due[i].nc;
    /* An earlier handler may have re-armed or disarmed this one. */
    if (nc->ev_timer_time != stamp) continue;
    if (nc->closing || (nc->flags & MG_F_CLOSE_IMMEDIATELY)) continue;
    nc->ev_timer_time = 0;
    mg_call(nc, NULL, MG_EV_TIMER, &stamp);
  }
}
