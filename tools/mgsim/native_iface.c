/*
 * native_iface.c - the socket iface as the native world runs it.
 *
 * The engine runs on mg_socket_iface_vtable itself. A copy of the vtable
 * wraps the methods whose effect the simulation traces (listen, connect,
 * send, shutdown, close, datagrams, names, broadcasts) so that both traces
 * say the same things, numbers the connections as they are created, and
 * keeps the simulation's model where loopback has none: connects take the
 * path's round trip from the simulated engine's address, datagrams to a
 * peer take its loss and duplication, random bytes come from the seed. The
 * iface's options give it the world's clock, waits and DNS table, and the
 * knobs' caps and buffers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "native_internal.h"

/* The kernel has something to deliver: the instant must settle in wall time. */
static void net_touch(void) {
  if (native_running != NULL) native_running->net_activity++;
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
    if (native_addr_eq(&sa, addr)) {
      snprintf(who, len, "#%d", (int) i + 1);
      return;
    }
  }
}

/* ---- the iface, wrapped -------------------------------------------------- */

static int nw_create_conn(struct mg_connection *nc) {
  struct native *w = native_running;
  int err = mg_socket_iface_vtable.create_conn(nc);
  if (err != 0 || w == NULL) return err;
  if ((err = native_conn_added(w, nc)) != 0) mg_socket_iface_vtable.destroy_conn(nc);
  return err;
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
  struct native *w = native_running;
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
  if (w != NULL && id > 0) native_conn_removed(w, nc, id);
}

static void trace_listen(struct mg_connection *nc, const char *kind) {
  union socket_address sa;
  char who[16], addr[64];
  mg_socket_iface_vtable.get_conn_addr(nc, 0, &sa);
  native_addr_str(&sa, addr, sizeof(addr));
  who_of(nc, who, sizeof(who));
  native_trace(native_running, who, "listen %s %s", kind, addr);
}

/* Port 0 is the simulation's next port, not the kernel's choice. */
static void pick_port(union socket_address *sa) {
  if (native_running != NULL && sa->sin.sin_port == 0) { /* same offset in sin6 */
    sa->sin.sin_port = htons(native_running->next_port++);
  }
}

/* A listener on the port the simulation would give, traced as it would. */
static int nw_listen(struct mg_connection *nc, union socket_address *sa,
                     int (*listen)(struct mg_connection *, union socket_address *),
                     const char *kind) {
  int err;
  net_touch();
  pick_port(sa);
  err = listen(nc, sa);
  if (err == 0 && native_running != NULL) trace_listen(nc, kind);
  return err;
}

static int nw_listen_tcp(struct mg_connection *nc, union socket_address *sa) {
  return nw_listen(nc, sa, mg_socket_iface_vtable.listen_tcp, "tcp");
}

static int nw_listen_udp(struct mg_connection *nc, union socket_address *sa) {
  return nw_listen(nc, sa, mg_socket_iface_vtable.listen_udp, "udp");
}

/* The engine's own address, as the simulation gives it: loopback to reach
 * loopback, else 10.0.0.1; the port from the simulation's counter. */
static void local_for(const union socket_address *to, union socket_address *local) {
  int loop = to->sa.sa_family == AF_INET && (ntohl(to->sin.sin_addr.s_addr) >> 24) == 127;
  native_parse_addr(loop ? "127.0.0.1:0" : "10.0.0.1:0", local);
  local->sin.sin_port = htons(native_running->next_port++);
}

/* The SYN and its answer each take the path's delay: the connect is made
 * when the SYN would arrive (a listening peer accepts then), on a socket
 * the engine gets when the answer would (it sees the outcome then). */
static void nw_connect_tcp(struct mg_connection *nc, const union socket_address *sa) {
  struct native *w = native_running;
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

/* Whether one of the engine's own TCP listeners takes connects to `to`. */
static int engine_listens_at(const struct native *w, const union socket_address *to) {
  size_t i;
  for (i = 0; i < w->nconns; i++) {
    const struct mg_connection *nc = w->conns[i].nc;
    union socket_address sa;
    if (nc == NULL || !(nc->engine_flags & MG_F_LISTENING) || (nc->engine_flags & MG_F_UDP)) {
      continue;
    }
    mg_socket_iface_vtable.get_conn_addr((struct mg_connection *) nc, 0, &sa);
    if (native_addr_eq(&sa, to)) return 1;
    /* a wildcard listener takes its port on any address */
    if (sa.sa.sa_family == AF_INET && to->sa.sa_family == AF_INET &&
        sa.sin.sin_port == to->sin.sin_port && sa.sin.sin_addr.s_addr == htonl(INADDR_ANY)) {
      return 1;
    }
  }
  return 0;
}

/* The SYN leaves now: a socket of the engine's address, connecting. An
 * error is kept for the engine to read (SO_ERROR) when it gets the socket. */
static int syn(struct native *w, struct held_connect *c) {
  int on = 1, fd;
  socklen_t len = c->to.sa.sa_family == AF_INET6 ? sizeof(c->to.sin6) : sizeof(c->to.sin);
  if (engine_listens_at(w, &c->to)) return native_relay_open(w, &c->local, &c->to);
  fd = socket(c->to.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
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
void native_release_connects(struct native *w) {
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
  if (native_running == NULL) return mg_socket_iface_vtable.connect_udp(nc);
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
  if (n > 0 && native_running != NULL) {
    who_of(nc, who, sizeof(who));
    native_trace(native_running, who, "send %d of %zu", n, len);
  }
  return n;
}

static void nw_shutdown_write(struct mg_connection *nc) {
  int id = native_conn_id(nc);
  char who[16];
  net_touch();
  if (native_running != NULL && id > 0 && nc->sock != INVALID_SOCKET &&
      !native_running->conns[id - 1].shut) {
    native_running->conns[id - 1].shut = 1;
    snprintf(who, sizeof(who), "#%d", id);
    native_trace(native_running, who, "shutdown: FIN");
  }
  mg_socket_iface_vtable.shutdown_write(nc);
}

/* A datagram to a peer takes the peer's path, as in the simulation: lost
 * or duplicated here, when it leaves (the peer draws each copy's jitter when
 * it arrives, in the order drawn here). */
static int nw_udp_send(struct mg_connection *nc, const void *buf, size_t len) {
  struct native *w = native_running;
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
  if (native_running != NULL) native_trace(native_running, "mgr", "broadcast");
  mg_socket_iface_vtable.broadcast(iface, cb, data, len);
}

/* Names as the simulation traces them, answered from the same table. */
static int nw_resolve(struct mg_connection *nc, const char *host) {
  const struct ndns *d;
  char who[16];
  if (native_running != NULL) {
    for (d = native_running->dns; d != NULL && strcmp(d->name, host) != 0; d = d->next) {
    }
    who_of(nc, who, sizeof(who));
    if (d != NULL && d->kind == 2) {
      native_trace(native_running, who, "resolve %s: no answer will come", host);
    } else {
      native_trace(native_running, who, "resolve %s", host);
    }
  }
  return mg_socket_iface_vtable.resolve(nc, host);
}

/* Random bytes from the scenario's seed, as the simulation draws them (a
 * WebSocket client's key, say), so that both runs send the same bytes. */
static void nw_random(struct mg_iface *iface, void *buf, size_t len) {
  (void) iface;
  if (native_running != NULL) {
    rng_bytes(&native_running->rng, buf, len);
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

