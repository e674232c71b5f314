/*
 * native_peer.c - the scenario's peers on real non-blocking sockets.
 *
 * A FIN is shutdown(SHUT_WR) once what was sent has left; a RST is
 * SO_LINGER {1, 0} and close. A peer that stops reading leaves the bytes
 * to the kernel (its receive buffer is the peer-window knob, when set), so
 * that TCP's own window pushes back on the engine. A listening peer accepts
 * children named NAME.1, NAME.2... as the simulation names them. UDP loss,
 * duplication and jitter come from the scenario's seed, drawn where the
 * simulation draws them: here for what a peer sends; for what the engine
 * sends, loss and duplication when it leaves (native_iface.c), the jitter
 * here when it arrives. A connect of the engine to one of its own listeners
 * goes through a relay peer (link.N), as in the simulation.
 *
 * Loopback has no delay; the simulation's paths have one (the delay knob).
 * So that times compare, the peer's side keeps it: what a peer does reaches
 * the kernel delay later, and what the kernel hands the peer reaches the
 * script delay later. Only the kernel's own handshake, for the engine's
 * connects, stays instant.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "native_internal.h"

#define READ_CHUNK 65536

static socklen_t sa_len(const union socket_address *sa) {
  return sa->sa.sa_family == AF_INET6 ? sizeof(sa->sin6) : sizeof(sa->sin);
}

/* Puts an item on the wire, in time order (equal times keep their order). */
static struct wire_item *wire_put(struct native *w, struct native_peer *p,
                                  enum wire_kind kind, int64_t at, const void *data,
                                  size_t len) {
  struct wire_item *it = (struct wire_item *) calloc(1, sizeof(*it)), **pp;
  if (it == NULL) abort();
  it->at = at;
  it->kind = kind;
  it->p = p;
  it->fd = -1;
  if (len > 0) {
    if ((it->data = (char *) malloc(len)) == NULL) abort();
    memcpy(it->data, data, len);
    it->len = len;
  }
  if (w->wire_tail != NULL && w->wire_tail->at <= at) {
    w->wire_tail->next = it; /* the usual case: the latest so far */
    w->wire_tail = it;
    return it;
  }
  for (pp = &w->wire; *pp != NULL && (*pp)->at <= at; pp = &(*pp)->next) {
  }
  it->next = *pp;
  *pp = it;
  if (it->next == NULL) w->wire_tail = it;
  return it;
}

static int64_t later(const struct native_peer *p) { return p->w->now + p->k.delay_us; }

/* Loss, duplication and jitter of a datagram p sends or receives. */
static void path(struct native_peer *p, enum wire_kind kind, const union socket_address *dest,
                 const void *data, size_t len, const char *who) {
  struct native *w = p->w;
  int copies = 1, i;
  if (rng_chance(&w->rng, p->k.loss)) {
    native_trace(w, who, "datagram %zu lost", len);
    return;
  }
  if (rng_chance(&w->rng, p->k.dup)) copies = 2;
  for (i = 0; i < copies; i++) {
    int64_t jitter = (int64_t) rng_below(&w->rng, (uint64_t) p->k.jitter_us + 1);
    struct wire_item *it = wire_put(w, p, kind, later(p) + jitter, data, len);
    if (dest != NULL) it->addr = *dest;
  }
  if (copies == 2) native_trace(w, who, "datagram %zu duplicated", len);
}

struct native_peer *native_peer_find(struct native *w, const char *name) {
  struct native_peer *p;
  for (p = w->peers; p != NULL && strcmp(p->name, name) != 0; p = p->next) {
  }
  return p;
}

struct native_peer *native_peer_new(struct native *w, const char *name) {
  struct native_peer *p;
  char addr[32];
  if (strlen(name) >= sizeof(p->name) || native_peer_find(w, name) != NULL) {
    native_set_error(w, "peer name '%s' is taken or too long", name);
    return NULL;
  }
  if ((p = (struct native_peer *) calloc(1, sizeof(*p))) == NULL) return NULL;
  strcpy(p->name, name);
  p->w = w;
  p->k = w->knobs;
  p->reading = 1;
  p->fd = -1;
  p->fd2 = -1;
  p->filler = -1;
  w->npeers++;
  p->ordinal = w->npeers;
  /* The simulation's addresses for peers that do not say theirs. */
  snprintf(addr, sizeof(addr), "192.0.2.%d", w->npeers % 250 + 1);
  if (native_add_address(addr, w->error, sizeof(w->error)) != 0) {
    free(p);
    return NULL;
  }
  snprintf(addr, sizeof(addr), "192.0.2.%d:%d", w->npeers % 250 + 1, 5000 + w->npeers);
  native_parse_addr(addr, &p->addr);
  if (w->last_peer != NULL) {
    w->last_peer->next = p;
  } else {
    w->peers = p;
  }
  w->last_peer = p;
  return p;
}

struct sim_knobs *native_peer_knobs(struct native_peer *p) { return &p->k; }

int native_peer_set_addr(struct native_peer *p, const char *addr) {
  if (native_parse_addr(addr, &p->addr) != 0) {
    return native_set_error(p->w, "bad address '%s'", addr);
  }
  return 0;
}

static int new_socket(struct native_peer *p, int type, int bind_it) {
  int on = 1, fd = socket(p->addr.sa.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return native_set_error(p->w, "peer %s: socket: %s", p->name, strerror(errno));
  (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (type == SOCK_STREAM) {
    (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    if (p->k.peer_window > 0) {
      int buf = p->k.peer_window > 1 << 20 ? 1 << 20 : (int) p->k.peer_window;
      (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
    }
  }
  if (bind_it && bind(fd, &p->addr.sa, sa_len(&p->addr)) != 0) {
    char a[64];
    int err = errno;
    close(fd);
    native_addr_str(&p->addr, a, sizeof(a));
    return native_set_error(p->w, "peer %s: bind %s: %s", p->name, a, strerror(err));
  }
  return fd;
}

int native_peer_connect(struct native_peer *p, const char *addr) {
  struct wire_item *it;
  union socket_address to;
  char shown[64];
  if (p->kind != NP_NEW) return native_set_error(p->w, "peer %s is in use", p->name);
  if (native_parse_addr(addr, &to) != 0) return native_set_error(p->w, "bad address '%s'", addr);
  p->kind = NP_TCP;
  native_addr_str(&to, shown, sizeof(shown));
  native_trace(p->w, p->name, "connect -> %s", shown);
  it = wire_put(p->w, p, W_CONNECT, later(p), NULL, 0);
  it->addr = to;
  return 0;
}

/* The SYN leaves: a local connect is decided at once, or nearly. */
static void do_connect(struct native_peer *p, const union socket_address *to) {
  int fd = new_socket(p, SOCK_STREAM, 1);
  if (fd < 0) {
    native_stop(p->w, "%s", p->w->error);
    return;
  }
  p->fd = fd;
  if (connect(fd, &to->sa, sa_len(to)) == 0) {
    p->connected = 1;
    native_trace(p->w, p->name, "connected");
  } else if (errno == EINPROGRESS) {
    p->connecting = 1;
  } else {
    native_trace(p->w, p->name, "refused: nobody listens there");
    close(fd);
    p->fd = -1;
    p->got_rst = 1;
  }
}

int native_peer_listen(struct native_peer *p, const char *addr,
                       enum sim_listen_mode mode) {
  int fd;
  if (p->kind != NP_NEW) return native_set_error(p->w, "peer %s is in use", p->name);
  if (native_peer_set_addr(p, addr) != 0) return -1;
  p->kind = NP_TCP_SERVER;
  p->mode = mode;
  /* Refusing is what a port nobody listens on does: reset the SYN. */
  if (mode == SIM_REFUSE) return 0;
  if ((fd = new_socket(p, SOCK_STREAM, 1)) < 0) return -1;
  if (listen(fd, mode == SIM_SILENT ? 0 : SOMAXCONN) != 0) {
    close(fd);
    return native_set_error(p->w, "peer %s: listen: %s", p->name, strerror(errno));
  }
  p->fd = fd;
  /* Silent: one connection nobody accepts fills the queue of a backlog of
   * 0, and the kernel then drops every SYN, as a host that never answers. */
  if (mode == SIM_SILENT) {
    p->filler = socket(p->addr.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (p->filler < 0 || (connect(p->filler, &p->addr.sa, sa_len(&p->addr)) != 0 &&
                          errno != EINPROGRESS)) {
      return native_set_error(p->w, "peer %s: cannot fill the listen queue: %s", p->name,
                              strerror(errno));
    }
  }
  return 0;
}

static int need_stream(struct native_peer *p) {
  if (p->kind != NP_TCP) {
    return native_set_error(p->w, "peer %s has no TCP connection", p->name);
  }
  return 0;
}

/* What the kernel takes of the queued bytes, then the FIN if one waits. */
static int flush(struct native_peer *p) {
  int moved = 0;
  while (p->fd >= 0 && p->connected && p->out.len > 0) {
    ssize_t n = send(p->fd, p->out.buf, p->out.len, MSG_NOSIGNAL);
    if (n <= 0) break;
    mbuf_remove(&p->out, (size_t) n);
    moved = 1;
  }
  if (p->fd >= 0 && p->connected && p->out.len == 0 && p->fin_due && !p->fin_sent) {
    (void) shutdown(p->fd, SHUT_WR);
    p->fin_sent = 1;
    moved = 1;
  }
  return moved;
}

int native_peer_send(struct native_peer *p, const void *data, size_t len) {
  if (need_stream(p) != 0) return -1;
  if (p->fin_wanted || p->reset) {
    return native_set_error(p->w, "peer %s already closed its side", p->name);
  }
  native_trace(p->w, p->name, "send %zu", len);
  wire_put(p->w, p, W_SEND, later(p), data, len);
  return 0;
}

int native_peer_close(struct native_peer *p) {
  if (need_stream(p) != 0) return -1;
  if (p->fin_wanted || p->reset) return 0;
  p->fin_wanted = 1;
  native_trace(p->w, p->name, "FIN");
  wire_put(p->w, p, W_FIN, later(p), NULL, 0);
  return 0;
}

int native_peer_reset(struct native_peer *p) {
  if (need_stream(p) != 0) return -1;
  if (p->reset) return 0;
  p->reset = 1;
  native_trace(p->w, p->name, "RST");
  wire_put(p->w, p, W_RST, later(p), NULL, 0);
  return 0;
}

static void do_reset(struct native_peer *p) {
  struct linger lg = {1, 0};
  mbuf_free(&p->out);
  if (p->fd >= 0) {
    (void) setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(p->fd);
    p->fd = -1;
  }
}

void native_peer_reading(struct native_peer *p, int on) { p->reading = on; }

int native_peer_udp_bind(struct native_peer *p, const char *addr) {
  int fd;
  if (p->kind != NP_NEW) return native_set_error(p->w, "peer %s is in use", p->name);
  if (native_peer_set_addr(p, addr) != 0) return -1;
  if ((fd = new_socket(p, SOCK_DGRAM, 1)) < 0) return -1;
  p->kind = NP_UDP;
  p->fd = fd;
  return 0;
}

int native_peer_sendto(struct native_peer *p, const char *addr, const void *data,
                       size_t len) {
  union socket_address dest;
  char to[64];
  if (p->kind != NP_UDP) return native_set_error(p->w, "peer %s is not a UDP peer", p->name);
  if (native_parse_addr(addr, &dest) != 0) return native_set_error(p->w, "bad address '%s'", addr);
  native_addr_str(&dest, to, sizeof(to));
  native_trace(p->w, p->name, "sendto %s %zu", to, len);
  path(p, W_DGRAM_OUT, &dest, data, len, p->name);
  return 0;
}

const struct mbuf *native_peer_received(const struct native_peer *p) { return &p->rx; }
size_t *native_peer_cursor(struct native_peer *p) { return &p->cursor; }
int native_peer_got_fin(const struct native_peer *p) { return p->got_fin; }
int native_peer_got_rst(const struct native_peer *p) { return p->got_rst; }
int native_peer_connected(const struct native_peer *p) { return p->connected; }

int native_peer_next_dgram(struct native_peer *p, const char **data, size_t *len) {
  size_t n;
  if (p->dgram_cursor + sizeof(n) > p->dgrams.len) return 0;
  memcpy(&n, p->dgrams.buf + p->dgram_cursor, sizeof(n));
  *data = p->dgrams.buf + p->dgram_cursor + sizeof(n);
  *len = n;
  p->dgram_cursor += sizeof(n) + n;
  return 1;
}

/* ---- relays between two engine connections ------------------------------ */

static int tcp_socket(const union socket_address *local) {
  int on = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  /* The engine's side and the relay's own socket toward the listener both
   * carry the engine's address, as the simulation's link does. */
  if (local != NULL && bind(fd, &local->sa, sizeof(local->sin)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int native_relay_open(struct native *w, const union socket_address *local,
                      const union socket_address *to) {
  union socket_address at;
  socklen_t len = sizeof(at);
  struct native_peer *p;
  char name[32];
  int engine_side, near_side = -1, far_side, tries;
  if (to->sa.sa_family != AF_INET || local->sa.sa_family != AF_INET) return -1;
  if (w->relay_listener < 0) {
    union socket_address any;
    native_parse_addr("127.255.255.254:0", &any);
    w->relay_listener = tcp_socket(&any);
    if (w->relay_listener < 0 || listen(w->relay_listener, SOMAXCONN) != 0) return -1;
  }
  if (getsockname(w->relay_listener, &at.sa, &len) != 0) return -1;
  if ((engine_side = tcp_socket(local)) < 0) return -1;
  if (connect(engine_side, &at.sa, sizeof(at.sin)) != 0 && errno != EINPROGRESS) {
    close(engine_side);
    return -1;
  }
  /* Loopback completes the handshake within connect(), or nearly. */
  for (tries = 0; tries < 100 && near_side < 0; tries++) {
    struct pollfd pfd = {w->relay_listener, POLLIN, 0};
    near_side = accept4(w->relay_listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (near_side < 0) (void) poll(&pfd, 1, 10);
  }
  if (near_side < 0 || (far_side = tcp_socket(local)) < 0) {
    if (near_side >= 0) close(near_side);
    close(engine_side);
    return -1;
  }
  (void) connect(far_side, &to->sa, sizeof(to->sin));
  snprintf(name, sizeof(name), "link.%d", ++w->nrelays);
  if ((p = native_peer_new(w, name)) == NULL) {
    close(near_side);
    close(far_side);
    close(engine_side);
    return -1;
  }
  p->kind = NP_RELAY;
  p->k.peer_window = 0;
  p->fd = near_side;
  p->fd2 = far_side;
  p->connected = 1;
  return engine_side;
}

/* What one side of a relay has read goes to the other side two delays later
 * (a path through the simulation's link takes one delay each half). */
static int relay_read(struct native_peer *p, int side, char *buf) {
  int fd = side ? p->fd2 : p->fd, *eof = &p->relay_eof[side], moved = 0;
  int64_t at = p->w->now + 2 * p->k.delay_us;
  struct wire_item *it;
  while (fd >= 0 && !*eof) {
    ssize_t n = recv(fd, buf, READ_CHUNK, 0);
    if (n > 0) {
      it = wire_put(p->w, p, W_RELAY, at, buf, (size_t) n);
    } else if (n == 0 || errno == ECONNRESET || errno == EPIPE) {
      *eof = 1;
      it = wire_put(p->w, p, n == 0 ? W_RELAY_FIN : W_RELAY_RST, at, NULL, 0);
    } else {
      return moved;
    }
    it->fd = !side; /* to the other side */
    moved = 1;
  }
  return moved;
}

static int relay_flush(struct native_peer *p, int side) {
  int fd = side ? p->fd2 : p->fd, moved = 0;
  struct mbuf *out = side ? &p->out : &p->out2;
  while (fd >= 0 && out->len > 0) {
    ssize_t n = send(fd, out->buf, out->len, MSG_NOSIGNAL);
    if (n <= 0) break;
    mbuf_remove(out, (size_t) n);
    moved = 1;
  }
  if (fd >= 0 && out->len == 0 && p->relay_fin[side] == 1) {
    (void) shutdown(fd, SHUT_WR);
    p->relay_fin[side] = 2;
    moved = 1;
  }
  return moved;
}

static void relay_arrive(struct native_peer *p, const struct wire_item *it) {
  int side = it->fd;
  int *fd = side ? &p->fd2 : &p->fd;
  struct linger lg = {1, 0};
  if (it->kind == W_RELAY) {
    if (mbuf_append(side ? &p->out : &p->out2, it->data, it->len) != it->len) abort();
  } else if (it->kind == W_RELAY_FIN) {
    if (p->relay_fin[side] == 0) p->relay_fin[side] = 1;
  } else if (*fd >= 0) { /* the reset passes on */
    (void) setsockopt(*fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(*fd);
    *fd = -1;
    return;
  }
  relay_flush(p, side);
}

/* ---- serving the peers --------------------------------------------------- */

static void keep(struct native *w, size_t len) {
  w->peer_kept += len;
  if (w->trace_limit > 0 && w->peer_kept > w->trace_limit && w->limit_hit == SIM_LIMIT_NONE) {
    native_stop(w, "peers received over %zu MiB by t=%lld us", w->trace_limit >> 20,
                (long long) w->now);
  }
}

static int accept_children(struct native_peer *srv) {
  int moved = 0;
  for (;;) {
    struct wire_item *it;
    int fd = accept4(srv->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return moved;
    srv->w->net_activity++;
    /* The engine's SYN was held for the path's delay already. */
    it = wire_put(srv->w, srv, W_ACCEPTED, srv->w->now, NULL, 0);
    it->fd = fd;
    moved = 1;
  }
}

static void adopt_child(struct native_peer *srv, int fd) {
  struct native_peer *c;
  char name[64];
  snprintf(name, sizeof(name), "%s.%d", srv->name, ++srv->children);
  if ((c = native_peer_new(srv->w, name)) == NULL) {
    close(fd);
    native_stop(srv->w, "%s", srv->w->error);
    return;
  }
  c->k = srv->k;
  c->addr = srv->addr;
  c->kind = NP_TCP;
  c->fd = fd;
  c->connected = 1;
  native_trace(srv->w, c->name, "accepted a connection");
}

static int finish_connect(struct native_peer *p) {
  struct pollfd pfd = {p->fd, POLLOUT, 0};
  int err = 0;
  socklen_t len = sizeof(err);
  if (poll(&pfd, 1, 0) <= 0) return 0;
  p->connecting = 0;
  if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
    p->connected = 1;
    native_trace(p->w, p->name, "connected");
  } else {
    native_trace(p->w, p->name, "refused: nobody listens there");
    close(p->fd);
    p->fd = -1;
    p->got_rst = 1;
  }
  return 1;
}

/* Takes what the kernel has for p, to reach it delay later. */
static int read_stream(struct native_peer *p, char *buf) {
  int moved = 0;
  while (p->fd >= 0 && p->reading && !p->eof_seen) {
    ssize_t n = recv(p->fd, buf, READ_CHUNK, 0);
    if (n > 0) {
      wire_put(p->w, p, W_DATA_IN, later(p), buf, (size_t) n);
      moved = 1;
    } else if (n == 0) {
      p->eof_seen = 1;
      wire_put(p->w, p, W_FIN_IN, later(p), NULL, 0);
      return 1;
    } else {
      if (errno == ECONNRESET || errno == EPIPE) {
        p->eof_seen = 1;
        wire_put(p->w, p, W_RST_IN, later(p), NULL, 0);
        return 1;
      }
      return moved;
    }
  }
  /* Not reading: a reset is still news (the kernel drops what was unread). */
  if (p->fd >= 0 && !p->reading && !p->eof_seen) {
    int err = 0;
    socklen_t len = sizeof(err);
    struct pollfd pfd = {p->fd, 0, 0};
    if (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLERR) &&
        getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == ECONNRESET) {
      p->eof_seen = 1;
      wire_put(p->w, p, W_RST_IN, later(p), NULL, 0);
      return 1;
    }
  }
  return moved;
}

static int read_dgrams(struct native_peer *p, char *buf) {
  int moved = 0;
  for (;;) {
    union socket_address from;
    socklen_t len = sizeof(from);
    char who[16];
    int64_t jitter = 0;
    ssize_t n = recvfrom(p->fd, buf, READ_CHUNK, 0, &from.sa, &len);
    if (n < 0) return moved;
    moved = 1;
    native_engine_who(p->w, &from, who, sizeof(who));
    if (who[0] != '#') { /* not the engine's: the path is the peer's to make */
      path(p, W_DGRAM_IN, NULL, buf, (size_t) n, who);
      continue;
    }
    /* The engine's: the jitter drawn when it left (lost ones never did). */
    if (p->jitter_cursor + sizeof(jitter) <= p->jitters.len) {
      memcpy(&jitter, p->jitters.buf + p->jitter_cursor, sizeof(jitter));
      p->jitter_cursor += sizeof(jitter);
    }
    wire_put(p->w, p, W_DGRAM_IN, later(p) + jitter, buf, (size_t) n);
  }
}

static void arrive(struct native *w, struct wire_item *it) {
  struct native_peer *p = it->p;
  char text[120];
  w->net_activity++;
  switch (it->kind) {
    case W_CONNECT:
      do_connect(p, &it->addr);
      break;
    case W_SEND:
      if (it->len > 0 && mbuf_append(&p->out, it->data, it->len) != it->len) abort();
      flush(p);
      break;
    case W_FIN:
      p->fin_due = 1;
      flush(p);
      break;
    case W_RST:
      do_reset(p);
      break;
    case W_DGRAM_OUT:
      if (p->fd >= 0 && sendto(p->fd, it->data != NULL ? it->data : "", it->len, 0,
                               &it->addr.sa, sa_len(&it->addr)) < 0) {
        native_trace(w, p->name, "datagram %zu: %s", it->len, strerror(errno));
      }
      break;
    case W_DATA_IN:
      sim_preview(it->data, it->len, text, sizeof(text));
      native_trace(w, p->name, "got %zu \"%s\"", it->len, text);
      mbuf_append(&p->rx, it->data, it->len);
      keep(w, it->len);
      break;
    case W_FIN_IN:
      p->got_fin = 1;
      native_trace(w, p->name, "got FIN");
      break;
    case W_RST_IN:
      p->got_rst = 1;
      native_trace(w, p->name, "got RST");
      break;
    case W_DGRAM_IN:
      sim_preview(it->data != NULL ? it->data : "", it->len, text, sizeof(text));
      native_trace(w, p->name, "got datagram %zu \"%s\"", it->len, text);
      mbuf_append(&p->dgrams, &it->len, sizeof(it->len));
      if (it->len > 0) mbuf_append(&p->dgrams, it->data, it->len);
      keep(w, it->len);
      break;
    case W_ACCEPTED:
      adopt_child(p, it->fd);
      it->fd = -1;
      break;
    case W_RELAY:
    case W_RELAY_FIN:
    case W_RELAY_RST:
      relay_arrive(p, it);
      break;
  }
}

static int deliver_due(struct native *w) {
  int moved = 0;
  while (w->wire != NULL && w->wire->at <= w->now) {
    struct wire_item *it = w->wire;
    w->wire = it->next;
    if (w->wire == NULL) w->wire_tail = NULL;
    arrive(w, it);
    if (it->kind == W_ACCEPTED && it->fd >= 0) close(it->fd);
    free(it->data);
    free(it);
    moved = 1;
  }
  return moved;
}

int native_peers_service(struct native *w) {
  static char buf[READ_CHUNK];
  struct native_peer *p;
  int moved = deliver_due(w);
  for (p = w->peers; p != NULL; p = p->next) {
    if (p->fd < 0 && p->fd2 < 0) continue;
    switch (p->kind) {
      case NP_TCP_SERVER:
        if (p->mode == SIM_ACCEPT) moved |= accept_children(p);
        break;
      case NP_TCP:
        if (p->connecting) moved |= finish_connect(p);
        if (p->connected) {
          moved |= flush(p);
          moved |= read_stream(p, buf);
        }
        break;
      case NP_UDP:
        moved |= read_dgrams(p, buf);
        break;
      case NP_RELAY:
        moved |= relay_flush(p, 0) | relay_flush(p, 1);
        moved |= relay_read(p, 0, buf) | relay_read(p, 1, buf);
        break;
      default:
        break;
    }
  }
  moved |= deliver_due(w);
  if (moved) native_touch(w);
  return moved;
}

void native_peer_expect_dgram(struct native_peer *p, int64_t jitter_us) {
  mbuf_append(&p->jitters, &jitter_us, sizeof(jitter_us));
}

struct native_peer *native_udp_peer_at(const struct native *w,
                                       const union socket_address *addr) {
  struct native_peer *p;
  for (p = w->peers; p != NULL; p = p->next) {
    if (p->kind == NP_UDP && native_addr_eq(&p->addr, addr)) return p;
  }
  return NULL;
}

int64_t native_peers_next_due(const struct native *w) {
  return w->wire != NULL ? w->wire->at : INT64_MAX;
}

void native_peers_free(struct native *w) {
  w->wire_tail = NULL;
  while (w->wire != NULL) {
    struct wire_item *it = w->wire;
    w->wire = it->next;
    if (it->kind == W_ACCEPTED && it->fd >= 0) close(it->fd);
    free(it->data);
    free(it);
  }
  if (w->relay_listener >= 0) close(w->relay_listener);
  w->relay_listener = -1;
  while (w->peers != NULL) {
    struct native_peer *p = w->peers;
    w->peers = p->next;
    if (p->fd >= 0) close(p->fd);
    if (p->fd2 >= 0) close(p->fd2);
    if (p->filler >= 0) close(p->filler);
    mbuf_free(&p->out);
    mbuf_free(&p->out2);
    mbuf_free(&p->rx);
    mbuf_free(&p->dgrams);
    mbuf_free(&p->jitters);
    free(p);
  }
  w->last_peer = NULL;
}
