/*
 * native_world.c - the native world's clock, run loop, connection ids, DNS
 * table and trace (its iface is native_iface.c, its peers native_peer.c).
 *
 * At each instant the run loop polls the engine without waiting and serves
 * the peers until neither has done anything for a while of wall time: the
 * kernel has then delivered all it will. Only then does the clock move on,
 * to the next line, engine deadline, held connect, DNS answer or datagram.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "native_internal.h"

/* An instant is settled when nothing happened for this long (wall time)
 * over at least SETTLE_ROUNDS rounds: loopback delivery is done within the
 * sending call, so this only covers the scheduler's hiccups. */
#define SETTLE_QUIET_US 1500
#define SETTLE_ROUNDS 3
#define MAX_POLLS_PER_INSTANT 2000000L

struct native *native_running;

static int64_t mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void nap_us(long us) {
  struct timespec ts = {0, us * 1000};
  nanosleep(&ts, NULL);
}

int native_set_error(struct native *w, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(w->error, sizeof(w->error), fmt, ap);
  va_end(ap);
  return -1;
}

void native_addr_str(const union socket_address *sa, char *buf, size_t len) {
  if (mg_sock_addr_to_str(sa, buf, len, MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT) < 0) {
    snprintf(buf, len, "?");
  }
}

int native_addr_eq(const union socket_address *a, const union socket_address *b) {
  if (a->sa.sa_family != b->sa.sa_family) return 0;
  if (a->sa.sa_family == AF_INET6) {
    return a->sin6.sin6_port == b->sin6.sin6_port &&
           memcmp(&a->sin6.sin6_addr, &b->sin6.sin6_addr, 16) == 0;
  }
  return a->sin.sin_port == b->sin.sin_port && a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
}

int native_parse_addr(const char *str, union socket_address *sa) {
  int proto;
  return mg_parse_address(str, sa, &proto, NULL, 0) == 1 ? 0 : -1;
}

/* ---- the world ----------------------------------------------------------- */

struct native *native_new(uint64_t seed, double time_scale) {
  struct native *w = (struct native *) calloc(1, sizeof(*w));
  if (w == NULL) return NULL;
  w->scale = time_scale > 0 ? time_scale : 0;
  w->poll_limit = MAX_POLLS_PER_INSTANT;
  w->knobs.delay_us = 100;
  w->knobs.connect_timeout_us = 20 * 1000000LL;
  w->next_port = 40000;
  w->relay_listener = -1;
  rng_seed(&w->rng, seed);
  mbuf_init(&w->trace, 0);
  native_running = w;
  return w;
}

void native_free(struct native *w) {
  if (w == NULL) return;
  native_peers_free(w);
  while (w->dns != NULL) {
    struct ndns *d = w->dns;
    w->dns = d->next;
    free(d);
  }
  free(w->dns_due);
  while (w->nconnects > 0) {
    if (w->connects[--w->nconnects].fd >= 0) close(w->connects[w->nconnects].fd);
  }
  free(w->connects);
  free(w->ids);
  free(w->conns);
  mbuf_free(&w->trace);
  if (native_running == w) native_running = NULL;
  free(w);
}

int64_t native_now(const struct native *w) { return w->now; }
struct sim_knobs *native_knobs(struct native *w) { return &w->knobs; }
uint64_t native_activity(const struct native *w) { return w->activity; }
const char *native_error(const struct native *w) { return w->error; }
enum sim_limit native_limit_hit(const struct native *w) { return w->limit_hit; }
void native_set_poll_limit(struct native *w, long limit) { w->poll_limit = limit; }
void native_set_tracing(struct native *w, int on) { w->untraced = !on; }
int native_tracing(const struct native *w) { return !w->untraced; }
void native_touch(struct native *w) { w->activity++; }

void native_set_limits(struct native *w, size_t trace_bytes, uint64_t work) {
  w->trace_limit = trace_bytes;
  w->work_limit = work;
}

static void stop_v(struct native *w, enum sim_limit why, const char *fmt, va_list ap) {
  if (w->limit_hit != SIM_LIMIT_NONE) return;
  w->limit_hit = why;
  vsnprintf(w->error, sizeof(w->error), fmt, ap);
}

void native_stop(struct native *w, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  stop_v(w, SIM_LIMIT_CALLER, fmt, ap);
  va_end(ap);
}

static void stop_at(struct native *w, enum sim_limit why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void stop_at(struct native *w, enum sim_limit why, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  stop_v(w, why, fmt, ap);
  va_end(ap);
}

/* ---- the trace ----------------------------------------------------------- */

void native_trace(struct native *w, const char *who, const char *fmt, ...) {
  char line[512];
  int n;
  va_list ap;
  w->activity++;
  if (w->untraced) return;
  n = snprintf(line, sizeof(line), "%10lld %-6s ", (long long) w->now, who);
  va_start(ap, fmt);
  vsnprintf(line + n, sizeof(line) - (size_t) n - 1, fmt, ap);
  va_end(ap);
  strcat(line, "\n");
  if (w->limit_hit == SIM_LIMIT_TRACE ||
      (w->trace_limit > 0 && w->trace.len + strlen(line) > w->trace_limit)) {
    stop_at(w, SIM_LIMIT_TRACE, "the run produced over %zu MiB of trace by t=%lld us",
            w->trace_limit >> 20, (long long) w->now);
    return;
  }
  if (mbuf_append(&w->trace, line, strlen(line) + 1) > 0) w->trace.len--;
}

const char *native_trace_text(const struct native *w) {
  return w->trace.len > 0 ? w->trace.buf : "";
}

size_t native_trace_len(const struct native *w) { return w->trace.len; }

char *native_trace_take(struct native *w) {
  char *text;
  if (w->trace.len == 0) {
    text = (char *) calloc(1, 1);
  } else {
    mbuf_resize(&w->trace, w->trace.len + 1);
    text = w->trace.buf;
    w->trace.buf = NULL;
  }
  mbuf_init(&w->trace, 0);
  return text;
}

/* ---- connection ids ------------------------------------------------------ */

static const struct mg_connection s_gone;
#define ID_GONE (&s_gone)

static size_t slot_of(const struct mg_connection *nc, size_t cap) {
  uint64_t h = (uint64_t) (uintptr_t) nc * 0x9e3779b97f4a7c15ull;
  return (size_t) (h >> 20) & (cap - 1);
}

static int ids_put(struct native *w, const struct mg_connection *nc, int id) {
  size_t i;
  if ((w->ids_used + 1) * 2 > w->ids_cap) {
    size_t cap = w->ids_cap ? w->ids_cap * 2 : 256, k;
    struct id_slot *t = (struct id_slot *) calloc(cap, sizeof(*t));
    if (t == NULL) return -1;
    w->ids_used = 0;
    for (k = 0; k < w->ids_cap; k++) {
      const struct mg_connection *o = w->ids[k].nc;
      if (o == NULL || o == ID_GONE) continue;
      for (i = slot_of(o, cap); t[i].nc != NULL; i = (i + 1) & (cap - 1)) {
      }
      t[i] = w->ids[k];
      w->ids_used++;
    }
    free(w->ids);
    w->ids = t;
    w->ids_cap = cap;
  }
  for (i = slot_of(nc, w->ids_cap); w->ids[i].nc != NULL; i = (i + 1) & (w->ids_cap - 1)) {
  }
  w->ids[i].nc = nc;
  w->ids[i].id = id;
  w->ids_used++;
  return 0;
}

static struct id_slot *ids_find(const struct native *w, const struct mg_connection *nc) {
  size_t i;
  if (w->ids_cap == 0) return NULL;
  for (i = slot_of(nc, w->ids_cap); w->ids[i].nc != NULL; i = (i + 1) & (w->ids_cap - 1)) {
    if (w->ids[i].nc == nc) return &w->ids[i];
  }
  return NULL;
}

int native_conn_id(const struct mg_connection *nc) {
  const struct id_slot *slot =
      native_running != NULL && nc != NULL ? ids_find(native_running, nc) : NULL;
  return slot != NULL ? slot->id : 0;
}

int native_conn_added(struct native *w, struct mg_connection *nc) {
  if (w->nconns == w->cap_conns) {
    size_t cap = w->cap_conns ? w->cap_conns * 2 : 64;
    struct nconn *c = (struct nconn *) realloc(w->conns, cap * sizeof(*c));
    if (c == NULL) return ENOMEM;
    w->conns = c;
    w->cap_conns = cap;
  }
  if (ids_put(w, nc, (int) w->nconns + 1) != 0) return ENOMEM;
  w->conns[w->nconns].nc = nc;
  w->conns[w->nconns++].shut = 0;
  return 0;
}

void native_conn_removed(struct native *w, const struct mg_connection *nc, int id) {
  struct id_slot *slot = ids_find(w, nc);
  if (slot != NULL) slot->nc = ID_GONE; /* a freed connection's address comes back */
  if (id > 0 && (size_t) id <= w->nconns) w->conns[id - 1].nc = NULL;
}

int native_conn_count(const struct native *w) { return (int) w->nconns; }

struct mg_connection *native_conn_by_id(const struct native *w, int id) {
  return id > 0 && (size_t) id <= w->nconns ? w->conns[id - 1].nc : NULL;
}

/* ---- DNS ------------------------------------------------------------------ */

static int add_dns(struct native *w, const char *name, int kind, const char *ip,
                   int64_t delay) {
  struct ndns *d;
  char addr[300];
  if (strlen(name) >= sizeof(d->name)) return native_set_error(w, "DNS name too long");
  if ((d = (struct ndns *) calloc(1, sizeof(*d))) == NULL) return -1;
  strcpy(d->name, name);
  d->kind = kind;
  d->delay = delay;
  if (ip != NULL) {
    snprintf(addr, sizeof(addr), strchr(ip, ':') != NULL ? "[%s]:0" : "%s:0", ip);
    if (native_parse_addr(addr, &d->addr) != 0) {
      free(d);
      return native_set_error(w, "bad IP address '%s'", ip);
    }
  }
  d->next = w->dns;
  w->dns = d;
  return 0;
}

int native_dns_answer(struct native *w, const char *name, const char *ip,
                      int64_t delay_us) {
  return add_dns(w, name, 0, ip, delay_us);
}
int native_dns_fail(struct native *w, const char *name, int64_t delay_us) {
  return add_dns(w, name, 1, NULL, delay_us);
}
int native_dns_silent(struct native *w, const char *name) {
  return add_dns(w, name, 2, NULL, 0);
}

/* ---- running ------------------------------------------------------------- */

/* The first microsecond at which the clock reads t or later. */
static int64_t us_at(double t) {
  int64_t us = (int64_t) floor((t - SIM_EPOCH) * 1e6);
  while (SIM_EPOCH + (double) us / 1e6 < t) us++;
  while (us > 0 && SIM_EPOCH + (double) (us - 1) / 1e6 >= t) us--;
  return us;
}

/* When the engine next has something time-driven to do. */
static int64_t engine_next_due(const struct native *w, const struct mg_mgr *mgr) {
  const struct mg_connection *nc;
  int64_t next = INT64_MAX;
  size_t i;
  for (nc = mgr->active_connections; nc != NULL; nc = nc->next) {
    double t[3];
    int k;
    t[0] = nc->ev_timer_time;
    t[1] = (nc->engine_flags & MG_F_RESOLVING) ? nc->resolve_deadline : 0;
    t[2] = nc->proto_deadline;
    for (k = 0; k < 3; k++) {
      if (t[k] > 0) {
        int64_t us = us_at(t[k]);
        if (us < next) next = us;
      }
    }
  }
  for (i = 0; i < w->ndns_due; i++) {
    if (w->dns_due[i] > w->now && w->dns_due[i] < next) next = w->dns_due[i];
  }
  for (i = 0; i < w->nconnects; i++) {
    if (w->connects[i].at < next) next = w->connects[i].at;
  }
  return next;
}

/* One round: the engine (without waiting) and the peers. Returns whether
 * anything happened. */
static int round_once(struct native *w, struct mg_mgr *mgr) {
  uint64_t before = w->activity;
  if (mgr != NULL) {
    struct mg_connection *nc;
    int live = 0;
    native_release_connects(w);
    w->driving = 1;
    mg_mgr_poll(mgr, 0);
    w->driving = 0;
    for (nc = mgr->active_connections; nc != NULL; nc = nc->next) live++;
    w->work += 1 + (uint64_t) live;
    if (w->work_limit > 0 && w->work > w->work_limit) {
      stop_at(w, SIM_LIMIT_WORK,
              "the run polled connections over %llu million times by t=%lld us",
              (unsigned long long) (w->work_limit / 1000000), (long long) w->now);
    }
  }
  native_peers_service(w);
  return w->activity != before;
}

/* Polls until nothing has happened for SETTLE_QUIET_US, or, at an instant
 * where nobody touched the network (timers only, say), for a few rounds. */
static int settle(struct native *w, struct mg_mgr *mgr) {
  int64_t quiet_since = mono_us();
  long rounds = 0, quiet_rounds = 0;
  uint64_t net = w->net_activity;
  for (;;) {
    if (round_once(w, mgr)) {
      quiet_since = mono_us();
      quiet_rounds = 0;
    } else {
      quiet_rounds++;
    }
    if (w->limit_hit != SIM_LIMIT_NONE) return -1;
    if (quiet_rounds >= SETTLE_ROUNDS &&
        (w->net_activity == net || mono_us() - quiet_since >= SETTLE_QUIET_US)) {
      return 0;
    }
    if (++rounds > w->poll_limit) {
      return native_set_error(w, "the engine stays busy at t=%lld us without end",
                              (long long) w->now);
    }
    if (quiet_rounds > 0) nap_us(100);
  }
}

/* Moves the clock from now to t: at once, or in real time at the scale. */
static void move_clock(struct native *w, struct mg_mgr *mgr, int64_t t) {
  int64_t from = w->now, start;
  if (w->scale <= 0 || t <= from) {
    w->now = t;
    return;
  }
  start = mono_us();
  for (;;) {
    int64_t elapsed = (int64_t) ((double) (mono_us() - start) / w->scale);
    if (from + elapsed >= t) break;
    w->now = from + elapsed;
    round_once(w, mgr);
    if (w->limit_hit != SIM_LIMIT_NONE) return;
    nap_us(200);
  }
  w->now = t;
}

int native_run_until(struct native *w, struct mg_mgr *mgr, int64_t t) {
  for (;;) {
    int64_t next;
    if (settle(w, mgr) != 0) return -1;
    if (w->now >= t) return 0;
    next = engine_next_due(w, mgr);
    if (native_peers_next_due(w) < next) next = native_peers_next_due(w);
    if (next > t || next <= w->now) next = t;
    move_clock(w, mgr, next);
    if (w->limit_hit != SIM_LIMIT_NONE) return -1;
  }
}

void native_advance(struct native *w, int64_t t) {
  for (;;) {
    int64_t next;
    (void) settle(w, NULL);
    if (w->now >= t) return;
    next = native_peers_next_due(w);
    if (next > t || next <= w->now) next = t;
    move_clock(w, NULL, next);
  }
}
