/*
 * native_peer.c - the scenario's peers on real non-blocking sockets.
 *
 * A FIN is shutdown(SHUT_WR) once what was sent has left; a RST is
 * SO_LINGER {1, 0} and close. A peer that stops reading leaves the bytes
 * to the kernel (its receive buffer is the peer-window knob, when set), so
 * that TCP's own window pushes back on the engine. A listening peer accepts
 * children named NAME.1, NAME.2... as the simulation names them. UDP loss,
 * duplication and jitter are made on the peer's side, with the scenario's
 * seed: what it sends, and what it receives.
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
  union socket_address to;
  char shown[64];
  int fd;
  if (p->kind != NP_NEW) return native_set_error(p->w, "peer %s is in use", p->name);
  if (native_parse_addr(addr, &to) != 0) return native_set_error(p->w, "bad address '%s'", addr);
  if ((fd = new_socket(p, SOCK_STREAM, 1)) < 0) return -1;
  p->kind = NP_TCP;
  p->fd = fd;
  native_addr_str(&to, shown, sizeof(shown));
  native_trace(p->w, p->name, "connect -> %s", shown);
  if (connect(fd, &to.sa, sa_len(&to)) == 0) {
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
  return 0;
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
  if (p->fd >= 0 && p->connected && p->out.len == 0 && p->fin_wanted && !p->fin_sent) {
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
  if (mbuf_append(&p->out, data, len) != len && len > 0) abort();
  native_trace(p->w, p->name, "send %zu", len);
  flush(p);
  return 0;
}

int native_peer_close(struct native_peer *p) {
  if (need_stream(p) != 0) return -1;
  if (p->fin_wanted || p->reset) return 0;
  p->fin_wanted = 1;
  native_trace(p->w, p->name, "FIN");
  flush(p);
  return 0;
}

int native_peer_reset(struct native_peer *p) {
  struct linger lg = {1, 0};
  if (need_stream(p) != 0) return -1;
  if (p->reset) return 0;
  p->reset = 1;
  mbuf_free(&p->out);
  native_trace(p->w, p->name, "RST");
  if (p->fd >= 0) {
    (void) setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(p->fd);
    p->fd = -1;
  }
  return 0;
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

static void hold(struct native *w, struct native_peer *p, int to_engine,
                 const union socket_address *dest, const void *data, size_t len,
                 int64_t at) {
  struct held_dgram *h = (struct held_dgram *) calloc(1, sizeof(*h)), **pp;
  if (h == NULL) abort();
  h->at = at;
  h->p = p;
  h->to_engine = to_engine;
  if (dest != NULL) h->dest = *dest;
  if (len > 0) {
    if ((h->data = (char *) malloc(len)) == NULL) abort();
    memcpy(h->data, data, len);
  }
  h->len = len;
  /* in time order; equal times keep their order */
  for (pp = &w->held; *pp != NULL && (*pp)->at <= at; pp = &(*pp)->next) {
  }
  h->next = *pp;
  *pp = h;
}

/* Loss, duplication and jitter of a datagram p sends or receives. */
static void path(struct native_peer *p, int to_engine, const union socket_address *dest,
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
    hold(w, p, to_engine, dest, data, len, w->now + jitter);
  }
  if (copies == 2) native_trace(w, who, "datagram %zu duplicated", len);
}

int native_peer_sendto(struct native_peer *p, const char *addr, const void *data,
                       size_t len) {
  union socket_address dest;
  char to[64];
  if (p->kind != NP_UDP) return native_set_error(p->w, "peer %s is not a UDP peer", p->name);
  if (native_parse_addr(addr, &dest) != 0) return native_set_error(p->w, "bad address '%s'", addr);
  native_addr_str(&dest, to, sizeof(to));
  native_trace(p->w, p->name, "sendto %s %zu", to, len);
  path(p, 1, &dest, data, len, p->name);
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
    struct native_peer *c;
    char name[64];
    int fd = accept4(srv->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return moved;
    snprintf(name, sizeof(name), "%s.%d", srv->name, ++srv->children);
    if ((c = native_peer_new(srv->w, name)) == NULL) {
      close(fd);
      return moved;
    }
    c->k = srv->k;
    c->addr = srv->addr;
    c->kind = NP_TCP;
    c->fd = fd;
    c->connected = 1;
    native_trace(srv->w, c->name, "accepted a connection");
    moved = 1;
  }
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

static int read_stream(struct native_peer *p, char *buf) {
  int moved = 0;
  while (p->fd >= 0 && p->reading && !p->got_fin && !p->got_rst) {
    ssize_t n = recv(p->fd, buf, READ_CHUNK, 0);
    if (n > 0) {
      char text[80];
      native_preview(buf, (size_t) n, text, sizeof(text));
      native_trace(p->w, p->name, "got %zd \"%s\"", n, text);
      mbuf_append(&p->rx, buf, (size_t) n);
      keep(p->w, (size_t) n);
      moved = 1;
    } else if (n == 0) {
      p->got_fin = 1;
      native_trace(p->w, p->name, "got FIN");
      return 1;
    } else {
      if (errno == ECONNRESET || errno == EPIPE) {
        p->got_rst = 1;
        native_trace(p->w, p->name, "got RST");
        return 1;
      }
      return moved;
    }
  }
  /* Not reading: a reset is still news (the kernel drops what was unread). */
  if (p->fd >= 0 && !p->reading && !p->got_rst) {
    int err = 0;
    socklen_t len = sizeof(err);
    struct pollfd pfd = {p->fd, 0, 0};
    if (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLERR) &&
        getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == ECONNRESET) {
      p->got_rst = 1;
      native_trace(p->w, p->name, "got RST");
      return 1;
    }
  }
  return moved;
}

static int read_dgrams(struct native_peer *p, char *buf) {
  int moved = 0;
  for (;;) {
    ssize_t n = recv(p->fd, buf, READ_CHUNK, 0);
    if (n < 0) return moved;
    path(p, 0, NULL, buf, (size_t) n, p->name);
    moved = 1;
  }
}

/* Datagrams whose time has come: sent to the engine, or received. */
static int deliver_held(struct native *w) {
  int moved = 0;
  while (w->held != NULL && w->held->at <= w->now) {
    struct held_dgram *h = w->held;
    struct native_peer *p = h->p;
    w->held = h->next;
    if (h->to_engine) {
      if (sendto(p->fd, h->data != NULL ? h->data : "", h->len, 0, &h->dest.sa,
                 sa_len(&h->dest)) < 0) {
        native_trace(w, p->name, "datagram %zu: %s", h->len, strerror(errno));
      }
    } else {
      char text[80];
      native_preview(h->data != NULL ? h->data : "", h->len, text, sizeof(text));
      native_trace(w, p->name, "got datagram %zu \"%s\"", h->len, text);
      mbuf_append(&p->dgrams, &h->len, sizeof(h->len));
      if (h->len > 0) mbuf_append(&p->dgrams, h->data, h->len);
      keep(w, h->len);
    }
    free(h->data);
    free(h);
    moved = 1;
  }
  return moved;
}

int native_peers_service(struct native *w) {
  static char buf[READ_CHUNK];
  struct native_peer *p;
  int moved = deliver_held(w);
  for (p = w->peers; p != NULL; p = p->next) {
    if (p->fd < 0) continue;
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
      default:
        break;
    }
  }
  moved |= deliver_held(w);
  if (moved) native_touch(w);
  return moved;
}

int64_t native_peers_next_due(const struct native *w) {
  return w->held != NULL ? w->held->at : INT64_MAX;
}

void native_peers_free(struct native *w) {
  while (w->held != NULL) {
    struct held_dgram *h = w->held;
    w->held = h->next;
    free(h->data);
    free(h);
  }
  while (w->peers != NULL) {
    struct native_peer *p = w->peers;
    w->peers = p->next;
    if (p->fd >= 0) close(p->fd);
    mbuf_free(&p->out);
    mbuf_free(&p->rx);
    mbuf_free(&p->dgrams);
    free(p);
  }
  w->last_peer = NULL;
}
