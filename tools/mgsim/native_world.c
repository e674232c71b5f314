/*
 * native_world.c - the native world's clock, run loop, connection ids and
 * trace, and the hooks it gives the socket iface.
 *
 * The engine runs on mg_socket_iface_vtable itself; a copy of the vtable
 * wraps the methods whose effect the simulation traces (listen, connect,
 * send, shutdown, close) so that both traces say the same things, and
 * numbers the connections as they are created. At each instant the run loop
 * polls the engine without waiting and serves the peers until neither has
 * done anything for a while of wall time: the kernel has then delivered all
 * it will. Only then does the clock move on.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <time.h>

#include "native_internal.h"

/* An instant is settled when nothing happened for this long (wall time)
 * over at least SETTLE_ROUNDS rounds: loopback delivery is done within the
 * sending call, so this only covers the scheduler's hiccups. */
#define SETTLE_QUIET_US 1500
#define SETTLE_ROUNDS 3
#define MAX_POLLS_PER_INSTANT 2000000L

/* One run at a time: the iface's wrappers find the world here. */
static struct native *s_world;

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
  rng_seed(&w->rng, seed);
  mbuf_init(&w->trace, 0);
  s_world = w;
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
  if (s_world == w) s_world = NULL;
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
  const struct id_slot *slot = s_world != NULL && nc != NULL ? ids_find(s_world, nc) : NULL;
  return slot != NULL ? slot->id : 0;
}

int native_conn_count(const struct native *w) { return (int) w->nconns; }

struct mg_connection *native_conn_by_id(const struct native *w, int id) {
  return id > 0 && (size_t) id <= w->nconns ? w->conns[id - 1].nc : NULL;
}

/* The kernel has something to deliver: the instant must settle in wall time. */
static void net_touch(void) {
  if (s_world != NULL) s_world->net_activity++;
}

static void who_of(const struct mg_connection *nc, char *buf, size_t len) {
  snprintf(buf, len, "#%d", native_conn_id(nc));
}

/* The engine socket bound to addr, as the trace names it ("#N"), or "net". */
void native_engine_who(const struct native *w, const union socket_address *addr, char *who,
                       size_t len) {
  size_t i;
  snprintf(who, len, "net");
  for (i = 0; i < w->nconns; i++) {
    struct mg_connection *nc = w->conns[i].nc;
    union socket_address sa;
    if (nc == NULL || nc->sock == INVALID_SOCKET || !(nc->engine_flags & MG_F_UDP) ||
        (nc->listener != NULL)) {
      continue;
    }
    mg_socket_iface_vtable.get_conn_addr(nc, 0, &sa);
    if (sa.sa.sa_family == addr->sa.sa_family && sa.sin.sin_port == addr->sin.sin_port &&
        (sa.sa.sa_family != AF_INET || sa.sin.sin_addr.s_addr == addr->sin.sin_addr.s_addr)) {
      snprintf(who, len, "#%d", (int) i + 1);
      return;
    }
  }
}

/* ---- the iface, wrapped -------------------------------------------------- */

static int nw_create_conn(struct mg_connection *nc) {
  struct native *w = s_world;
  int err = mg_socket_iface_vtable.create_conn(nc);
  if (err != 0 || w == NULL) return err;
  if (w->nconns == w->cap_conns) {
    size_t cap = w->cap_conns ? w->cap_conns * 2 : 64;
    struct nconn *c = (struct nconn *) realloc(w->conns, cap * sizeof(*c));
    if (c == NULL) {
      mg_socket_iface_vtable.destroy_conn(nc);
      return ENOMEM;
    }
    w->conns = c;
    w->cap_conns = cap;
  }
  if (ids_put(w, nc, (int) w->nconns + 1) != 0) {
    mg_socket_iface_vtable.destroy_conn(nc);
    return ENOMEM;
  }
  w->conns[w->nconns].nc = nc;
  w->conns[w->nconns++].shut = 0;
  return 0;
}

/* What the close sends, as the simulation says it: nothing on a socket a
 * RST tore down or one still connecting; a RST when bytes are unread; a
 * FIN unless shutdown_write sent it already. */
static void trace_close(struct native *w, struct mg_connection *nc, int id) {
  struct tcp_info ti;
  socklen_t len = sizeof(ti);
  int unread = 0;
  char who[16];
  if (nc->sock == INVALID_SOCKET || (nc->engine_flags & (MG_F_UDP | MG_F_LISTENING)) ||
      (nc->engine_flags & MG_F_CONNECTING)) {
    return;
  }
  if (getsockopt(nc->sock, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
      (ti.tcpi_state == TCP_CLOSE && !w->conns[id - 1].shut)) {
    return; /* reset (the engine has not read it yet), or never connected */
  }
  snprintf(who, sizeof(who), "#%d", id);
  if (ioctl(nc->sock, FIONREAD, &unread) == 0 && unread > 0) {
    native_trace(w, who, "close with %d unread bytes: RST", unread);
  } else if (w->conns[id - 1].shut) {
    native_trace(w, who, "close");
  } else {
    native_trace(w, who, "close: FIN");
  }
}

static void nw_destroy_conn(struct mg_connection *nc) {
  struct native *w = s_world;
  int id = native_conn_id(nc);
  size_t i;
  net_touch();
  for (i = 0; w != NULL && i < w->nconnects; i++) {
    if (w->connects[i].nc == nc) {
      if (w->connects[i].fd >= 0) close(w->connects[i].fd);
      w->connects[i] = w->connects[--w->nconnects];
      break;
    }
  }
  if (w != NULL && id > 0) trace_close(w, nc, id);
  mg_socket_iface_vtable.destroy_conn(nc);
  if (w != NULL && id > 0) {
    ids_find(w, nc)->nc = ID_GONE; /* a freed connection's address comes back */
    w->conns[id - 1].nc = NULL;
  }
}

static void trace_listen(struct mg_connection *nc, const char *kind) {
  union socket_address sa;
  char who[16], addr[64];
  mg_socket_iface_vtable.get_conn_addr(nc, 0, &sa);
  native_addr_str(&sa, addr, sizeof(addr));
  who_of(nc, who, sizeof(who));
  native_trace(s_world, who, "listen %s %s", kind, addr);
}

/* Port 0 is the simulation's next port, not the kernel's choice. */
static void pick_port(union socket_address *sa) {
  if (s_world != NULL && sa->sin.sin_port == 0) { /* same offset in sin6 */
    sa->sin.sin_port = htons(s_world->next_port++);
  }
}

static int nw_listen_tcp(struct mg_connection *nc, union socket_address *sa) {
  int err;
  net_touch();
  pick_port(sa);
  err = mg_socket_iface_vtable.listen_tcp(nc, sa);
  if (err == 0 && s_world != NULL) trace_listen(nc, "tcp");
  return err;
}

static int nw_listen_udp(struct mg_connection *nc, union socket_address *sa) {
  int err;
  net_touch();
  pick_port(sa);
  err = mg_socket_iface_vtable.listen_udp(nc, sa);
  if (err == 0 && s_world != NULL) trace_listen(nc, "udp");
  return err;
}

/* The engine's own address, as the simulation gives it: loopback to reach
 * loopback, else 10.0.0.1; the port from the simulation's counter. */
static void local_for(const union socket_address *to, union socket_address *local) {
  int loop = to->sa.sa_family == AF_INET && (ntohl(to->sin.sin_addr.s_addr) >> 24) == 127;
  native_parse_addr(loop ? "127.0.0.1:0" : "10.0.0.1:0", local);
  local->sin.sin_port = htons(s_world->next_port++);
}

/* The SYN and its answer each take the path's delay: the connect is made
 * when the SYN would arrive (a listening peer accepts then), on a socket
 * the engine gets when the answer would (it sees the outcome then). */
static void nw_connect_tcp(struct mg_connection *nc, const union socket_address *sa) {
  struct native *w = s_world;
  struct held_connect *c;
  char who[16], addr[64];
  if (w == NULL) {
    mg_socket_iface_vtable.connect_tcp(nc, sa);
    return;
  }
  who_of(nc, who, sizeof(who));
  native_addr_str(sa, addr, sizeof(addr));
  native_trace(w, who, "connect -> %s", addr);
  if (w->nconnects == w->cap_connects) {
    size_t cap = w->cap_connects ? w->cap_connects * 2 : 16;
    struct held_connect *m =
        (struct held_connect *) realloc(w->connects, cap * sizeof(*m));
    if (m == NULL) {
      mg_socket_iface_vtable.connect_tcp(nc, sa);
      return;
    }
    w->connects = m;
    w->cap_connects = cap;
  }
  c = &w->connects[w->nconnects++];
  c->nc = nc;
  c->to = *sa;
  local_for(sa, &c->local);
  c->at = w->now + w->knobs.delay_us;
  c->fd = -1;
}

/* The SYN leaves now: a socket of the engine's address, connecting. An
 * error is kept for the engine to read (SO_ERROR) when it gets the socket. */
static int syn(const struct native *w, struct held_connect *c) {
  int on = 1, fd = socket(c->to.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  socklen_t len = c->to.sa.sa_family == AF_INET6 ? sizeof(c->to.sin6) : sizeof(c->to.sin);
  if (fd < 0) return -1;
  (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (w->knobs.window > 0) {
    int buf = w->knobs.window > INT_MAX / 2 ? INT_MAX / 2 : (int) w->knobs.window;
    (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
  }
  if (c->local.sa.sa_family == c->to.sa.sa_family) (void) bind(fd, &c->local.sa, len);
  (void) connect(fd, &c->to.sa, len);
  return fd;
}

/* Connects whose SYN or answer is due. */
static void release_connects(struct native *w) {
  size_t i = 0;
  while (i < w->nconnects) {
    struct held_connect *c = &w->connects[i];
    if (c->at > w->now) {
      i++;
    } else if (c->fd < 0) {
      w->net_activity++;
      if ((c->fd = syn(w, c)) < 0) {
        /* no socket: let the iface try, and report what it finds */
        struct held_connect gone = *c;
        w->connects[i] = w->connects[--w->nconnects];
        mg_socket_iface_vtable.connect_tcp(gone.nc, &gone.to);
        continue;
      }
      c->at = w->now + w->knobs.delay_us;
      i++;
    } else {
      struct held_connect done = *c;
      w->connects[i] = w->connects[--w->nconnects];
      w->net_activity++;
      w->vt.sock_set(done.nc, done.fd);
    }
  }
}

static int nw_connect_udp(struct mg_connection *nc) {
  union socket_address local;
  int fd;
  if (s_world == NULL) return mg_socket_iface_vtable.connect_udp(nc);
  local_for(&nc->sa, &local);
  fd = socket(nc->sa.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  if (bind(fd, &local.sa, sizeof(local.sin)) != 0 ||
      connect(fd, &nc->sa.sa, nc->sa.sa.sa_family == AF_INET6 ? sizeof(nc->sa.sin6)
                                                              : sizeof(nc->sa.sin)) != 0) {
    int err = errno;
    close(fd);
    return err;
  }
  nc->sock = fd;
  return 0;
}

static int nw_tcp_send(struct mg_connection *nc, const void *buf, size_t len) {
  int n = mg_socket_iface_vtable.tcp_send(nc, buf, len);
  char who[16];
  net_touch();
  if (n > 0 && s_world != NULL) {
    who_of(nc, who, sizeof(who));
    native_trace(s_world, who, "send %d of %zu", n, len);
  }
  return n;
}

static void nw_shutdown_write(struct mg_connection *nc) {
  int id = native_conn_id(nc);
  char who[16];
  net_touch();
  if (s_world != NULL && id > 0 && nc->sock != INVALID_SOCKET &&
      !s_world->conns[id - 1].shut) {
    s_world->conns[id - 1].shut = 1;
    snprintf(who, sizeof(who), "#%d", id);
    native_trace(s_world, who, "shutdown: FIN");
  }
  mg_socket_iface_vtable.shutdown_write(nc);
}

/* A datagram to a peer takes the peer's path, as in the simulation: lost
 * or duplicated here, when it leaves (the peer draws each copy's jitter when
 * it arrives, in the order drawn here). */
static int nw_udp_send(struct mg_connection *nc, const void *buf, size_t len) {
  struct native *w = s_world;
  struct native_peer *p = w != NULL ? native_udp_peer_at(w, &nc->sa) : NULL;
  int n, copies = 1, i;
  char who[16], dest[64];
  if (w == NULL) return mg_socket_iface_vtable.udp_send(nc, buf, len);
  /* A listener's child sends through the listener's socket. */
  who_of(nc->listener != NULL ? nc->listener : nc, who, sizeof(who));
  if (p == NULL) {
    n = mg_socket_iface_vtable.udp_send(nc, buf, len);
    if (n == (int) len) {
      net_touch();
      native_addr_str(&nc->sa, dest, sizeof(dest));
      native_trace(w, who, "datagram %zu to %s: nobody there", len, dest);
    }
    return n;
  }
  native_trace(w, who, "datagram %zu -> %s", len, p->name);
  if (rng_chance(&w->rng, p->k.loss)) {
    native_trace(w, who, "datagram %zu lost", len);
    return (int) len;
  }
  if (rng_chance(&w->rng, p->k.dup)) copies = 2;
  for (i = 0; i < copies; i++) {
    int64_t jitter = (int64_t) rng_below(&w->rng, (uint64_t) p->k.jitter_us + 1);
    n = mg_socket_iface_vtable.udp_send(nc, buf, len);
    if (n != (int) len) return n;
    net_touch();
    native_peer_expect_dgram(p, jitter);
  }
  if (copies == 2) native_trace(w, who, "datagram %zu duplicated", len);
  return (int) len;
}

static void nw_broadcast(struct mg_iface *iface, mg_event_handler_t cb, void *data,
                         size_t len) {
  if (s_world != NULL) native_trace(s_world, "mgr", "broadcast");
  mg_socket_iface_vtable.broadcast(iface, cb, data, len);
}

/* Names as the simulation traces them, answered from the same table. */
static int nw_resolve(struct mg_connection *nc, const char *host) {
  const struct ndns *d;
  char who[16];
  if (s_world != NULL) {
    for (d = s_world->dns; d != NULL && strcmp(d->name, host) != 0; d = d->next) {
    }
    who_of(nc, who, sizeof(who));
    if (d != NULL && d->kind == 2) {
      native_trace(s_world, who, "resolve %s: no answer will come", host);
    } else {
      native_trace(s_world, who, "resolve %s", host);
    }
  }
  return mg_socket_iface_vtable.resolve(nc, host);
}

/* Random bytes from the scenario's seed, as the simulation draws them (a
 * WebSocket client's key, say), so that both runs send the same bytes. */
static void nw_random(struct mg_iface *iface, void *buf, size_t len) {
  (void) iface;
  if (s_world != NULL) {
    rng_bytes(&s_world->rng, buf, len);
  } else {
    mg_socket_iface_vtable.random(iface, buf, len);
  }
}

/* ---- the iface's hooks --------------------------------------------------- */

static double hook_clock(void *arg) {
  const struct native *w = (const struct native *) arg;
  return SIM_EPOCH + (double) w->now / 1e6;
}

/* Inside the run loop the engine never waits: the loop does. Elsewhere (a
 * handler polling, mg_mgr_free flushing) a wait is made of serving the
 * peers; a round in which nothing happened moves the clock by the wait. */
static int hook_wait_ms(void *arg, int timeout_ms) {
  struct native *w = (struct native *) arg;
  if (w->driving || timeout_ms <= 0) return 0;
  native_peers_service(w);
  if (w->activity != w->hook_activity) {
    w->hook_activity = w->activity;
    return 1;
  }
  w->now += (int64_t) timeout_ms * 1000;
  return 0;
}

static int hook_resolve(void *arg, const char *host, union socket_address *addr,
                        double *delay) {
  struct native *w = (struct native *) arg;
  const struct ndns *d;
  int64_t us;
  for (d = w->dns; d != NULL && strcmp(d->name, host) != 0; d = d->next) {
  }
  if (d != NULL && d->kind == 2) return MG_RESOLVE_SILENT;
  us = d != NULL && d->delay > 0 ? d->delay : 2 * w->knobs.delay_us;
  *delay = (double) us / 1e6;
  if (w->ndns_due == w->cap_dns_due) {
    size_t cap = w->cap_dns_due ? w->cap_dns_due * 2 : 16;
    int64_t *m = (int64_t *) realloc(w->dns_due, cap * sizeof(*m));
    if (m == NULL) return ENOMEM;
    w->dns_due = m;
    w->cap_dns_due = cap;
  }
  w->dns_due[w->ndns_due++] = w->now + us;
  if (d != NULL && d->kind == 0) {
    *addr = d->addr;
    return 0;
  }
  return EHOSTUNREACH;
}

int native_mgr_init(struct native *w, struct mg_mgr *mgr) {
  struct mg_mgr_init_opts opts;
  w->vt = mg_socket_iface_vtable;
  w->vt.create_conn = nw_create_conn;
  w->vt.destroy_conn = nw_destroy_conn;
  w->vt.listen_tcp = nw_listen_tcp;
  w->vt.listen_udp = nw_listen_udp;
  w->vt.connect_tcp = nw_connect_tcp;
  w->vt.connect_udp = nw_connect_udp;
  w->vt.tcp_send = nw_tcp_send;
  w->vt.udp_send = nw_udp_send;
  w->vt.shutdown_write = nw_shutdown_write;
  w->vt.random = nw_random;
  w->vt.resolve = nw_resolve;
  w->vt.broadcast = nw_broadcast;
  /* The simulation has no sendfile: files go through send_mbuf, and their
   * sends are traced the same way. */
  w->vt.tcp_send_file = NULL;
  memset(&opts, 0, sizeof(opts));
  opts.main_iface = &w->vt;
  mg_mgr_init_opt(mgr, NULL, opts);
  w->mgr = mgr;
  if (native_add_address("10.0.0.1", w->error, sizeof(w->error)) != 0) return -1;
  if (mgr->num_ifaces < 1) return native_set_error(w, "the socket iface did not start");
  native_apply_knobs(w);
  return 0;
}

void native_apply_knobs(struct native *w) {
  struct mg_socket_iface_opts o;
  if (w->mgr == NULL || w->mgr->num_ifaces < 1) return;
  memset(&o, 0, sizeof(o));
  o.max_recv = w->knobs.read_split;
  o.max_send = w->knobs.send_limit;
  o.rcvbuf = w->knobs.window > INT_MAX / 2 ? INT_MAX / 2 : (int) w->knobs.window;
  o.clock = hook_clock;
  o.wait_ms = hook_wait_ms;
  o.resolve = hook_resolve;
  o.arg = w;
  (void) mg_socket_iface_set_opts(w->mgr->ifaces[0], &o);
}

void native_mgr_gone(struct native *w) { w->mgr = NULL; }

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
    release_connects(w);
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
