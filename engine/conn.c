/*
 * conn.c - a connection's life: creation, the send queue, and the close.
 *
 * A connection is created unlinked (so a failed bind or connect can be
 * discarded without any event), linked into the manager once its socket
 * exists, and closed exactly once: CLOSE is the last event it sees.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct mg_connection *mg_conn_new(struct mg_mgr *mgr, struct mg_iface *iface,
                                  mg_event_handler_t handler) {
  struct mg_connection *nc = (struct mg_connection *) calloc(1, sizeof(*nc));
  if (nc == NULL) return NULL;
  nc->mgr = mgr;
  nc->iface = iface;
  nc->handler = handler;
  nc->sock = INVALID_SOCKET;
  nc->recv_mbuf_limit = MG_DEFAULT_RECV_MBUF_LIMIT;
  nc->send_mbuf_limit = MG_DEFAULT_SEND_MBUF_LIMIT;
  if (iface->vtable->create_conn != NULL && iface->vtable->create_conn(nc) != 0) {
    free(nc);
    return NULL;
  }
  return nc;
}

/* New connections go to the tail so that iteration order is creation order,
 * which keeps the order of same-poll events easy to predict. */
void mg_conn_link(struct mg_connection *nc) {
  struct mg_mgr *mgr = nc->mgr;
  nc->next = NULL;
  nc->prev = mgr->tail;
  if (mgr->tail != NULL) {
    mgr->tail->next = nc;
  } else {
    mgr->active_connections = nc;
  }
  mgr->tail = nc;
  if (nc->iface->vtable->add_conn != NULL) nc->iface->vtable->add_conn(nc);
}

static void conn_unlink(struct mg_connection *nc) {
  struct mg_mgr *mgr = nc->mgr;
  if (nc->prev != NULL) {
    nc->prev->next = nc->next;
  } else {
    mgr->active_connections = nc->next;
  }
  if (nc->next != NULL) {
    nc->next->prev = nc->prev;
  } else {
    mgr->tail = nc->prev;
  }
  nc->next = nc->prev = NULL;
}

static void conn_free(struct mg_connection *nc) {
  if (nc->proto_data != NULL && nc->proto_data_destructor != NULL) {
    nc->proto_data_destructor(nc->proto_data);
  }
  mbuf_free(&nc->recv_mbuf);
  mbuf_free(&nc->send_mbuf);
  mbuf_free(&nc->dgram_sizes);
  free(nc);
}

void mg_conn_discard(struct mg_connection *nc) {
  if (nc->iface->vtable->destroy_conn != NULL) nc->iface->vtable->destroy_conn(nc);
  conn_free(nc);
}

/* Children of a closing listener must not keep a dangling pointer to it; UDP
 * children also lose the socket they send through, so they close too. */
static void detach_children(struct mg_connection *lc) {
  struct mg_connection *c;
  for (c = lc->mgr->active_connections; c != NULL; c = c->next) {
    if (c->listener != lc) continue;
    c->listener = NULL;
    if (c->engine_flags & MG_F_UDP) c->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
}

void mg_conn_close(struct mg_connection *nc) {
  if (nc->closing) return;
  nc->closing = 1;
  if (nc->iface->vtable->remove_conn != NULL) nc->iface->vtable->remove_conn(nc);
  mg_call(nc, NULL, MG_EV_CLOSE, NULL);
  if (nc->engine_flags & MG_F_LISTENING) detach_children(nc);
  if (nc->iface->vtable->destroy_conn != NULL) nc->iface->vtable->destroy_conn(nc);
  conn_unlink(nc);
  conn_free(nc);
}

void mg_conn_set_eflags(struct mg_connection *nc, unsigned long set,
                        unsigned long clear) {
  assert(((set | clear) & ~MG_F_ENGINE_MASK) == 0);
  nc->engine_flags = (nc->engine_flags | set) & ~clear;
  nc->flags = (nc->flags & ~MG_F_ENGINE_MASK) | nc->engine_flags;
}

int mg_conn_wants_close(const struct mg_connection *nc) {
  if (nc->flags & MG_F_CLOSE_IMMEDIATELY) return 1;
  /* Also while connecting: queued data waits for the connection. */
  /* A queued empty datagram is still something to send. */
  return (nc->flags & MG_F_SEND_AND_CLOSE) && nc->send_mbuf.len == 0 &&
         nc->dgram_sizes.len == 0;
}

void mg_conn_report_consumed(struct mg_connection *nc) {
  size_t len = nc->recv_mbuf.len;
  if (len < nc->recv_reported && nc->iface->vtable->recved != NULL) {
    nc->iface->vtable->recved(nc, nc->recv_reported - len);
  }
  nc->recv_reported = len;
}

static void conn_fail(struct mg_connection *nc, int err) {
  nc->err = err;
  nc->flags |= MG_F_CLOSE_IMMEDIATELY;
}

static void sent(struct mg_connection *nc, size_t n) {
  int num = (int) n;
  if (nc->mgr->hexdump_file != NULL) {
    mg_hexdump_connection(nc, nc->mgr->hexdump_file, nc->send_mbuf.buf, num,
                          MG_EV_SEND);
  }
  mbuf_remove(&nc->send_mbuf, n);
  nc->last_io_time = (time_t) mg_mgr_now(nc->mgr);
  mg_call(nc, NULL, MG_EV_SEND, &num);
}

/* Datagram boundaries are kept beside send_mbuf, so several mg_send() calls
 * in one poll stay several datagrams. Bytes a program appended to send_mbuf
 * directly form one more datagram. */
static size_t next_dgram_size(const struct mg_connection *nc) {
  size_t size;
  if (nc->dgram_sizes.len < sizeof(size)) return nc->send_mbuf.len;
  memcpy(&size, nc->dgram_sizes.buf, sizeof(size));
  return size <= nc->send_mbuf.len ? size : nc->send_mbuf.len;
}

static void flush_udp(struct mg_connection *nc) {
  while (nc->send_mbuf.len > 0 || nc->dgram_sizes.len > 0) {
    size_t size = next_dgram_size(nc);
    int n = nc->iface->vtable->udp_send(nc, nc->send_mbuf.buf, size);
    if (n < 0) {
      conn_fail(nc, nc->err != 0 ? nc->err : EIO);
      return;
    }
    if (n == 0 && size > 0) return; /* would block: try again next poll */
    mbuf_remove(&nc->dgram_sizes, sizeof(size_t));
    sent(nc, size);
    if (nc->flags & MG_F_CLOSE_IMMEDIATELY) return;
  }
}

void mg_conn_flush(struct mg_connection *nc) {
  const unsigned long busy = MG_F_LISTENING | MG_F_CONNECTING | MG_F_RESOLVING;
  int n;
  if ((nc->engine_flags & busy) || (nc->flags & MG_F_CLOSE_IMMEDIATELY)) return;
  if (nc->engine_flags & MG_F_UDP) {
    flush_udp(nc);
    return;
  }
  if (nc->send_mbuf.len == 0 || nc->sock == INVALID_SOCKET) return;
  n = nc->iface->vtable->tcp_send(nc, nc->send_mbuf.buf, nc->send_mbuf.len);
  if (n < 0) {
    conn_fail(nc, nc->err != 0 ? nc->err : EIO);
  } else if (n > 0) {
    assert((size_t) n <= nc->send_mbuf.len);
    sent(nc, (size_t) n);
  }
}

void mg_send(struct mg_connection *nc, const void *buf, int len) {
  size_t n = len > 0 ? (size_t) len : 0;
  int udp = (nc->engine_flags & MG_F_UDP) != 0;
  if (nc->closing || (nc->flags & MG_F_CLOSE_IMMEDIATELY)) return;
  if (n == 0 && !udp) return;
  /* A limit of 0 is what a zeroed connection struct holds: Mongoose 6 reads
   * it as no limit at all, and so do we. */
  if (nc->send_mbuf_limit != 0 &&
      (n > nc->send_mbuf_limit || nc->send_mbuf.len > nc->send_mbuf_limit - n)) {
    conn_fail(nc, ENOBUFS);
    return;
  }
  if (n > 0 && mbuf_append(&nc->send_mbuf, buf, n) != n) {
    conn_fail(nc, ENOMEM);
    return;
  }
  if (udp && mbuf_append(&nc->dgram_sizes, &n, sizeof(n)) != sizeof(n)) {
    nc->send_mbuf.len -= n;
    conn_fail(nc, ENOMEM);
  }
}

int mg_vprintf(struct mg_connection *nc, const char *fmt, va_list ap) {
  char small[256], *buf = small;
  int len = mg_avprintf(&buf, sizeof(small), fmt, ap);
  if (len < 0) {
    conn_fail(nc, ENOMEM);
    return -1;
  }
  mg_send(nc, buf, len);
  if (buf != small) free(buf);
  return len;
}

int mg_printf(struct mg_connection *nc, const char *fmt, ...) {
  int len;
  va_list ap;
  va_start(ap, fmt);
  len = mg_vprintf(nc, fmt, ap);
  va_end(ap);
  return len;
}
