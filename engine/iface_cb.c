/*
 * iface_cb.c - how an iface reports what happened on the network. Each
 * callback turns one network happening into the events the API promises.
 * They are called from the iface's poll only, never from inside another
 * vtable method, so handlers never run in the middle of an iface operation.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "internal.h"

struct mg_connection *mg_if_accept_tcp(struct mg_connection *lc, sock_t sock,
                                       const union socket_address *peer) {
  struct mg_connection *nc = mg_conn_new(lc->mgr, lc->iface, lc->handler);
  if (nc == NULL) return NULL;
  nc->listener = lc;
  nc->sock = sock;
  nc->sa = *peer;
  nc->proto_handler = lc->proto_handler;
  nc->user_data = lc->user_data;
  nc->recv_mbuf_limit = lc->recv_mbuf_limit;
  nc->send_mbuf_limit = lc->send_mbuf_limit;
  nc->priv_1 = lc->priv_1;
  nc->priv_2 = lc->priv_2;
  mg_conn_link(nc);
  mg_call(nc, NULL, MG_EV_ACCEPT, &nc->sa);
  return nc;
}

void mg_if_connect_cb(struct mg_connection *nc, int err) {
  if (!(nc->engine_flags & MG_F_CONNECTING)) return;
  mg_conn_set_eflags(nc, 0, MG_F_CONNECTING);
  nc->err = err;
  if (err == 0) nc->last_io_time = (time_t) mg_mgr_now(nc->mgr);
  mg_call(nc, NULL, MG_EV_CONNECT, &err);
  if (err != 0) nc->flags |= MG_F_CLOSE_IMMEDIATELY;
}

size_t mg_if_recv_room(const struct mg_connection *nc) {
  size_t cap = nc->recv_mbuf_limit > nc->recv_need ? nc->recv_mbuf_limit : nc->recv_need;
  if (nc->closing || (nc->flags & MG_F_CLOSE_IMMEDIATELY)) return 0;
  return nc->recv_mbuf.len < cap ? cap - nc->recv_mbuf.len : 0;
}

static void received(struct mg_connection *nc, const void *buf, size_t len) {
  int num = (int) len;
  if (mbuf_append(&nc->recv_mbuf, buf, len) != len && len > 0) {
    /* The bytes are gone from the network: failing loudly is all we can do. */
    nc->err = ENOMEM;
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    return;
  }
  nc->recv_reported = nc->recv_mbuf.len;
  nc->last_io_time = (time_t) mg_mgr_now(nc->mgr);
  if (nc->mgr->hexdump_file != NULL) {
    mg_hexdump_connection(nc, nc->mgr->hexdump_file,
                          nc->recv_mbuf.buf + nc->recv_mbuf.len - len, num,
                          MG_EV_RECV);
  }
  mg_call(nc, NULL, MG_EV_RECV, &num);
}

void mg_if_recv_tcp(struct mg_connection *nc, const void *buf, size_t len) {
  assert(len <= mg_if_recv_room(nc));
  if (len == 0) return;
  received(nc, buf, len);
}

static int same_addr(const union socket_address *a,
                     const union socket_address *b) {
  if (a->sa.sa_family != b->sa.sa_family) return 0;
  if (a->sa.sa_family == AF_INET) {
    return a->sin.sin_port == b->sin.sin_port &&
           a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
  }
  return a->sin6.sin6_port == b->sin6.sin6_port &&
         memcmp(&a->sin6.sin6_addr, &b->sin6.sin6_addr,
                sizeof(a->sin6.sin6_addr)) == 0;
}

/* A UDP listener gives each peer address a connection of its own, created on
 * the first datagram (ACCEPT), so handlers reply with a plain mg_send().
 * Like Mongoose 6, such a connection starts with MG_F_SEND_AND_CLOSE: most
 * UDP exchanges are one request and one reply, and a peer that never comes
 * back would otherwise hold its connection forever. A handler that wants a
 * longer conversation clears the flag. */
static struct mg_connection *udp_child(struct mg_connection *lc,
                                       const union socket_address *from) {
  struct mg_connection *c;
  for (c = lc->mgr->active_connections; c != NULL; c = c->next) {
    if (c->listener == lc && !c->closing && same_addr(&c->sa, from)) return c;
  }
  if ((c = mg_conn_new(lc->mgr, lc->iface, lc->handler)) == NULL) return NULL;
  c->listener = lc;
  c->sa = *from;
  c->proto_handler = lc->proto_handler;
  c->user_data = lc->user_data;
  c->recv_mbuf_limit = lc->recv_mbuf_limit;
  c->send_mbuf_limit = lc->send_mbuf_limit;
  c->flags = MG_F_SEND_AND_CLOSE;
  mg_conn_set_eflags(c, MG_F_UDP, 0);
  mg_conn_link(c);
  mg_call(c, NULL, MG_EV_ACCEPT, &c->sa);
  return c;
}

void mg_if_recv_udp(struct mg_connection *nc, const void *buf, size_t len,
                    const union socket_address *from) {
  if (nc->engine_flags & MG_F_LISTENING) {
    nc = udp_child(nc, from);
    if (nc == NULL) return; /* out of memory: a datagram may be lost */
  }
  /* A datagram is taken whole or not at all; like a full socket buffer, a
   * full recv_mbuf drops it. */
  if (len > mg_if_recv_room(nc)) return;
  received(nc, buf, len);
}

void mg_if_peer_closed(struct mg_connection *nc, int err) {
  if (err != 0) {
    nc->err = err;
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  } else {
    /* Orderly FIN: what is queued still goes out, then we close. A
     * protocol whose messages may end at the close (an HTTP reply without
     * a length) needs to know the end was the peer's and not an accident. */
    nc->peer_fin = 1;
    nc->flags |= MG_F_SEND_AND_CLOSE;
  }
}

void mg_if_resolved(struct mg_connection *nc, const union socket_address *addr,
                    int err) {
  in_port_t port = nc->sa.sin.sin_port; /* same offset in sin and sin6 */
  if (!(nc->engine_flags & MG_F_RESOLVING) || nc->pending_connect) return;
  if (err != 0 || addr == NULL) {
    mg_conn_set_eflags(nc, 0, MG_F_RESOLVING);
    err = err != 0 ? err : EHOSTUNREACH;
    nc->err = err;
    mg_call(nc, NULL, MG_EV_CONNECT, &err);
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    return;
  }
  nc->sa = *addr;
  if (nc->sa.sa.sa_family == AF_INET6) {
    nc->sa.sin6.sin6_port = port;
  } else {
    nc->sa.sin.sin_port = port;
  }
  mg_conn_start_connect(nc, (nc->engine_flags & MG_F_UDP) ? SOCK_DGRAM
                                                          : SOCK_STREAM);
}

void mg_if_broadcast(struct mg_mgr *mgr, mg_event_handler_t cb, void *data,
                     size_t len) {
  struct mg_connection *nc;
  (void) len;
  for (nc = mgr->active_connections; nc != NULL; nc = nc->next) {
    if (!nc->closing) mg_call(nc, cb, MG_EV_POLL, data);
  }
}
