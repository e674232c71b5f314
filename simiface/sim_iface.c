/*
 * sim_iface.c - the simulated iface: the same vtable as the socket iface,
 * backed by sim_net.c and the virtual clock.
 *
 * The poll never sleeps. If the engine has something to take (bytes that
 * arrived, a connection to accept, an answer) or could send right now, it
 * returns at once; otherwise the clock jumps to the earliest of: the next
 * network event, the next timer, the caller's timeout, the run's horizon.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

static struct sim *sim_of(struct mg_iface *iface) {
  return (struct sim *) iface->data;
}

static struct sim_conn *sconn(const struct mg_connection *nc) {
  return (struct sim_conn *) nc->mgr_data;
}

int sim_conn_id(const struct mg_connection *nc) {
  return nc->iface->vtable == &mg_sim_iface_vtable && sconn(nc) != NULL
             ? sconn(nc)->id
             : 0;
}

int sim_conn_count(const struct sim *s) { return (int) s->nconns; }

struct mg_connection *sim_conn_by_id(const struct sim *s, int id) {
  const struct sim_conn *sc =
      id > 0 && (size_t) id <= s->nconns ? s->conns[id - 1] : NULL;
  return sc != NULL ? sc->nc : NULL;
}

static void who_of(const struct mg_connection *nc, char *buf, size_t len) {
  snprintf(buf, len, "#%d", sim_conn_id(nc));
}

/* ---- lifecycle ----------------------------------------------------------- */

static void simif_init(struct mg_iface *iface) {
  iface->data = sim_take_installing();
}

static void simif_free(struct mg_iface *iface) {
  iface->data = NULL; /* the sim outlives the manager; sim_free() frees it */
}

static int simif_create_conn(struct mg_connection *nc) {
  struct sim *s = sim_of(nc->iface);
  struct sim_conn *sc;
  if (s == NULL) return EINVAL;
  if (s->nconns == s->cap_conns) {
    /* Doubling: a run that makes many connections must not copy the
     * table for each. */
    size_t cap = s->cap_conns ? s->cap_conns * 2 : 16;
    struct sim_conn **conns = (struct sim_conn **) realloc(s->conns, cap * sizeof(*conns));
    if (conns == NULL) return ENOMEM;
    s->conns = conns;
    s->cap_conns = cap;
  }
  if ((sc = (struct sim_conn *) calloc(1, sizeof(*sc))) == NULL) return ENOMEM;
  sc->id = (int) ++s->nconns;
  sc->nc = nc;
  s->conns[sc->id - 1] = sc;
  s->nlive_conns++;
  sim_live_add(&s->live_conns, (size_t) sc->id - 1);
  nc->mgr_data = sc;
  return 0;
}

static void simif_destroy_conn(struct mg_connection *nc) {
  struct sim *s = sim_of(nc->iface);
  struct sim_conn *sc = sconn(nc);
  if (sc == NULL) return;
  if (sc->sock != NULL) sim_sock_close(s, sc->sock);
  if (sc->dns_arrived) s->dns_arrived--;
  s->conns[sc->id - 1] = NULL;
  s->nlive_conns--;
  s->live_conns.holes++;
  free(sc);
  nc->mgr_data = NULL;
  nc->sock = INVALID_SOCKET;
}

/* An accepted connection arrives with its socket number already set. */
static void simif_add_conn(struct mg_connection *nc) {
  struct sim_conn *sc = sconn(nc);
  struct sim_sock *sk = sim_sock_get(sim_of(nc->iface), nc->sock);
  if (sk != NULL && sk->owner == NULL) {
    sk->owner = sc;
    sc->sock = sk;
  }
}

static void simif_remove_conn(struct mg_connection *nc) { (void) nc; }

static void simif_sock_set(struct mg_connection *nc, sock_t sock) {
  /* Real descriptors have no place in a simulated network: the connection
   * lives on as a socketless one (timers and POLL only). */
  (void) sock;
  nc->sock = INVALID_SOCKET;
}

/* ---- opening ------------------------------------------------------------- */

static struct sim_sock *attach(struct mg_connection *nc, enum sock_kind kind) {
  struct sim_sock *sk = sim_sock_new(sim_of(nc->iface), kind);
  if (sk == NULL) return NULL;
  sk->owner = sconn(nc);
  sconn(nc)->sock = sk;
  nc->sock = sk->fd;
  return sk;
}

static int simif_in_use(const struct sim *s, enum sock_kind kind,
                        const union socket_address *sa) {
  size_t i;
  for (i = 0; i < s->live_socks.n; i++) {
    const struct sim_sock *o = s->socks[s->live_socks.idx[i]];
    if (o != NULL && o->kind == kind && sim_addr_eq(&o->local, sa)) return 1;
  }
  return 0;
}

/* Port 0 takes the next free port of the same counter that numbers the
 * engine's outgoing connections: the choice depends only on what the run
 * did before, so traces still replay exactly. */
static int simif_listen(struct mg_connection *nc, union socket_address *sa,
                        enum sock_kind kind) {
  struct sim *s = sim_of(nc->iface);
  struct sim_sock *sk;
  union socket_address local = *sa;
  char who[16], addr[64];
  if (local.sin.sin_port == 0) { /* same offset in sin and sin6 */
    int tries;
    for (tries = 0; tries < 65536; tries++) {
      if (s->next_port == 0) s->next_port = 1024;
      local.sin.sin_port = htons(s->next_port++);
      if (!simif_in_use(s, kind, &local)) break;
    }
  }
  if (simif_in_use(s, kind, &local)) return EADDRINUSE;
  if ((sk = attach(nc, kind)) == NULL) return ENOMEM;
  sk->local = local;
  sa = &local;
  who_of(nc, who, sizeof(who));
  sim_addr_str(sa, addr, sizeof(addr));
  sim_trace(s, who, "listen %s %s", kind == SOCK_UDP ? "udp" : "tcp", addr);
  return 0;
}

static int simif_listen_tcp(struct mg_connection *nc, union socket_address *sa) {
  return simif_listen(nc, sa, SOCK_TCP_LISTEN);
}

static int simif_listen_udp(struct mg_connection *nc, union socket_address *sa) {
  return simif_listen(nc, sa, SOCK_UDP);
}

/* The engine's own address: loopback to reach loopback, else 10.0.0.1. */
static void local_for(struct sim *s, const union socket_address *to,
                      union socket_address *local) {
  int loop = to->sa.sa_family == AF_INET &&
             (ntohl(to->sin.sin_addr.s_addr) >> 24) == 127;
  sim_parse_addr(loop ? "127.0.0.1:0" : "10.0.0.1:0", local);
  local->sin.sin_port = htons(s->next_port++);
}

static void simif_connect_tcp(struct mg_connection *nc,
                              const union socket_address *sa) {
  struct sim *s = sim_of(nc->iface);
  struct sim_sock *sk = attach(nc, SOCK_TCP);
  char who[16], addr[64];
  if (sk == NULL) return; /* no socket: the connection stays CONNECTING */
  local_for(s, sa, &sk->local);
  who_of(nc, who, sizeof(who));
  sim_addr_str(sa, addr, sizeof(addr));
  sim_trace(s, who, "connect -> %s", addr);
  sim_engine_connect(s, sk, sa);
}

static int simif_connect_udp(struct mg_connection *nc) {
  struct sim *s = sim_of(nc->iface);
  struct sim_sock *sk = attach(nc, SOCK_UDP);
  if (sk == NULL) return ENOMEM;
  local_for(s, &nc->sa, &sk->local);
  sk->remote = nc->sa;
  return 0;
}

/* ---- sending ------------------------------------------------------------- */

static int simif_tcp_send(struct mg_connection *nc, const void *buf, size_t len) {
  struct sim *s = sim_of(nc->iface);
  struct sim_sock *sk = sconn(nc)->sock;
  struct sim_stream *st = sk != NULL ? sk->st : NULL;
  struct sim_event e;
  size_t n = len, space;
  char who[16];
  if (st == NULL || st->rst_to_engine || st->rst_to_peer) {
    nc->err = ECONNRESET;
    return -1;
  }
  if (st->engine_fin_sent) { /* after shutdown_write */
    nc->err = EPIPE;
    return -1;
  }
  space = sim_peer_window_space(st);
  if (n > space) n = space;
  if (st->k.send_limit > 0 && n > st->k.send_limit) n = st->k.send_limit;
  if (n == 0) return 0;
  memset(&e, 0, sizeof(e));
  e.at = s->now + st->k.delay_us;
  e.kind = EV_TO_PEER;
  e.st = st;
  if ((e.data = (char *) malloc(n)) == NULL) return 0;
  memcpy(e.data, buf, n);
  e.len = n;
  sim_schedule(s, &e);
  if (WIRED(s)) sim_wire_tcp(s, st, SIM_WIRE_DATA, 0, e.at, buf, n);
  st->in_flight += n;
  who_of(nc, who, sizeof(who));
  sim_trace(s, who, "send %zu of %zu", n, len);
  return (int) n;
}

static void simif_shutdown_write(struct mg_connection *nc) {
  struct sim_sock *sk = sconn(nc) != NULL ? sconn(nc)->sock : NULL;
  if (sk != NULL && sk->kind == SOCK_TCP) sim_sock_shutdown(sim_of(nc->iface), sk);
}

static int simif_udp_send(struct mg_connection *nc, const void *buf, size_t len) {
  struct sim *s = sim_of(nc->iface);
  struct sim_sock *sk;
  if (nc->listener != NULL) {
    sk = sconn(nc->listener) != NULL ? sconn(nc->listener)->sock : NULL;
  } else {
    sk = sconn(nc)->sock;
  }
  if (sk == NULL) {
    nc->err = EBADF;
    return -1;
  }
  sim_engine_dgram(s, sk, &nc->sa, buf, len, sim_conn_id(nc));
  return (int) len;
}

static void simif_recved(struct mg_connection *nc, size_t len) {
  struct sim_sock *sk = sconn(nc) != NULL ? sconn(nc)->sock : NULL;
  struct sim_stream *st = sk != NULL ? sk->st : NULL;
  if (st == NULL) return;
  st->unconsumed -= len < st->unconsumed ? len : st->unconsumed;
  /* Under a window knob, room made is a window update on the wire. */
  if (WIRED(sim_of(nc->iface)) && len > 0 && st->k.window > 0 && !st->rst_to_engine &&
      !st->rst_to_peer) {
    sim_wire_tcp(sim_of(nc->iface), st, SIM_WIRE_ACK, 0,
                 sim_of(nc->iface)->now + st->k.delay_us, NULL, 0);
  }
  /* Room in recv_mbuf may let held bytes in at the next poll: the run is
   * not idle yet, even if nothing else happened in this one. */
  if (len > 0) sim_touch(sim_of(nc->iface));
  sim_stream_pump(sim_of(nc->iface), st);
}

/* ---- the poll ------------------------------------------------------------ */

static int accept_pending(struct sim *s, struct sim_sock *lk) {
  int n = 0;
  while (lk->npending > 0 && lk->owner != NULL) {
    struct sim_stream *st = lk->pending[0];
    struct mg_connection *lc = lk->owner->nc, *nc;
    struct sim_sock *ck;
    memmove(lk->pending, lk->pending + 1, --lk->npending * sizeof(*lk->pending));
    if (st->state != ST_PENDING_ACCEPT) continue;
    if ((ck = sim_sock_new(s, SOCK_TCP)) == NULL) return n;
    ck->st = st;
    ck->local = st->engine_addr;
    ck->remote = st->peer_addr;
    st->sock = ck;
    st->state = ST_OPEN;
    nc = mg_if_accept_tcp(lc, ck->fd, &st->peer_addr);
    if (nc == NULL) sim_sock_close(s, ck);
    n++;
  }
  return n;
}

static int deliver_stream(struct sim_sock *sk) {
  struct mg_connection *nc = sk->owner->nc;
  struct sim_stream *st = sk->st;
  size_t room;
  int n = 0;
  if (nc->engine_flags & MG_F_CONNECTING) {
    if (sk->connect_done == 1) {
      sk->connect_done = 2;
      mg_if_connect_cb(nc, sk->connect_err);
      return 1;
    }
    return 0;
  }
  if (st == NULL || st->eof_reported) return 0;
  if (st->rst_to_engine) {
    st->eof_reported = 1;
    mg_if_peer_closed(nc, ECONNRESET);
    return 1;
  }
  while (st->engine_rx.len > 0 && (room = mg_if_recv_room(nc)) > 0) {
    size_t k = st->engine_rx.len < room ? st->engine_rx.len : room;
    if (st->k.read_split > 0 && k > st->k.read_split) k = st->k.read_split;
    mg_if_recv_tcp(nc, st->engine_rx.buf, k);
    mbuf_remove(&st->engine_rx, k);
    n++;
    if (sk->st != st) return n; /* cannot happen: closes wait for service */
  }
  if (st->fin_to_engine && st->engine_rx.len == 0) {
    st->eof_reported = 1;
    mg_if_peer_closed(nc, 0);
    n++;
  }
  return n;
}

static int deliver_dgrams(struct sim_sock *sk) {
  struct mg_connection *nc = sk->owner->nc;
  int n = 0;
  while (sk->dgrams.len > 0) {
    union socket_address from;
    size_t len, hdr = sizeof(from) + sizeof(len);
    memcpy(&from, sk->dgrams.buf, sizeof(from));
    memcpy(&len, sk->dgrams.buf + sizeof(from), sizeof(len));
    if (!(nc->engine_flags & MG_F_LISTENING)) from = sk->remote;
    mg_if_recv_udp(nc, sk->dgrams.buf + hdr, len, &from);
    mbuf_remove(&sk->dgrams, hdr + len);
    n++;
  }
  return n;
}

static int deliver_ready(struct sim *s) {
  size_t i;
  int n = 0;
  /* In socket-number order, re-reading the count: accepts add sockets. */
  for (i = 0; i < s->live_socks.n; i++) {
    struct sim_sock *sk = s->socks[s->live_socks.idx[i]];
    if (sk == NULL || sk->owner == NULL) continue;
    if (sk->kind == SOCK_TCP_LISTEN) {
      n += accept_pending(s, sk);
    } else if (sk->kind == SOCK_TCP) {
      n += deliver_stream(sk);
    } else {
      n += deliver_dgrams(sk);
    }
  }
  for (i = 0; s->dns_arrived > 0 && i < s->live_conns.n; i++) {
    struct sim_conn *sc = s->conns[s->live_conns.idx[i]];
    if (sc == NULL || !sc->dns_arrived) continue;
    sc->dns_arrived = sc->dns_pending = 0;
    s->dns_arrived--;
    mg_if_resolved(sc->nc, sc->dns_err == 0 ? &sc->dns_addr : NULL, sc->dns_err);
    n++;
  }
  return n;
}

/* Would a send attempt make progress right now? Then time must not jump. */
static int engine_can_send(const struct sim *s) {
  const unsigned long busy = MG_F_LISTENING | MG_F_CONNECTING | MG_F_RESOLVING;
  size_t i;
  for (i = 0; i < s->live_conns.n; i++) {
    const struct sim_conn *sc = s->conns[s->live_conns.idx[i]];
    const struct mg_connection *nc;
    const struct sim_stream *st;
    if (sc == NULL) continue;
    nc = sc->nc;
    if (nc->send_mbuf.len == 0 && nc->dgram_sizes.len == 0) continue;
    if ((nc->flags & MG_F_CLOSE_IMMEDIATELY) || (nc->engine_flags & busy)) continue;
    if (nc->engine_flags & MG_F_UDP) return 1;
    if (sc->sock == NULL || (st = sc->sock->st) == NULL) continue;
    if (st->rst_to_engine || st->rst_to_peer) return 1; /* will fail: progress */
    if (sim_peer_window_space(st) > 0) return 1;
  }
  return 0;
}

/* Timers are exact in microseconds, not rounded to the poll's milliseconds. */
static int64_t next_timer(const struct mg_mgr *mgr) {
  const struct mg_connection *nc;
  int64_t next = INT64_MAX;
  for (nc = mgr->active_connections; nc != NULL; nc = nc->next) {
    double t = nc->ev_timer_time;
    int64_t us;
    if ((nc->engine_flags & MG_F_RESOLVING) && (t <= 0 || nc->resolve_deadline < t)) {
      t = nc->resolve_deadline;
    }
    if (nc->proto_deadline > 0 && (t <= 0 || nc->proto_deadline < t)) {
      t = nc->proto_deadline;
    }
    if (t <= 0) continue;
    /* The first microsecond at which mg_time() >= t, computed the way
     * mg_time() computes it, so rounding can never make a timer late. */
    us = (int64_t) floor((t - SIM_EPOCH) * 1e6);
    while (SIM_EPOCH + (double) us / 1e6 < t) us++;
    while (us > 0 && SIM_EPOCH + (double) (us - 1) / 1e6 >= t) us--;
    if (us < next) next = us;
  }
  return next;
}

static int simif_poll(struct mg_iface *iface, int timeout_ms) {
  struct sim *s = sim_of(iface);
  struct sim_event e;
  int64_t target;
  int n;
  if (s == NULL) return 0;
  sim_compact(s);
  n = deliver_ready(s);
  if (n > 0 || engine_can_send(s)) return n;
  target = s->now + (int64_t) (timeout_ms > 0 ? timeout_ms : 0) * 1000;
  if (target > s->horizon) target = s->horizon;
  if (sim_next_event_time(s) < target) target = sim_next_event_time(s);
  if (next_timer(iface->mgr) < target) target = next_timer(iface->mgr);
  if (target > s->now) s->now = target;
  while (sim_pop_due(s, &e)) sim_process(s, &e);
  return deliver_ready(s);
}

/* ---- addresses, clock, randomness, names, wake-ups ----------------------- */

static void simif_get_conn_addr(struct mg_connection *nc, int remote,
                                union socket_address *sa) {
  const struct mg_connection *owner = nc->listener != NULL &&
                                              (nc->engine_flags & MG_F_UDP)
                                          ? nc->listener
                                          : nc;
  struct sim_sock *sk = sconn(owner) != NULL ? sconn(owner)->sock : NULL;
  memset(sa, 0, sizeof(*sa));
  if (remote) {
    *sa = nc->sa;
  } else if (sk != NULL) {
    *sa = sk->local;
  }
}

static double simif_now(struct mg_iface *iface) {
  struct sim *s = iface != NULL ? sim_of(iface) : NULL;
  return s != NULL ? SIM_EPOCH + (double) s->now / 1e6 : SIM_EPOCH;
}

static void simif_random(struct mg_iface *iface, void *buf, size_t len) {
  rng_bytes(&sim_of(iface)->rng, buf, len);
}

static int simif_resolve(struct mg_connection *nc, const char *host) {
  sim_dns_query(sim_of(nc->iface), sconn(nc), host);
  return 0;
}

/* Single-threaded: the callbacks run right away, in connection order. */
static void simif_broadcast(struct mg_iface *iface, mg_event_handler_t cb,
                            void *data, size_t len) {
  sim_trace(sim_of(iface), "mgr", "broadcast");
  mg_if_broadcast(iface->mgr, cb, data, len);
}

const struct mg_iface_vtable mg_sim_iface_vtable = {
    simif_init,          simif_free,         simif_add_conn,
    simif_remove_conn,   simif_poll,         simif_listen_tcp,
    simif_listen_udp,    simif_connect_tcp,  simif_connect_udp,
    simif_tcp_send,      simif_udp_send,     simif_recved,
    simif_create_conn,   simif_destroy_conn, simif_sock_set,
    simif_get_conn_addr, simif_now,          simif_random,
    simif_resolve,       simif_broadcast,    simif_shutdown_write,
    NULL, /* tcp_send_file: the core reads files and queues their bytes */
};
