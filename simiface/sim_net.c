/*
 * sim_net.c - the simulated network: engine sockets, peers, the streams
 * between them, datagrams and DNS, and what each event does on arrival.
 *
 * TCP is modelled as two byte queues with a delivery delay, a receive window
 * toward the engine (opened by the engine's recved), a window toward each
 * peer (closed while the peer stops reading), FIN and RST. Closing a socket
 * with unread bytes sends RST, as real stacks do.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

/* ---- sockets ------------------------------------------------------------- */

#define FIRST_FD 3 /* socket numbers look like descriptors: 3, 4, ... */

struct sim_sock *sim_sock_new(struct sim *s, enum sock_kind kind) {
  struct sim_sock *sk;
  if (s->nsocks == s->cap_socks) {
    size_t cap = s->cap_socks ? s->cap_socks * 2 : 16;
    struct sim_sock **socks = (struct sim_sock **) realloc(s->socks, cap * sizeof(*socks));
    if (socks == NULL) return NULL;
    s->socks = socks;
    s->cap_socks = cap;
  }
  if ((sk = (struct sim_sock *) calloc(1, sizeof(*sk))) == NULL) return NULL;
  sk->fd = (int) s->nsocks + FIRST_FD;
  sk->kind = kind;
  sim_live_add(&s->live_socks, s->nsocks);
  s->socks[s->nsocks++] = sk;
  return sk;
}

struct sim_sock *sim_sock_get(const struct sim *s, int fd) {
  if (fd < FIRST_FD || (size_t) (fd - FIRST_FD) >= s->nsocks) return NULL;
  return s->socks[fd - FIRST_FD];
}

static const char *sock_who(const struct sim_sock *sk, char *buf, size_t len) {
  if (sk->owner != NULL) {
    snprintf(buf, len, "#%d", sk->owner->id);
  } else {
    snprintf(buf, len, "fd%d", sk->fd);
  }
  return buf;
}

static int64_t at(const struct sim *s, int64_t delay) { return s->now + delay; }

static void schedule_stream(struct sim *s, enum sim_event_kind kind,
                            struct sim_stream *st, int64_t when,
                            const void *data, size_t len) {
  struct sim_event e;
  memset(&e, 0, sizeof(e));
  e.at = when;
  e.kind = kind;
  e.st = st;
  if (len > 0) {
    if ((e.data = (char *) malloc(len)) == NULL) abort();
    memcpy(e.data, data, len);
    e.len = len;
  }
  sim_schedule(s, &e);
}

static void rst_to_peer(struct sim *s, struct sim_stream *st) {
  if (st->rst_to_peer) return;
  st->rst_to_peer = 1;
  schedule_stream(s, EV_RST_TO_PEER, st, at(s, st->k.delay_us), NULL, 0);
  if (WIRED(s)) sim_wire_tcp(s, st, SIM_WIRE_RST, 0, at(s, st->k.delay_us), NULL, 0);
}

void sim_sock_close(struct sim *s, struct sim_sock *sk) {
  char who[16];
  size_t i;
  sock_who(sk, who, sizeof(who));
  if (sk->kind == SOCK_TCP_LISTEN) {
    for (i = 0; i < sk->npending; i++) {
      sk->pending[i]->state = ST_ENGINE_GONE;
      rst_to_peer(s, sk->pending[i]);
    }
    free(sk->pending);
  } else if (sk->kind == SOCK_TCP && sk->st != NULL) {
    struct sim_stream *st = sk->st;
    if (st->rst_to_engine || st->rst_to_peer) {
      /* already torn down */
    } else if (st->state == ST_CONNECTING && !sk->connect_done) {
      rst_to_peer(s, st);
    } else if (st->engine_rx.len > 0) {
      sim_trace(s, who, "close with %zu unread bytes: RST",
                st->engine_rx.len);
      rst_to_peer(s, st);
    } else if (st->engine_fin_sent) {
      sim_trace(s, who, "close");
    } else {
      sim_trace(s, who, "close: FIN");
      st->engine_fin_sent = 1;
      schedule_stream(s, EV_FIN_TO_PEER, st, at(s, st->k.delay_us), NULL, 0);
      if (WIRED(s)) sim_wire_tcp(s, st, SIM_WIRE_FIN, 0, at(s, st->k.delay_us), NULL, 0);
    }
    st->state = ST_ENGINE_GONE;
    st->sock = NULL;
    mbuf_free(&st->engine_rx);
  }
  mbuf_free(&sk->dgrams);
  s->socks[sk->fd - FIRST_FD] = NULL;
  s->live_socks.holes++;
  free(sk);
}

/* The engine's FIN, its socket still reading: what shutdown(SHUT_WR) does. */
void sim_sock_shutdown(struct sim *s, struct sim_sock *sk) {
  struct sim_stream *st = sk->st;
  char who[16];
  if (st == NULL || st->engine_fin_sent || st->rst_to_engine || st->rst_to_peer ||
      (st->state == ST_CONNECTING && !sk->connect_done)) {
    return;
  }
  sim_trace(s, sock_who(sk, who, sizeof(who)), "shutdown: FIN");
  st->engine_fin_sent = 1;
  schedule_stream(s, EV_FIN_TO_PEER, st, at(s, st->k.delay_us), NULL, 0);
  if (WIRED(s)) sim_wire_tcp(s, st, SIM_WIRE_FIN, 0, at(s, st->k.delay_us), NULL, 0);
}

/* ---- streams ------------------------------------------------------------- */

struct sim_stream *sim_stream_new(struct sim *s, struct sim_peer *p) {
  struct sim_stream *st = (struct sim_stream *) calloc(1, sizeof(*st));
  if (st == NULL) abort();
  st->id = ++s->nstreams;
  st->peer = p;
  st->k = p->k;
  st->next = s->streams;
  s->streams = st;
  return st;
}

/* Moves what the peer sent into the network, as far as the window allows. */
void sim_stream_pump(struct sim *s, struct sim_stream *st) {
  while (st->peer_out.len > 0 && !st->peer_reset) {
    size_t n = st->peer_out.len;
    if (st->k.window > 0) {
      if (st->unconsumed >= st->k.window) return;
      if (n > st->k.window - st->unconsumed) n = st->k.window - st->unconsumed;
    }
    schedule_stream(s, EV_TO_ENGINE, st, at(s, st->k.delay_us),
                    st->peer_out.buf, n);
    if (WIRED(s)) {
      sim_wire_tcp(s, st, SIM_WIRE_DATA, 1, at(s, st->k.delay_us), st->peer_out.buf, n);
    }
    st->unconsumed += n;
    mbuf_remove(&st->peer_out, n);
  }
  if (st->peer_fin_sent && !st->fin_scheduled && st->peer_out.len == 0) {
    st->fin_scheduled = 1;
    schedule_stream(s, EV_FIN_TO_ENGINE, st, at(s, st->k.delay_us), NULL, 0);
    if (WIRED(s)) sim_wire_tcp(s, st, SIM_WIRE_FIN, 1, at(s, st->k.delay_us), NULL, 0);
  }
}

size_t sim_peer_window_space(const struct sim_stream *st) {
  size_t used = st->in_flight + st->peer_unread;
  if (st->k.peer_window == 0) return (size_t) -1;
  return used >= st->k.peer_window ? 0 : st->k.peer_window - used;
}

/* ---- peers --------------------------------------------------------------- */

/* Peers are looked up by name for every line that names one: a scenario
 * with thousands of peers must not pay for each of them at every line. */
static size_t name_hash(const char *name) {
  size_t h = 2166136261u; /* FNV-1a */
  for (; *name != '\0'; name++) h = (h ^ (unsigned char) *name) * 16777619u;
  return h;
}

static struct sim_peer **name_slot(struct sim_peer **tab, size_t cap, const char *name) {
  size_t i = name_hash(name) & (cap - 1);
  while (tab[i] != NULL && strcmp(tab[i]->name, name) != 0) i = (i + 1) & (cap - 1);
  return &tab[i];
}

static int index_peer(struct sim *s, struct sim_peer *p) {
  if ((s->npeers + 1) * 2 > (int) s->peer_names_cap) {
    size_t cap = s->peer_names_cap ? s->peer_names_cap * 2 : 64, i;
    struct sim_peer **tab = (struct sim_peer **) calloc(cap, sizeof(*tab));
    if (tab == NULL) return -1;
    for (i = 0; i < s->peer_names_cap; i++) {
      struct sim_peer *q = s->peer_names[i];
      if (q != NULL) *name_slot(tab, cap, q->name) = q;
    }
    free(s->peer_names);
    s->peer_names = tab;
    s->peer_names_cap = cap;
  }
  *name_slot(s->peer_names, s->peer_names_cap, p->name) = p;
  return 0;
}

/* Keeps the list in creation order, as the walks over all peers found them. */
static int list_peer(struct sim_peer_list *l, struct sim_peer *p) {
  size_t i;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    struct sim_peer **m = (struct sim_peer **) realloc(l->p, cap * sizeof(*m));
    if (m == NULL) return -1;
    l->p = m;
    l->cap = cap;
  }
  for (i = l->n; i > 0 && l->p[i - 1]->ordinal > p->ordinal; i--) l->p[i] = l->p[i - 1];
  l->p[i] = p;
  l->n++;
  return 0;
}

struct sim_peer *sim_peer_find(struct sim *s, const char *name) {
  return s->peer_names_cap > 0 ? *name_slot(s->peer_names, s->peer_names_cap, name)
                               : NULL;
}

struct sim_peer *sim_peer_new(struct sim *s, const char *name) {
  struct sim_peer *p;
  char addr[32];
  if (strlen(name) >= sizeof(p->name) || sim_peer_find(s, name) != NULL) {
    sim_set_error(s, "peer name '%s' is taken or too long", name);
    return NULL;
  }
  if ((p = (struct sim_peer *) calloc(1, sizeof(*p))) == NULL) return NULL;
  strcpy(p->name, name);
  if (index_peer(s, p) != 0) {
    free(p);
    return NULL;
  }
  p->sim = s;
  p->k = s->knobs;
  p->reading = 1;
  s->npeers++;
  p->ordinal = s->npeers;
  snprintf(addr, sizeof(addr), "192.0.2.%d:%d", s->npeers % 250 + 1,
           5000 + s->npeers);
  sim_parse_addr(addr, &p->addr);
  /* in creation order, so that walks and frees are deterministic */
  if (s->last_peer != NULL) {
    s->last_peer->next = p;
  } else {
    s->peers = p;
  }
  s->last_peer = p;
  return p;
}

const char *sim_peer_name(const struct sim_peer *p) { return p->name; }
struct sim_knobs *sim_peer_knobs(struct sim_peer *p) { return &p->k; }

int sim_peer_set_addr(struct sim_peer *p, const char *addr) {
  if (sim_parse_addr(addr, &p->addr) != 0) {
    return sim_set_error(p->sim, "bad address '%s'", addr);
  }
  p->has_addr = 1;
  return 0;
}

int sim_peer_connect(struct sim_peer *p, const char *addr) {
  struct sim *s = p->sim;
  struct sim_stream *st;
  char to[64];
  if (p->kind != PEER_NEW) return sim_set_error(s, "peer %s is in use", p->name);
  st = sim_stream_new(s, p);
  if (sim_parse_addr(addr, &st->engine_addr) != 0) {
    return sim_set_error(s, "bad address '%s'", addr);
  }
  p->kind = PEER_TCP;
  p->st = st;
  st->peer_addr = p->addr;
  st->state = ST_CONNECTING;
  sim_addr_str(&st->engine_addr, to, sizeof(to));
  sim_trace(s, p->name, "connect -> %s", to);
  schedule_stream(s, EV_SYN, st, at(s, st->k.delay_us), NULL, 0);
  if (WIRED(s)) sim_wire_tcp(s, st, SIM_WIRE_SYN, 1, at(s, st->k.delay_us), NULL, 0);
  return 0;
}

int sim_peer_listen(struct sim_peer *p, const char *addr,
                    enum sim_listen_mode mode) {
  if (p->kind != PEER_NEW) {
    return sim_set_error(p->sim, "peer %s is in use", p->name);
  }
  if (sim_peer_set_addr(p, addr) != 0) return -1;
  if (list_peer(&p->sim->servers, p) != 0) return sim_set_error(p->sim, "out of memory");
  p->kind = PEER_TCP_SERVER;
  p->mode = mode;
  return 0;
}

static int need_stream(struct sim_peer *p) {
  if (p->kind != PEER_TCP || p->st == NULL) {
    return sim_set_error(p->sim, "peer %s has no TCP connection", p->name);
  }
  return 0;
}

int sim_peer_send(struct sim_peer *p, const void *data, size_t len) {
  if (need_stream(p) != 0) return -1;
  if (p->st->peer_fin_sent || p->st->peer_reset) {
    return sim_set_error(p->sim, "peer %s already closed its side", p->name);
  }
  if (mbuf_append(&p->st->peer_out, data, len) != len && len > 0) abort();
  sim_trace(p->sim, p->name, "send %zu", len);
  sim_stream_pump(p->sim, p->st);
  return 0;
}

int sim_peer_close(struct sim_peer *p) {
  if (need_stream(p) != 0) return -1;
  if (p->st->peer_fin_sent || p->st->peer_reset) return 0;
  p->st->peer_fin_sent = 1;
  sim_trace(p->sim, p->name, "FIN");
  sim_stream_pump(p->sim, p->st);
  return 0;
}

int sim_peer_reset(struct sim_peer *p) {
  struct sim_stream *st;
  if (need_stream(p) != 0) return -1;
  st = p->st;
  if (st->peer_reset) return 0;
  st->peer_reset = 1;
  mbuf_free(&st->peer_out);
  sim_trace(p->sim, p->name, "RST");
  schedule_stream(p->sim, EV_RST_TO_ENGINE, st, at(p->sim, st->k.delay_us),
                  NULL, 0);
  if (WIRED(p->sim)) {
    sim_wire_tcp(p->sim, st, SIM_WIRE_RST, 1, at(p->sim, st->k.delay_us), NULL, 0);
  }
  return 0;
}

void sim_peer_reading(struct sim_peer *p, int on) {
  p->reading = on;
  if (on && p->held.len > 0) {
    mbuf_append(&p->rx, p->held.buf, p->held.len);
    sim_trace(p->sim, p->name, "read %zu held bytes", p->held.len);
    mbuf_clear(&p->held);
    if (p->st != NULL) {
      struct sim_stream *st = p->st;
      st->peer_unread = 0;
      /* The window it had closed opens again: it says so. */
      if (WIRED(p->sim) && st->k.peer_window > 0 && !st->peer_reset && !p->got_rst) {
        sim_wire_tcp(p->sim, st, SIM_WIRE_ACK, 1, at(p->sim, st->k.delay_us), NULL, 0);
      }
    }
  }
}

int sim_peer_udp_bind(struct sim_peer *p, const char *addr) {
  if (p->kind != PEER_NEW) {
    return sim_set_error(p->sim, "peer %s is in use", p->name);
  }
  if (sim_peer_set_addr(p, addr) != 0) return -1;
  if (list_peer(&p->sim->udp_peers, p) != 0) return sim_set_error(p->sim, "out of memory");
  p->kind = PEER_UDP;
  return 0;
}

/* Loss, duplication and jitter come from the sender's side of the path.
 * For the wire: the engine's connection at its end, and the peer's name. */
static void send_dgram(struct sim *s, const struct sim_knobs *k,
                       enum sim_event_kind kind, struct sim_peer *to_peer,
                       const union socket_address *from,
                       const union socket_address *dest, const void *data,
                       size_t len, const char *who, int conn_id, const char *peer) {
  int copies = 1, i;
  if (rng_chance(&s->rng, k->loss)) {
    sim_trace(s, who, "datagram %zu lost", len);
    if (WIRED(s)) {
      sim_wire_dgram(s, from, dest, kind == EV_DGRAM_TO_ENGINE, conn_id, peer,
                     at(s, k->delay_us), data, len, 1, 0);
    }
    return;
  }
  if (rng_chance(&s->rng, k->dup)) copies = 2;
  for (i = 0; i < copies; i++) {
    struct sim_event e;
    memset(&e, 0, sizeof(e));
    e.at = at(s, k->delay_us + (int64_t) rng_below(&s->rng, (uint64_t) k->jitter_us + 1));
    e.kind = kind;
    e.peer = to_peer;
    e.addr = *from;
    e.dest = *dest;
    if (len > 0) {
      if ((e.data = (char *) malloc(len)) == NULL) abort();
      memcpy(e.data, data, len);
      e.len = len;
    }
    if (WIRED(s)) {
      sim_wire_dgram(s, from, dest, kind == EV_DGRAM_TO_ENGINE, conn_id, peer, e.at,
                     data, len, 0, i);
    }
    sim_schedule(s, &e);
  }
  if (copies == 2) sim_trace(s, who, "datagram %zu duplicated", len);
}

static struct sim_sock *find_udp_sock(struct sim *s, const union socket_address *to);

int sim_peer_sendto(struct sim_peer *p, const char *addr, const void *data,
                    size_t len) {
  union socket_address dest;
  char to[64];
  int conn_id = 0;
  if (p->kind != PEER_UDP) {
    return sim_set_error(p->sim, "peer %s is not a UDP peer", p->name);
  }
  if (sim_parse_addr(addr, &dest) != 0) {
    return sim_set_error(p->sim, "bad address '%s'", addr);
  }
  sim_addr_str(&dest, to, sizeof(to));
  sim_trace(p->sim, p->name, "sendto %s %zu", to, len);
  if (WIRED(p->sim)) {
    struct sim_sock *sk = find_udp_sock(p->sim, &dest);
    conn_id = sk != NULL && sk->owner != NULL ? sk->owner->id : 0;
  }
  send_dgram(p->sim, &p->k, EV_DGRAM_TO_ENGINE, NULL, &p->addr, &dest, data,
             len, p->name, conn_id, p->name);
  return 0;
}

const struct mbuf *sim_peer_received(const struct sim_peer *p) { return &p->rx; }
size_t *sim_peer_cursor(struct sim_peer *p) { return &p->cursor; }
int sim_peer_got_fin(const struct sim_peer *p) { return p->got_fin; }
int sim_peer_got_rst(const struct sim_peer *p) { return p->got_rst; }
int sim_peer_connected(const struct sim_peer *p) { return p->connected; }

struct sim_peer *sim_peer_next(struct sim *s, const struct sim_peer *p) {
  return p == NULL ? s->peers : p->next;
}

int sim_peer_stream_addrs(const struct sim_peer *p, union socket_address *own,
                          union socket_address *engine) {
  if (p->kind != PEER_TCP || p->st == NULL || p->st->bridge != NULL) return -1;
  *own = p->st->peer_addr;
  *engine = p->st->engine_addr;
  return 0;
}

int sim_peer_next_dgram(struct sim_peer *p, const char **data, size_t *len) {
  size_t n;
  if (p->dgram_cursor + sizeof(n) > p->dgrams.len) return 0;
  memcpy(&n, p->dgrams.buf + p->dgram_cursor, sizeof(n));
  *data = p->dgrams.buf + p->dgram_cursor + sizeof(n);
  *len = n;
  p->dgram_cursor += sizeof(n) + n;
  return 1;
}

/* ---- the engine's side of connects and datagrams ------------------------- */

static struct sim_peer *find_listening_peer(struct sim *s,
                                            const union socket_address *to) {
  size_t i;
  for (i = 0; i < s->servers.n; i++) {
    if (sim_addr_eq(&s->servers.p[i]->addr, to)) return s->servers.p[i];
  }
  return NULL;
}

static void schedule_connected(struct sim *s, struct sim_sock *sk, int err,
                               int64_t when) {
  struct sim_event e;
  memset(&e, 0, sizeof(e));
  e.at = when;
  e.kind = EV_CONNECTED;
  e.target = sk->fd;
  e.err = err;
  e.st = sk->st;
  sim_schedule(s, &e);
}

static struct sim_sock *find_engine_sock(struct sim *s, enum sock_kind kind,
                                         const union socket_address *to);

/* The engine connecting to one of its own listeners: two streams joined by a
 * relay peer ("link.N"), each half carrying what the other half's engine
 * sends, so a path takes two delays each way. */
static int link_engines(struct sim *s, struct sim_sock *sk,
                        const union socket_address *to) {
  struct sim_stream *c, *srv;
  struct sim_peer *relay;
  char name[32];
  snprintf(name, sizeof(name), "link.%d", s->nstreams + 1);
  if ((relay = sim_peer_new(s, name)) == NULL) return ENOMEM;
  relay->kind = PEER_TCP; /* with no stream of its own: scripts cannot drive it */
  relay->k.peer_window = 0;
  relay->addr = sk->local;
  c = sim_stream_new(s, relay);
  srv = sim_stream_new(s, relay);
  c->sock = sk;
  c->state = ST_CONNECTING;
  c->engine_addr = sk->local;
  c->peer_addr = *to;
  srv->state = ST_CONNECTING;
  srv->engine_addr = *to;
  srv->peer_addr = sk->local;
  c->bridge = srv;
  srv->bridge = c;
  sk->st = c;
  schedule_stream(s, EV_SYN, srv, at(s, srv->k.delay_us), NULL, 0);
  schedule_connected(s, sk, 0, at(s, 2 * c->k.delay_us));
  if (WIRED(s)) { /* the relay passes the SYN on as it comes */
    sim_wire_tcp(s, c, SIM_WIRE_SYN, 0, at(s, srv->k.delay_us), NULL, 0);
    sim_wire_arrived(c, 0, 1);
    sim_wire_tcp(s, srv, SIM_WIRE_SYN, 1, at(s, srv->k.delay_us), NULL, 0);
  }
  return 0;
}

int sim_engine_connect(struct sim *s, struct sim_sock *sk,
                       const union socket_address *to) {
  struct sim_peer *server = find_listening_peer(s, to), *child;
  int64_t rtt = 2 * s->knobs.delay_us;
  char name[64];
  sk->remote = *to;
  if (server == NULL && find_engine_sock(s, SOCK_TCP_LISTEN, to) != NULL) {
    return link_engines(s, sk, to);
  }
  if (server == NULL || server->mode == SIM_REFUSE) {
    schedule_connected(s, sk, ECONNREFUSED, at(s, rtt));
    if (WIRED(s)) sim_wire_no_stream(s, sk, to, server != NULL ? server->name : NULL, rtt / 2, 1);
    return 0;
  }
  if (server->mode == SIM_SILENT) {
    schedule_connected(s, sk, ETIMEDOUT, at(s, server->k.connect_timeout_us));
    if (WIRED(s)) sim_wire_no_stream(s, sk, to, server->name, server->k.delay_us, 0);
    return 0;
  }
  snprintf(name, sizeof(name), "%s.%d", server->name, ++server->children);
  if ((child = sim_peer_new(s, name)) == NULL) return ENOMEM;
  child->k = server->k;
  child->addr = server->addr;
  child->kind = PEER_TCP;
  child->st = sim_stream_new(s, child);
  child->st->sock = sk;
  child->st->state = ST_CONNECTING;
  child->st->engine_addr = sk->local;
  child->st->peer_addr = *to;
  sk->st = child->st;
  rtt = 2 * child->k.delay_us;
  schedule_stream(s, EV_PEER_ACCEPTED, child->st, at(s, child->k.delay_us),
                  NULL, 0);
  schedule_connected(s, sk, 0, at(s, rtt));
  if (WIRED(s)) sim_wire_tcp(s, child->st, SIM_WIRE_SYN, 0, at(s, child->k.delay_us), NULL, 0);
  return 0;
}

static struct sim_peer *find_udp_peer(struct sim *s,
                                      const union socket_address *addr) {
  size_t i;
  for (i = 0; i < s->udp_peers.n; i++) {
    if (sim_addr_eq(&s->udp_peers.p[i]->addr, addr)) return s->udp_peers.p[i];
  }
  return NULL;
}

void sim_engine_dgram(struct sim *s, struct sim_sock *sk,
                      const union socket_address *to, const void *buf,
                      size_t len, int conn_id) {
  struct sim_peer *p = find_udp_peer(s, to);
  char who[16], dest[64];
  sock_who(sk, who, sizeof(who));
  sim_addr_str(to, dest, sizeof(dest));
  if (p == NULL) {
    sim_trace(s, who, "datagram %zu to %s: nobody there", len, dest);
    if (WIRED(s)) {
      sim_wire_dgram(s, &sk->local, to, 0, conn_id, NULL, at(s, s->knobs.delay_us), buf,
                     len, 1, 0);
    }
    return;
  }
  sim_trace(s, who, "datagram %zu -> %s", len, p->name);
  send_dgram(s, &p->k, EV_DGRAM_TO_PEER, p, &sk->local, to, buf, len, who, conn_id,
             p->name);
}

/* ---- arrivals ------------------------------------------------------------ */

static int addr_matches_listener(const union socket_address *local,
                                 const union socket_address *to) {
  if (sim_addr_eq(local, to)) return 1;
  /* A listener on the wildcard address takes its port on any address. */
  return local->sa.sa_family == AF_INET && to->sa.sa_family == AF_INET &&
         local->sin.sin_addr.s_addr == htonl(INADDR_ANY) &&
         local->sin.sin_port == to->sin.sin_port;
}

static struct sim_sock *find_engine_sock(struct sim *s, enum sock_kind kind,
                                         const union socket_address *to) {
  size_t i;
  for (i = 0; i < s->live_socks.n; i++) {
    struct sim_sock *sk = s->socks[s->live_socks.idx[i]];
    if (sk != NULL && sk->kind == kind && addr_matches_listener(&sk->local, to)) {
      return sk;
    }
  }
  return NULL;
}

/* A short, escaped preview of bytes for the trace. */
void sim_preview(const char *data, size_t len, char *out, size_t cap) {
  size_t i, o = 0;
  for (i = 0; i < len && o + 5 < cap; i++) {
    unsigned char c = (unsigned char) data[i];
    if (c == '\n') {
      o += (size_t) snprintf(out + o, cap - o, "\\n");
    } else if (c == '\r') {
      o += (size_t) snprintf(out + o, cap - o, "\\r");
    } else if (c == '"' || c == '\\') {
      o += (size_t) snprintf(out + o, cap - o, "\\%c", c);
    } else if (c >= 0x20 && c < 0x7f) {
      out[o++] = (char) c;
    } else {
      o += (size_t) snprintf(out + o, cap - o, "\\x%02x", c);
    }
  }
  out[o] = '\0';
  if (i < len && o + 4 < cap) strcat(out, "...");
}

static void arrive_syn(struct sim *s, struct sim_stream *st) {
  struct sim_sock *lk = find_engine_sock(s, SOCK_TCP_LISTEN, &st->engine_addr);
  struct sim_stream **pending;
  if (WIRED(s)) sim_wire_arrived(st, 1, 1);
  if (lk == NULL) {
    st->state = ST_ENGINE_GONE;
    sim_trace(s, st->peer->name, "refused: nobody listens there");
    rst_to_peer(s, st);
    return;
  }
  if (lk->npending == lk->cap_pending) {
    size_t cap = lk->cap_pending ? lk->cap_pending * 2 : 8;
    pending = (struct sim_stream **) realloc(lk->pending, cap * sizeof(*pending));
    if (pending == NULL) abort();
    lk->pending = pending;
    lk->cap_pending = cap;
  }
  lk->pending[lk->npending++] = st;
  st->state = ST_PENDING_ACCEPT;
  st->peer->connected = 1;
  sim_trace(s, st->peer->name, "connected");
  if (WIRED(s)) {
    /* The peer is connected from this instant: its SYN-ACK takes no time. */
    sim_wire_tcp(s, st, SIM_WIRE_SYNACK, 0, s->now, NULL, 0);
    sim_wire_acked(s, st, 0, 1);
    if (st->bridge != NULL) { /* the relay answers the connecting engine */
      sim_wire_tcp(s, st->bridge, SIM_WIRE_SYNACK, 1, at(s, st->bridge->k.delay_us), NULL, 0);
    }
  }
}

/* What peers receive is kept for the expectations to read, so it is memory
 * the run holds like its trace: the trace bound covers both. Past it the
 * bytes are dropped and the run stops (as for the trace, with no gap). */
static int peer_may_keep(struct sim *s, size_t len) {
  if (s->limit_hit != SIM_LIMIT_NONE) return 0;
  if (s->trace_limit > 0 && s->peer_kept + len > s->trace_limit) {
    sim_stop(s, "the run's peers received over %zu MiB by t=%lld us", s->trace_limit >> 20,
             (long long) s->now);
    return 0;
  }
  s->peer_kept += len;
  return 1;
}

static void arrive_at_peer(struct sim *s, struct sim_event *e) {
  struct sim_stream *st = e->st;
  struct sim_peer *p = st->peer;
  char text[120];
  st->in_flight -= e->len;
  if (st->peer_reset || p->got_rst || !peer_may_keep(s, e->len)) return;
  if (sim_tracing(s)) sim_preview(e->data, e->len, text, sizeof(text));
  if (p->reading) {
    mbuf_append(&p->rx, e->data, e->len);
    sim_trace(s, p->name, "got %zu \"%s\"", e->len, text);
  } else {
    mbuf_append(&p->held, e->data, e->len);
    st->peer_unread += e->len;
    sim_trace(s, p->name, "got %zu, not reading", e->len);
  }
  if (WIRED(s)) sim_wire_acked(s, st, 0, e->len);
}

static struct sim_sock *find_udp_sock(struct sim *s, const union socket_address *to) {
  struct sim_sock *sk = find_engine_sock(s, SOCK_UDP, to);
  size_t i;
  /* A connected UDP socket receives what is sent to its local address. */
  for (i = 0; sk == NULL && i < s->live_socks.n; i++) {
    struct sim_sock *c = s->socks[s->live_socks.idx[i]];
    if (c != NULL && c->kind == SOCK_UDP && sim_addr_eq(&c->local, to)) sk = c;
  }
  return sk;
}

static void arrive_dgram_at_engine(struct sim *s, struct sim_event *e) {
  struct sim_sock *sk = find_udp_sock(s, &e->dest);
  char to[64];
  if (sk == NULL) {
    sim_addr_str(&e->dest, to, sizeof(to));
    sim_trace(s, "net", "datagram %zu to %s: nobody there", e->len, to);
    return;
  }
  mbuf_append(&sk->dgrams, &e->addr, sizeof(e->addr));
  mbuf_append(&sk->dgrams, &e->len, sizeof(e->len));
  mbuf_append(&sk->dgrams, e->data, e->len);
}

void sim_process(struct sim *s, struct sim_event *e) {
  struct sim_stream *st = e->st;
  switch (e->kind) {
    case EV_SYN:
      arrive_syn(s, st);
      break;
    case EV_TO_ENGINE:
      if (WIRED(s)) st->wire_flight -= e->len < st->wire_flight ? e->len : st->wire_flight;
      if (st->rst_to_engine) break;
      if (st->state == ST_ENGINE_GONE) {
        rst_to_peer(s, st); /* bytes for a closed socket */
        break;
      }
      mbuf_append(&st->engine_rx, e->data, e->len);
      if (WIRED(s)) sim_wire_acked(s, st, 1, e->len);
      break;
    case EV_FIN_TO_ENGINE:
      if (st->state != ST_ENGINE_GONE) st->fin_to_engine = 1;
      /* Acknowledged, also by a socket that closed with its own FIN (as a
       * stack's lingering end does); not by one that sent RST. */
      if (WIRED(s) && !st->rst_to_engine && !st->rst_to_peer) sim_wire_acked(s, st, 1, 1);
      break;
    case EV_RST_TO_ENGINE:
      if (st->state != ST_ENGINE_GONE) {
        st->rst_to_engine = 1;
        mbuf_clear(&st->engine_rx);
      }
      break;
    case EV_TO_PEER:
      if (st->bridge != NULL) {
        st->in_flight -= e->len;
        if (!st->bridge->peer_reset) {
          if (WIRED(s)) sim_wire_acked(s, st, 0, e->len);
          mbuf_append(&st->bridge->peer_out, e->data, e->len);
          sim_stream_pump(s, st->bridge);
        }
      } else {
        arrive_at_peer(s, e);
      }
      break;
    case EV_FIN_TO_PEER:
      if (WIRED(s) && !st->peer_reset && !st->peer->got_rst) sim_wire_acked(s, st, 0, 1);
      if (st->bridge != NULL) {
        st->bridge->peer_fin_sent = 1;
        sim_stream_pump(s, st->bridge);
        break;
      }
      st->peer->got_fin = 1;
      sim_trace(s, st->peer->name, "got FIN");
      break;
    case EV_RST_TO_PEER:
      if (st->bridge != NULL) {
        if (!st->bridge->peer_reset) {
          st->bridge->peer_reset = 1;
          schedule_stream(s, EV_RST_TO_ENGINE, st->bridge,
                          at(s, st->bridge->k.delay_us), NULL, 0);
          if (WIRED(s)) {
            sim_wire_tcp(s, st->bridge, SIM_WIRE_RST, 1, at(s, st->bridge->k.delay_us),
                         NULL, 0);
          }
        }
        break;
      }
      st->peer->got_rst = 1;
      sim_trace(s, st->peer->name, "got RST");
      break;
    case EV_PEER_ACCEPTED:
      if (st->state != ST_ENGINE_GONE) {
        st->peer->connected = 1;
        sim_trace(s, st->peer->name, "accepted a connection");
        if (WIRED(s)) {
          sim_wire_arrived(st, 0, 1);
          sim_wire_tcp(s, st, SIM_WIRE_SYNACK, 1, at(s, st->k.delay_us), NULL, 0);
        }
      }
      break;
    case EV_CONNECTED: {
      struct sim_sock *sk = sim_sock_get(s, e->target);
      if (sk == NULL || sk->st != st) break;
      sk->connect_done = 1;
      sk->connect_err = e->err;
      if (e->err == 0 && st != NULL) {
        st->state = ST_OPEN;
        if (WIRED(s)) sim_wire_acked(s, st, 1, 1);
      }
      break;
    }
    case EV_DGRAM_TO_ENGINE:
      arrive_dgram_at_engine(s, e);
      break;
    case EV_DGRAM_TO_PEER: {
      char text[120];
      if (!peer_may_keep(s, e->len + sizeof(e->len))) break;
      mbuf_append(&e->peer->dgrams, &e->len, sizeof(e->len));
      mbuf_append(&e->peer->dgrams, e->data, e->len);
      if (sim_tracing(s)) sim_preview(e->data, e->len, text, sizeof(text));
      sim_trace(s, e->peer->name, "got datagram %zu \"%s\"", e->len, text);
      break;
    }
    case EV_DNS: {
      struct sim_conn *sc =
          e->target > 0 && (size_t) e->target <= s->nconns ? s->conns[e->target - 1]
                                                           : NULL;
      if (sc == NULL || !sc->dns_pending) break;
      if (!sc->dns_arrived) s->dns_arrived++;
      sc->dns_arrived = 1;
      sc->dns_err = e->err;
      sc->dns_addr = e->addr;
      break;
    }
  }
  free(e->data);
}

/* ---- DNS ----------------------------------------------------------------- */

static int add_dns(struct sim *s, const char *name, int kind,
                   const char *ip, int64_t delay) {
  struct dns_entry *d = (struct dns_entry *) calloc(1, sizeof(*d));
  char addr[300];
  if (d == NULL) return -1;
  if (strlen(name) >= sizeof(d->name)) {
    free(d);
    return sim_set_error(s, "DNS name too long");
  }
  strcpy(d->name, name);
  d->kind = kind;
  d->delay = delay;
  if (ip != NULL) {
    snprintf(addr, sizeof(addr), "%s:0", ip);
    if (strchr(ip, ':') != NULL) snprintf(addr, sizeof(addr), "[%s]:0", ip);
    if (sim_parse_addr(addr, &d->addr) != 0) {
      free(d);
      return sim_set_error(s, "bad IP address '%s'", ip);
    }
  }
  d->next = s->dns;
  s->dns = d;
  return 0;
}

int sim_dns_answer(struct sim *s, const char *name, const char *ip,
                   int64_t delay_us) {
  return add_dns(s, name, 0, ip, delay_us);
}
int sim_dns_fail(struct sim *s, const char *name, int64_t delay_us) {
  return add_dns(s, name, 1, NULL, delay_us);
}
int sim_dns_silent(struct sim *s, const char *name) {
  return add_dns(s, name, 2, NULL, 0);
}

/* Used by the iface's resolve: schedules the answer (or nothing). */
void sim_dns_query(struct sim *s, struct sim_conn *sc, const char *host) {
  struct dns_entry *d;
  struct sim_event e;
  char who[16];
  snprintf(who, sizeof(who), "#%d", sc->id);
  for (d = s->dns; d != NULL && strcmp(d->name, host) != 0; d = d->next) {
  }
  sc->dns_pending = 1;
  if (d != NULL && d->kind == 2) {
    sim_trace(s, who, "resolve %s: no answer will come", host);
    return;
  }
  memset(&e, 0, sizeof(e));
  e.kind = EV_DNS;
  e.target = sc->id;
  e.at = at(s, d != NULL && d->delay > 0 ? d->delay : 2 * s->knobs.delay_us);
  if (d != NULL && d->kind == 0) {
    e.addr = d->addr;
  } else {
    e.err = EHOSTUNREACH;
  }
  sim_trace(s, who, "resolve %s", host);
  sim_schedule(s, &e);
}

/* ---- teardown ------------------------------------------------------------ */

void sim_free_net(struct sim *s) {
  size_t i;
  while (s->streams != NULL) {
    struct sim_stream *st = s->streams;
    s->streams = st->next;
    mbuf_free(&st->peer_out);
    mbuf_free(&st->engine_rx);
    free(st);
  }
  free(s->servers.p);
  free(s->udp_peers.p);
  memset(&s->servers, 0, sizeof(s->servers));
  memset(&s->udp_peers, 0, sizeof(s->udp_peers));
  free(s->peer_names);
  s->peer_names = NULL;
  s->peer_names_cap = 0;
  s->last_peer = NULL;
  while (s->peers != NULL) {
    struct sim_peer *p = s->peers;
    s->peers = p->next;
    mbuf_free(&p->rx);
    mbuf_free(&p->held);
    mbuf_free(&p->dgrams);
    free(p);
  }
  while (s->dns != NULL) {
    struct dns_entry *d = s->dns;
    s->dns = d->next;
    free(d);
  }
  for (i = 0; i < s->nsocks; i++) {
    if (s->socks[i] != NULL) {
      free(s->socks[i]->pending);
      mbuf_free(&s->socks[i]->dgrams);
      free(s->socks[i]);
    }
  }
  free(s->socks);
  for (i = 0; i < s->nconns; i++) free(s->conns[i]);
  free(s->conns);
}
