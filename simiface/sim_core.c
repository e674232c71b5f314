/*
 * sim_core.c - the simulation itself: its clock, its event queue, its trace
 * and the run loop that drives a manager through virtual time.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

/* Same-instant polls allowed before a run is declared a livelock: enough
 * for a megabyte sent one byte per poll. */
#define MAX_POLLS_PER_INSTANT 10000000L

struct sim *sim_new(uint64_t seed) {
  struct sim *s = (struct sim *) calloc(1, sizeof(*s));
  if (s == NULL) return NULL;
  rng_seed(&s->rng, seed);
  s->horizon = INT64_MAX;
  s->poll_limit = MAX_POLLS_PER_INSTANT;
  s->knobs.delay_us = 100;
  s->knobs.connect_timeout_us = 20 * 1000000LL;
  s->next_port = 40000;
  mbuf_init(&s->trace, 0);
  return s;
}

void sim_free(struct sim *s) {
  size_t i;
  if (s == NULL) return;
  for (i = 0; i < s->nheap; i++) free(s->heap[i].data);
  free(s->heap);
  sim_free_net(s);
  free(s->live_socks.idx);
  free(s->live_conns.idx);
  mbuf_free(&s->trace);
  free(s);
}

int64_t sim_now(const struct sim *s) { return s->now; }
void sim_set_poll_limit(struct sim *s, long limit) { s->poll_limit = limit; }
struct sim_knobs *sim_knobs(struct sim *s) { return &s->knobs; }
uint64_t sim_activity(const struct sim *s) { return s->activity; }
const char *sim_error(const struct sim *s) { return s->error; }
enum sim_limit sim_limit_hit(const struct sim *s) { return s->limit_hit; }

void sim_set_limits(struct sim *s, size_t trace_bytes, uint64_t work) {
  s->trace_limit = trace_bytes;
  s->work_limit = work;
}

static void stop(struct sim *s, enum sim_limit why, const char *fmt, va_list ap) {
  if (s->limit_hit != SIM_LIMIT_NONE) return;
  s->limit_hit = why;
  vsnprintf(s->error, sizeof(s->error), fmt, ap);
}

void sim_stop(struct sim *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  stop(s, SIM_LIMIT_CALLER, fmt, ap);
  va_end(ap);
}

static void stop_at_limit(struct sim *s, enum sim_limit why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void stop_at_limit(struct sim *s, enum sim_limit why, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  stop(s, why, fmt, ap);
  va_end(ap);
}

/* ---- open sockets and connections ---------------------------------------- */

void sim_live_add(struct sim_live *l, size_t idx) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    size_t *m = (size_t *) realloc(l->idx, cap * sizeof(*m));
    if (m == NULL) abort(); /* a socket the polls could not see would hang */
    l->idx = m;
    l->cap = cap;
  }
  l->idx[l->n++] = idx;
}

static int sock_open(const struct sim *s, size_t i) { return s->socks[i] != NULL; }
static int conn_open(const struct sim *s, size_t i) { return s->conns[i] != NULL; }

/* Once the holes are as many as half the entries: amortised O(1) a close. */
static void compact(const struct sim *s, struct sim_live *l,
                    int (*open)(const struct sim *, size_t)) {
  size_t i, o = 0;
  if (l->holes < 64 || l->holes < l->n / 2) return;
  for (i = 0; i < l->n; i++) {
    if (open(s, l->idx[i])) l->idx[o++] = l->idx[i];
  }
  l->n = o;
  l->holes = 0;
}

void sim_compact(struct sim *s) {
  compact(s, &s->live_socks, sock_open);
  compact(s, &s->live_conns, conn_open);
}

int sim_set_error(struct sim *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->error, sizeof(s->error), fmt, ap);
  va_end(ap);
  return -1;
}

/* ---- the event queue ----------------------------------------------------- */

static int earlier(const struct sim_event *a, const struct sim_event *b) {
  return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

void sim_schedule(struct sim *s, struct sim_event *e) {
  size_t i;
  if (s->nheap == s->cap_heap) {
    size_t cap = s->cap_heap ? s->cap_heap * 2 : 64;
    struct sim_event *h =
        (struct sim_event *) realloc(s->heap, cap * sizeof(*h));
    if (h == NULL) abort(); /* the simulation cannot lose an event */
    s->heap = h;
    s->cap_heap = cap;
  }
  e->seq = s->seq++;
  i = s->nheap++;
  while (i > 0 && earlier(e, &s->heap[(i - 1) / 2])) {
    s->heap[i] = s->heap[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  s->heap[i] = *e;
}

int64_t sim_next_event_time(const struct sim *s) {
  return s->nheap > 0 ? s->heap[0].at : INT64_MAX;
}

int sim_pop_due(struct sim *s, struct sim_event *out) {
  size_t i = 0;
  struct sim_event last;
  if (s->nheap == 0 || s->heap[0].at > s->now) return 0;
  *out = s->heap[0];
  last = s->heap[--s->nheap];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= s->nheap) break;
    if (c + 1 < s->nheap && earlier(&s->heap[c + 1], &s->heap[c])) c++;
    if (!earlier(&s->heap[c], &last)) break;
    s->heap[i] = s->heap[c];
    i = c;
  }
  if (s->nheap > 0) s->heap[i] = last;
  s->activity++;
  return 1;
}

/* ---- the trace ----------------------------------------------------------- */

void sim_set_tracing(struct sim *s, int on) { s->untraced = !on; }
int sim_tracing(const struct sim *s) { return !s->untraced; }
void sim_touch(struct sim *s) { s->activity++; }

void sim_trace(struct sim *s, const char *who, const char *fmt, ...) {
  char line[512];
  int n;
  va_list ap;
  if (s->untraced) {
    s->activity++;
    return;
  }
  n = snprintf(line, sizeof(line), "%10lld %-6s ", (long long) s->now, who);
  va_start(ap, fmt);
  vsnprintf(line + n, sizeof(line) - (size_t) n - 1, fmt, ap);
  va_end(ap);
  strcat(line, "\n");
  s->activity++;
  /* Past the bound nothing more is kept, so that the trace has no gaps. */
  if (s->limit_hit == SIM_LIMIT_TRACE ||
      (s->trace_limit > 0 && s->trace.len + strlen(line) > s->trace_limit)) {
    stop_at_limit(s, SIM_LIMIT_TRACE, "the run produced over %zu MiB of trace by t=%lld us",
                  s->trace_limit >> 20, (long long) s->now);
    return;
  }
  /* The text stays NUL-terminated; the NUL is not counted in len. */
  if (mbuf_append(&s->trace, line, strlen(line) + 1) > 0) s->trace.len--;
}

const char *sim_trace_text(const struct sim *s) {
  return s->trace.len > 0 ? s->trace.buf : "";
}

size_t sim_trace_len(const struct sim *s) { return s->trace.len; }

char *sim_trace_take(struct sim *s) {
  char *text;
  if (s->trace.len == 0) {
    text = (char *) calloc(1, 1);
  } else {
    /* The NUL after len stays; the resize also leaves the text at the
     * start of its allocation, so that free() takes it. */
    mbuf_resize(&s->trace, s->trace.len + 1);
    text = s->trace.buf;
    s->trace.buf = NULL;
    s->trace.len = s->trace.size = 0;
  }
  mbuf_free(&s->trace);
  mbuf_init(&s->trace, 0);
  return text;
}

/* ---- addresses ----------------------------------------------------------- */

void sim_addr_str(const union socket_address *sa, char *buf, size_t len) {
  if (mg_sock_addr_to_str(sa, buf, len,
                          MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT) < 0) {
    snprintf(buf, len, "?");
  }
}

int sim_parse_addr(const char *str, union socket_address *sa) {
  int proto;
  return mg_parse_address(str, sa, &proto, NULL, 0) == 1 ? 0 : -1;
}

int sim_addr_eq(const union socket_address *a, const union socket_address *b) {
  if (a->sa.sa_family != b->sa.sa_family) return 0;
  if (a->sa.sa_family == AF_INET6) {
    return a->sin6.sin6_port == b->sin6.sin6_port &&
           memcmp(&a->sin6.sin6_addr, &b->sin6.sin6_addr, 16) == 0;
  }
  return a->sin.sin_port == b->sin.sin_port &&
         a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
}

/* ---- running ------------------------------------------------------------- */

static struct sim *s_installing; /* hands the sim to the iface's init */

void sim_mgr_init(struct sim *s, struct mg_mgr *mgr, void *user_data) {
  struct mg_mgr_init_opts opts;
  memset(&opts, 0, sizeof(opts));
  opts.main_iface = &mg_sim_iface_vtable;
  s_installing = s;
  mg_mgr_init_opt(mgr, user_data, opts);
  s_installing = NULL;
  s->mgr = mgr;
}

struct sim *sim_take_installing(void) { return s_installing; }

int sim_run_until(struct sim *s, struct mg_mgr *mgr, int64_t t) {
  long same_instant = 0;
  s->horizon = t;
  for (;;) {
    uint64_t before = s->activity;
    int64_t then = s->now;
    int64_t wait_ms = t > s->now ? (t - s->now + 999) / 1000 : 0;
    mg_mgr_poll(mgr, wait_ms > INT_MAX ? INT_MAX : (int) wait_ms);
    s->work += 1 + s->nlive_conns;
    if (s->work_limit > 0 && s->work > s->work_limit) {
      stop_at_limit(s, SIM_LIMIT_WORK,
                    "the run polled connections over %llu million times by t=%lld us",
                    (unsigned long long) (s->work_limit / 1000000), (long long) s->now);
    }
    if (s->limit_hit != SIM_LIMIT_NONE) {
      s->horizon = INT64_MAX;
      return -1;
    }
    if (s->now != then) {
      same_instant = 0;
      continue;
    }
    if (s->activity == before && s->now >= t) break;
    if (++same_instant > s->poll_limit) {
      s->horizon = INT64_MAX;
      return sim_set_error(s, "the engine stays busy at t=%lld us without end",
                           (long long) s->now);
    }
  }
  s->horizon = INT64_MAX;
  return 0;
}

void sim_advance(struct sim *s, int64_t t) {
  struct sim_event e;
  while (sim_next_event_time(s) <= t) {
    sim_compact(s);
    s->now = sim_next_event_time(s);
    while (sim_pop_due(s, &e)) sim_process(s, &e);
  }
  if (t > s->now) s->now = t;
}
