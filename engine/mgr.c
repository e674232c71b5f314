/*
 * mgr.c - the event manager: its ifaces, the poll loop, event dispatch.
 *
 * One mg_mgr_poll() is, in order:
 *   1. flush: every connection with queued data gets one send attempt, so
 *      data queued since the last poll leaves before we wait (and bytes
 *      consumed outside handlers are reported to the iface);
 *   2. wait: the ifaces report accepts, connect results, received bytes,
 *      peer closes, resolutions and broadcasts (through iface_cb.c), for at
 *      most the caller's timeout, cut short by the next timer;
 *   3. timers: every due timer fires, in stamp order;
 *   4. service, per connection in list order: a deferred CONNECT or a
 *      resolve timeout, POLL, one send attempt, and the close if one is due.
 * A close requested in any event of this poll therefore acts in this poll.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The clock mg_time() reads: the main iface of the manager in use. */
static struct mg_iface *_Atomic s_clock_iface;
/* Counts the managers started. What the core remembers from one request to
 * the next (http_static.c's caches) is kept for one manager's life only. */
static _Atomic unsigned long s_mgr_epoch;

unsigned long mg_mgr_epoch(void) { return s_mgr_epoch; }

/* How long mg_mgr_free() keeps trying to deliver queued data. */
#define MG_FREE_FLUSH_SECONDS 1.0
#define MG_FREE_STALLED_ROUNDS 1000

double mg_time(void) {
  struct mg_iface *iface = s_clock_iface;
  if (iface != NULL && iface->vtable->now != NULL) return iface->vtable->now(iface);
  return mg_default_iface_vtable->now(NULL);
}

double mg_mgr_now(struct mg_mgr *mgr) {
  if (mgr == NULL || mgr->now_state == 0) return mg_time();
  if (mgr->now_state == 1) {
    mgr->now = mg_time();
    mgr->now_state = 2;
  }
  return mgr->now;
}

void mg_call(struct mg_connection *nc, mg_event_handler_t handler, int ev,
             void *ev_data) {
  if (handler == NULL) {
    handler = nc->proto_handler != NULL ? nc->proto_handler : nc->handler;
  }
  if (handler != NULL) handler(nc, ev, ev_data);
  /* Engine-owned flags are the engine's: undo whatever the handler did. */
  nc->flags = (nc->flags & ~MG_F_ENGINE_MASK) | nc->engine_flags;
  mg_conn_report_consumed(nc);
}

void mg_mgr_init(struct mg_mgr *mgr, void *user_data) {
  struct mg_mgr_init_opts opts;
  memset(&opts, 0, sizeof(opts));
  mg_mgr_init_opt(mgr, user_data, opts);
}

void mg_mgr_init_opt(struct mg_mgr *mgr, void *user_data,
                     struct mg_mgr_init_opts opts) {
  int i, n = 1 + (opts.num_ifaces > 0 ? opts.num_ifaces : 0);
  memset(mgr, 0, sizeof(*mgr));
  s_mgr_epoch++;
  mgr->ctl[0] = mgr->ctl[1] = INVALID_SOCKET;
  mgr->user_data = user_data;
  mgr->nameserver = opts.nameserver;
  mgr->ifaces = (struct mg_iface **) calloc((size_t) n, sizeof(*mgr->ifaces));
  if (mgr->ifaces == NULL) return; /* num_ifaces 0: every bind/connect fails */
  for (i = 0; i < n; i++) {
    struct mg_iface *iface = (struct mg_iface *) calloc(1, sizeof(*iface));
    if (iface == NULL) break;
    iface->mgr = mgr;
    iface->vtable = i == 0 ? (opts.main_iface != NULL ? opts.main_iface
                                                      : mg_default_iface_vtable)
                           : opts.ifaces[i - 1];
    mgr->ifaces[i] = iface;
    mgr->num_ifaces = i + 1;
    if (iface->vtable->init != NULL) iface->vtable->init(iface);
  }
  if (mgr->num_ifaces > 0) s_clock_iface = mgr->ifaces[0];
}

/* Also tells the ifaces what was consumed outside any handler, so that a
 * window it opens counts before the wait, not after. */
static void flush_all(struct mg_mgr *mgr) {
  struct mg_connection *nc;
  for (nc = mgr->active_connections; nc != NULL; nc = nc->next) {
    mg_conn_report_consumed(nc);
    mg_conn_flush(nc);
  }
}

static int has_pending_send(const struct mg_connection *nc) {
  const unsigned long busy = MG_F_LISTENING | MG_F_CONNECTING | MG_F_RESOLVING;
  return nc->send_mbuf.len > 0 && !(nc->engine_flags & busy) &&
         !(nc->flags & MG_F_CLOSE_IMMEDIATELY);
}

void mg_mgr_free(struct mg_mgr *mgr) {
  struct mg_connection *nc;
  double deadline, last_time = -1;
  size_t last_queued = 0;
  int i, stalled = 0;
  if (mgr->ifaces == NULL) return;
  s_clock_iface = mgr->num_ifaces > 0 ? mgr->ifaces[0] : NULL;

  /* Deliver what was queued before the free, for a bounded time. An iface
   * whose clock stands still (a simulation) bounds it by rounds without
   * progress instead: neither a byte sent nor a tick of the clock. */
  deadline = mg_time() + MG_FREE_FLUSH_SECONDS;
  for (;;) {
    int pending = 0;
    size_t queued = 0;
    double then = mg_time();
    flush_all(mgr);
    for (nc = mgr->active_connections; nc != NULL; nc = nc->next) {
      pending |= has_pending_send(nc);
      queued += nc->send_mbuf.len;
    }
    if (!pending || mg_time() >= deadline) break;
    if (queued == last_queued && then == last_time && ++stalled > MG_FREE_STALLED_ROUNDS) {
      break;
    }
    if (queued != last_queued || then != last_time) stalled = 0;
    last_queued = queued;
    last_time = then;
    for (i = 0; i < mgr->num_ifaces; i++) {
      double left_ms = ceil((deadline - mg_time()) * 1000.0);
      mgr->ifaces[i]->vtable->poll(mgr->ifaces[i], left_ms < 10 ? (int) left_ms : 10);
    }
  }

  while (mgr->active_connections != NULL) {
    mg_conn_close(mgr->active_connections);
  }
  s_clock_iface = NULL; /* mg_time() falls back to the default iface's clock */
  for (i = 0; i < mgr->num_ifaces; i++) {
    if (mgr->ifaces[i]->vtable->free != NULL) {
      mgr->ifaces[i]->vtable->free(mgr->ifaces[i]);
    }
    free(mgr->ifaces[i]);
  }
  free(mgr->ifaces);
  free(mgr->due);
  mgr->ifaces = NULL;
  mgr->num_ifaces = 0;
  mgr->due = NULL;
  mgr->due_cap = 0;
}

/* How long the ifaces may wait: the caller's limit, cut short by the next
 * timer, and zero when there is already work to do. */
static int wait_budget(struct mg_mgr *mgr, int milli, double now) {
  struct mg_connection *nc;
  double next = mg_timers_next_due(mgr);
  int timeout = milli > 0 ? milli : 0;
  for (nc = mgr->active_connections; nc != NULL; nc = nc->next) {
    if (nc->pending_connect || mg_conn_wants_close(nc)) return 0;
  }
  if (next > 0) {
    double ms = ceil((next - now) * 1000.0);
    if (ms <= 0) return 0;
    if (ms < timeout) timeout = (int) ms;
  }
  return timeout;
}

static void service(struct mg_connection *nc, double now) {
  time_t now_t = (time_t) now;
  if (!(nc->flags & MG_F_CLOSE_IMMEDIATELY)) {
    if (nc->pending_connect) {
      int err = nc->pending_err;
      nc->pending_connect = 0;
      mg_conn_set_eflags(nc, 0, MG_F_CONNECTING | MG_F_RESOLVING);
      nc->err = err;
      mg_call(nc, NULL, MG_EV_CONNECT, &err);
      if (err != 0) nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    } else if ((nc->engine_flags & MG_F_RESOLVING) &&
               now >= nc->resolve_deadline) {
      int err = ETIMEDOUT;
      mg_conn_set_eflags(nc, 0, MG_F_RESOLVING);
      nc->err = err;
      mg_call(nc, NULL, MG_EV_CONNECT, &err);
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    }
  }
  if (!(nc->flags & MG_F_CLOSE_IMMEDIATELY)) {
    mg_call(nc, NULL, MG_EV_POLL, &now_t);
    mg_conn_flush(nc);
  }
  if (mg_conn_wants_close(nc)) mg_conn_close(nc);
}

int mg_mgr_poll(struct mg_mgr *mgr, int milli) {
  struct mg_connection *nc, *next;
  double now;
  int i, count = 0;
  if (mgr->num_ifaces == 0) return 0;
  s_clock_iface = mgr->ifaces[0];

  flush_all(mgr);
  now = mg_time();
  /* Secondary ifaces are only peeked at; the main iface does the waiting.
   * Whatever an iface reports before it waits, it reports without waiting:
   * the first time stamp its events ask for is taken after any wait. */
  for (i = mgr->num_ifaces - 1; i >= 0; i--) {
    mgr->now_state = 1;
    mgr->ifaces[i]->vtable->poll(mgr->ifaces[i],
                                 i == 0 ? wait_budget(mgr, milli, now) : 0);
  }
  now = mg_mgr_now(mgr);
  mg_timers_fire(mgr, now);
  for (nc = mgr->active_connections; nc != NULL; nc = next) {
    next = nc->next;
    service(nc, now);
  }
  mgr->now_state = 0;
  for (nc = mgr->active_connections; nc != NULL; nc = nc->next) count++;
  return count;
}

struct mg_connection *mg_next(struct mg_mgr *mgr, struct mg_connection *c) {
  return c == NULL ? mgr->active_connections : c->next;
}

void mg_broadcast(struct mg_mgr *mgr, mg_event_handler_t cb, void *data,
                  size_t len) {
  struct mg_iface *iface;
  if (mgr->num_ifaces == 0) return;
  iface = mgr->ifaces[0];
  if (iface->vtable->broadcast != NULL) {
    iface->vtable->broadcast(iface, cb, data, len);
  }
}
