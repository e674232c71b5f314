/*
 * record_proxy.c - the proxy of `mgsim record`: bytes between a real
 * client and a real server, and, as they pass, the events the scenario is
 * written from (record_render.c).
 *
 * Bytes are forwarded as they come, with FIN forwarded as a half-close
 * (the iface's shutdown_write) once what came before it has gone out, and
 * RST as RST (SO_LINGER 0), so that neither side sees a different session
 * than it would without the proxy. Events are stamped with mg_time() as
 * the engine reports them, which reads the iface's monotonic clock (set in
 * record.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "record_internal.h"

/* Forwarding stops while the other side has this much queued; the engine
 * then stops reading once recv_mbuf is full, and the sender is held back. */
#define PUMP_HIGH (1024 * 1024)

static void record(struct rec_peer *p, enum rec_kind kind, size_t off, size_t len) {
  struct recorder *r = p->r;
  struct rec_event *e;
  if (r->stopped) return;
  if (r->nevs == r->cap_evs) {
    size_t cap = r->cap_evs ? r->cap_evs * 2 : 256;
    struct rec_event *m = (struct rec_event *) realloc(r->evs, cap * sizeof(*m));
    if (m == NULL) {
      r->oom = r->stop = 1;
      return;
    }
    r->evs = m;
    r->cap_evs = cap;
  }
  e = &r->evs[r->nevs++];
  e->t = mg_time();
  e->peer = p->index;
  e->kind = kind;
  e->off = off;
  e->len = len;
}

static int gone(const struct mg_connection *nc) {
  return nc == NULL || (nc->flags & MG_F_CLOSE_IMMEDIATELY);
}

/* A RST rather than a FIN: the other side of a reset connection must see
 * what the client or server saw. */
static void reset_conn(struct mg_connection *nc) {
  struct linger lg;
  if (nc->sock != INVALID_SOCKET) {
    lg.l_onoff = 1;
    lg.l_linger = 0;
    (void) setsockopt(nc->sock, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  }
  nc->flags |= MG_F_CLOSE_IMMEDIATELY;
}

static void peer_name(const struct rec_peer *p, char *buf, size_t len) {
  snprintf(buf, len, "c%d", p->index + 1);
}

static void pump(struct mg_connection *from, struct mg_connection *to) {
  size_t n;
  if (from == NULL || from->recv_mbuf.len == 0) return;
  if (gone(to)) { /* nobody to take them: the end is recorded elsewhere */
    mbuf_remove(&from->recv_mbuf, from->recv_mbuf.len);
    return;
  }
  if (to->send_mbuf.len >= PUMP_HIGH) return;
  n = from->recv_mbuf.len;
  mg_send(to, from->recv_mbuf.buf, (int) n);
  mbuf_remove(&from->recv_mbuf, n);
}

/* The engine closes a connection once the peer's FIN came and its
 * send_mbuf is empty; the proxy keeps it, half-closed, while the other
 * side may still answer, and records the FIN. No event reports a FIN:
 * peer_fin, which the engine sets with MG_F_SEND_AND_CLOSE, tells it from
 * a close asked for, and the POLL that follows comes before that close. */
static void notice_fin(struct rec_peer *p, struct mg_connection *nc, int *seen,
                       enum rec_kind kind) {
  if (nc == NULL || !nc->peer_fin || *seen) return;
  *seen = 1;
  nc->flags &= ~(unsigned long) MG_F_SEND_AND_CLOSE;
  record(p, kind, 0, 0);
}

/* The FIN goes on once everything sent before it has. */
static void forward_fin(struct mg_connection *from, struct mg_connection *to, int from_fin,
                        int *shut, int *ours) {
  if (!from_fin || *shut || gone(to)) return;
  if (from != NULL && from->recv_mbuf.len > 0) return;
  if (to->send_mbuf.len > 0 || (to->flags & MG_F_CONNECTING)) return;
  if (to->iface->vtable->shutdown_write != NULL) {
    to->iface->vtable->shutdown_write(to);
  } else { /* no half-close: the FIN comes with the close */
    to->flags |= MG_F_SEND_AND_CLOSE;
    *ours = 1;
  }
  *shut = 1;
}

static void step(struct rec_peer *p) {
  if (p->r->stopped) return;
  notice_fin(p, p->client, &p->client_fin, R_FIN);
  notice_fin(p, p->server, &p->server_fin, R_SFIN);
  pump(p->client, p->server);
  pump(p->server, p->client);
  forward_fin(p->client, p->server, p->client_fin, &p->shut_server, &p->server_ours);
  forward_fin(p->server, p->client, p->server_fin, &p->shut_client, &p->client_ours);
  if (p->shut_server && p->shut_client) { /* nothing more can pass */
    if (p->client != NULL) p->client->flags |= MG_F_SEND_AND_CLOSE;
    if (p->server != NULL) p->server->flags |= MG_F_SEND_AND_CLOSE;
    p->client_ours = p->server_ours = 1;
  } else if (p->client != NULL && p->server == NULL && !gone(p->client)) {
    /* the server closed in order, after its FIN: so does the client */
    p->client->flags |= MG_F_SEND_AND_CLOSE;
    p->client_ours = 1;
  } else if (p->server != NULL && p->client == NULL && !gone(p->server)) {
    p->server->flags |= MG_F_SEND_AND_CLOSE;
    p->server_ours = 1;
  }
}

static void on_accept(struct recorder *r, struct mg_connection *nc) {
  struct rec_peer *p = NULL;
  struct mg_connect_opts opts;
  const char *e = NULL;
  char name[16];
  nc->user_data = NULL;
  if (r->stopped) {
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    return;
  }
  if (r->npeers == r->cap_peers) {
    int cap = r->cap_peers ? r->cap_peers * 2 : 16;
    struct rec_peer **m = (struct rec_peer **) realloc(r->peers, (size_t) cap * sizeof(*m));
    if (m == NULL) {
      r->oom = r->stop = 1;
      reset_conn(nc);
      return;
    }
    r->peers = m;
    r->cap_peers = cap;
  }
  if ((p = (struct rec_peer *) calloc(1, sizeof(*p))) == NULL) {
    r->oom = r->stop = 1;
    reset_conn(nc);
    return;
  }
  p->r = r;
  p->index = r->npeers;
  mbuf_init(&p->sent, 0);
  mbuf_init(&p->got, 0);
  r->peers[r->npeers++] = p;
  p->client = nc;
  nc->user_data = p;
  record(p, R_CONNECT, 0, 0);
  peer_name(p, name, sizeof(name));
  memset(&opts, 0, sizeof(opts));
  opts.user_data = p;
  opts.error_string = &e;
  p->server = mg_connect_opt(nc->mgr, r->target, rec_proxy_handler, opts);
  if (p->server == NULL) {
    fprintf(stderr, "mgsim record: %s: cannot connect to %s: %s\n", name, r->target_arg,
            e != NULL ? e : "failed");
    record(p, R_SRST, 0, 0);
    p->server_rst = 1;
    reset_conn(nc);
    p->client_ours = 1;
    return;
  }
  fprintf(stderr, "mgsim record: %s connected\n", name);
}

static void on_recv(struct rec_peer *p, struct mg_connection *nc, int n) {
  struct mbuf *log = nc == p->client ? &p->sent : &p->got;
  size_t off = log->len, len = n > 0 ? (size_t) n : 0;
  if (p->r->stopped || len == 0 || len > nc->recv_mbuf.len) return;
  if (mbuf_append(log, nc->recv_mbuf.buf + nc->recv_mbuf.len - len, len) != len) {
    p->r->oom = p->r->stop = 1;
    return;
  }
  record(p, nc == p->client ? R_SEND : R_GOT, off, len);
}

static void on_close(struct rec_peer *p, struct mg_connection *nc) {
  struct recorder *r = p->r;
  int client = nc == p->client, err = nc->err;
  int ours = client ? p->client_ours : p->server_ours;
  int fin = client ? p->client_fin : p->server_fin;
  int *rst = client ? &p->client_rst : &p->server_rst;
  struct mg_connection *other = client ? p->server : p->client;
  char name[16];
  peer_name(p, name, sizeof(name));
  if (client) {
    p->client = NULL;
  } else {
    p->server = NULL;
  }
  /* An error (a reset, a send the peer refused, a failed connect) or a
   * close we did not ask for: the other side gets a RST. */
  if (!r->stopped && !ours && (err != 0 || !fin)) {
    if (!*rst) record(p, client ? R_RST : R_SRST, 0, 0);
    *rst = 1;
    if (other != NULL && !gone(other)) {
      reset_conn(other);
      if (client) {
        p->server_ours = 1;
      } else {
        p->client_ours = 1;
      }
    }
    if (!client && p->connected) {
      fprintf(stderr, "mgsim record: %s: the server connection ended: %s\n", name,
              err != 0 ? strerror(err) : "closed");
    }
  }
  if (p->client == NULL && p->server == NULL && !p->done) {
    p->done = 1;
    if (!r->stopped) {
      r->finished++;
      fprintf(stderr, "mgsim record: %s done (%zu bytes sent, %zu answered)\n", name,
              p->sent.len, p->got.len);
      if (r->count > 0 && r->finished >= r->count) r->stop = 1;
    }
  }
}

void rec_proxy_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct rec_peer *p;
  if (nc->flags & MG_F_LISTENING) return;
  if (ev == MG_EV_ACCEPT) {
    on_accept((struct recorder *) nc->user_data, nc);
    return;
  }
  if ((p = (struct rec_peer *) nc->user_data) == NULL) return;
  if (ev == MG_EV_CONNECT && *(int *) ev_data != 0 && !p->r->stopped) { /* CLOSE follows */
    char name[16];
    peer_name(p, name, sizeof(name));
    fprintf(stderr, "mgsim record: %s: cannot connect to %s: %s\n", name, p->r->target_arg,
            strerror(*(int *) ev_data));
  }
  if (ev == MG_EV_CONNECT && *(int *) ev_data == 0) p->connected = 1;
  if (ev == MG_EV_RECV) on_recv(p, nc, *(int *) ev_data);
  if (ev == MG_EV_CLOSE) {
    on_close(p, nc);
    nc->user_data = NULL;
    return;
  }
  step(p);
}
