/*
 * http.c - the HTTP/1.1 protocol handler, server and client side.
 *
 * It sits in nc->proto_handler, sees every event first and passes each one
 * on to the program's handler (RECV before parsing it). Messages are parsed
 * in place in recv_mbuf: a head, then its body (Content-Length, chunked or,
 * for replies, until the close). Chunked bodies are decoded in place: the
 * data of each chunk moves down to follow the head, so the body the handler
 * sees is contiguous and no chunk-size line ever shows in it.
 *
 * A malformed request is answered (400, 413, 414, 431, 501, 505), not just
 * dropped. However the server side ends a connection (an error, a request
 * that asked to close, the idle timeout, a handler's MG_F_SEND_AND_CLOSE),
 * the close lingers: see start_linger().
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"
#include "http_multipart.h"

static void http_handler(struct mg_connection *nc, int ev, void *ev_data);

static void pd_free(void *p) {
  struct http_pd *pd = (struct http_pd *) p;
  mg_http_free_endpoints(pd);
  if (pd->stream != NULL && pd->stream_free != NULL) pd->stream_free(pd->stream);
  free(pd->ws_key);
  mg_http_multipart_free(pd);
  free(pd);
}

static void apply_default_limits(struct mg_http_limits *l) {
  if (l->max_header_bytes == 0) l->max_header_bytes = MG_HTTP_DEFAULT_MAX_HEADER_BYTES;
  if (l->max_uri_bytes == 0) l->max_uri_bytes = MG_HTTP_DEFAULT_MAX_URI_BYTES;
  if (l->max_body_bytes == 0) l->max_body_bytes = MG_HTTP_DEFAULT_MAX_BODY_BYTES;
  if (l->max_ws_message == 0) l->max_ws_message = MG_HTTP_DEFAULT_MAX_WS_MESSAGE;
  if (l->idle_timeout <= 0) l->idle_timeout = MG_HTTP_DEFAULT_IDLE_TIMEOUT;
  if (l->header_timeout <= 0) l->header_timeout = MG_HTTP_DEFAULT_HEADER_TIMEOUT;
  if (l->linger_timeout <= 0) l->linger_timeout = MG_HTTP_DEFAULT_LINGER_TIMEOUT;
  if (l->linger_max <= 0) l->linger_max = MG_HTTP_DEFAULT_LINGER_MAX;
}

struct http_pd *mg_http_pd(struct mg_connection *nc) {
  return nc->proto_handler == http_handler ? (struct http_pd *) nc->proto_data : NULL;
}

/* New protocol state, not yet in charge of the connection. Whoever made the
 * connection decides its role: what mg_connect* made is a client, whoever
 * sets the protocol and whenever. */
static struct http_pd *new_pd(struct mg_connection *nc) {
  struct http_pd *pd = (struct http_pd *) calloc(1, sizeof(*pd));
  if (pd == NULL) return NULL;
  apply_default_limits(&pd->lim);
  pd->ws_msg_op = -1;
  pd->last_io = mg_mgr_now(nc->mgr);
  pd->is_client = nc->outbound;
  nc->proto_data = pd;
  nc->proto_data_destructor = pd_free;
  return pd;
}

struct http_pd *mg_http_pd_any(struct mg_connection *nc, int create) {
  if (nc->proto_data != NULL && nc->proto_data_destructor == pd_free) {
    return (struct http_pd *) nc->proto_data;
  }
  if (!create || nc->proto_data != NULL || nc->proto_handler != NULL) return NULL;
  return new_pd(nc);
}

static struct http_pd *attach_pd(struct mg_connection *nc) {
  struct http_pd *pd = mg_http_pd_any(nc, 0);
  if (pd == NULL) {
    /* Another protocol's state is replaced, as setting a protocol means. */
    if (nc->proto_data != NULL && nc->proto_data_destructor != NULL) {
      nc->proto_data_destructor(nc->proto_data);
    }
    nc->proto_data = NULL;
    nc->proto_data_destructor = NULL;
    if ((pd = new_pd(nc)) == NULL) return NULL;
  }
  nc->proto_handler = http_handler;
  return pd;
}

void mg_set_protocol_http_websocket(struct mg_connection *nc) {
  if (mg_http_pd(nc) == NULL && attach_pd(nc) == NULL) {
    nc->err = ENOMEM;
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
}

void mg_http_set_limits(struct mg_connection *nc, struct mg_http_limits limits) {
  struct http_pd *pd = mg_http_pd(nc);
  if (pd == NULL) return;
  apply_default_limits(&limits);
  pd->lim = limits;
}

/* An accepted connection speaks HTTP like its listener, with its limits and
 * its endpoints (copied: the listener may close first). */
static struct http_pd *inherit(struct mg_connection *nc) {
  struct http_pd *pd = attach_pd(nc), *lpd;
  if (pd == NULL || nc->listener == NULL || (lpd = mg_http_pd(nc->listener)) == NULL) {
    return pd;
  }
  pd->lim = lpd->lim;
  mg_http_copy_endpoints(nc, lpd);
  return pd;
}

static void call_user(struct mg_connection *nc, struct http_pd *pd, int ev,
                      void *ev_data) {
  mg_event_handler_t h = nc->handler;
  if (pd != NULL && pd->endpoint != NULL && ev >= MG_EV_HTTP_REQUEST) {
    h = pd->endpoint;
    pd->last_endpoint = h;
  }
  if (h != NULL) h(nc, ev, ev_data);
}

/* ---- errors --------------------------------------------------------------- */

/*
 * A lingering close (RFC 9112 section 9.6). Closing a socket with input
 * unread, or input still arriving, makes the system answer with a RST, and
 * a RST can make the peer drop the reply it has not read yet: the peer of
 * a pipeline, of an upload refused midway, of a request that crossed our
 * idle close. So input is dropped from now on, the sending side is shut
 * down once the reply is out (the peer sees the end of it, a FIN), and the
 * close waits until the peer closes too or has been quiet for
 * linger_timeout, at most linger_max, or until it has sent
 * HTTP_LINGER_MAX_BYTES more (check_linger).
 */
static void start_linger(struct mg_connection *nc, struct http_pd *pd) {
  pd->state = HS_DISCARD;
  mbuf_clear(&nc->recv_mbuf);
  if (pd->linger_since == 0) pd->linger_since = mg_mgr_now(nc->mgr);
}

/* A close the server side asked for through the flag, in the engine (a
 * request that said "Connection: close", http_send.c ending a reply) or in
 * a handler, becomes a lingering one. Not after the peer's FIN (nothing
 * more can come, the close is due), nor on WebSocket and tunnel
 * connections, whose ends follow their own protocols. */
static void linger_instead(struct mg_connection *nc, struct http_pd *pd) {
  if (!(nc->flags & MG_F_SEND_AND_CLOSE) || pd->is_client || nc->peer_fin ||
      (nc->flags & (MG_F_CLOSE_IMMEDIATELY | MG_F_LISTENING | MG_F_IS_WEBSOCKET)) ||
      pd->state == HS_WEBSOCKET || pd->state == HS_TUNNEL) {
    return;
  }
  nc->flags &= ~(unsigned long) MG_F_SEND_AND_CLOSE;
  start_linger(nc, pd);
}

/* Answers a malformed request (once: whatever fails after the first error
 * is not answered again) and closes, lingering. A client facing a
 * malformed reply just closes. */
static void fail(struct mg_connection *nc, struct http_pd *pd, int status,
                 const char *reason) {
  if (pd->is_client) {
    pd->state = HS_DISCARD;
    mbuf_clear(&nc->recv_mbuf);
    /* A reply too large to keep is not a malformed one: the handler can
     * tell them apart (and stream with MG_F_DELETE_CHUNK next time). */
    nc->err = status == 413 || status == 431 ? EMSGSIZE : EPROTO;
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    return;
  }
  if (!pd->replied && pd->state != HS_DISCARD) {
    char body[160];
    char date[40];
    int n = snprintf(body, sizeof(body), "%d %s: %s\n", status,
                     mg_http_status_text(status), reason);
    mg_http_date(date, sizeof(date), mg_mgr_now(nc->mgr));
    mg_printf(nc,
              "HTTP/1.1 %d %s\r\nDate: %s\r\n%sContent-Type: text/plain\r\n"
              "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
              status, mg_http_status_text(status), date, MG_SERVER_HEADER, n, body);
  }
  pd->replied = 1;
  start_linger(nc, pd);
}

/* ---- messages ------------------------------------------------------------- */

static void deliver(struct mg_connection *nc, struct http_pd *pd,
                    size_t body_len, size_t consumed) {
  struct http_message *hm = &pd->hm;
  size_t head_len = (size_t) pd->head.header_len, sent_before = nc->send_mbuf.len;
  hm->body = mg_mk_str_n(nc->recv_mbuf.buf + head_len, body_len);
  hm->message = mg_mk_str_n(nc->recv_mbuf.buf, head_len + body_len);
  pd->state = HS_HEAD;
  if (pd->is_client) {
    call_user(nc, pd, pd->ws_refused ? MG_EV_WEBSOCKET_HANDSHAKE_DONE : MG_EV_HTTP_REPLY,
              hm);
    mbuf_remove(&nc->recv_mbuf, consumed);
    if (pd->ws_refused) { /* no WebSocket: nothing more to read */
      pd->state = HS_DISCARD;
      mbuf_clear(&nc->recv_mbuf);
      nc->flags |= MG_F_SEND_AND_CLOSE;
    }
    return;
  }
  mg_http_request_begin(pd);
  call_user(nc, pd, MG_EV_HTTP_REQUEST, hm);
  mg_http_request_end(nc, pd, consumed, sent_before);
}

/* A server's per-request state, set before the request's first event: its
 * MG_EV_HTTP_REQUEST, or a streamed multipart request's first event
 * (http_multipart.c). */
void mg_http_request_begin(struct http_pd *pd) {
  pd->endpoint = mg_http_find_endpoint(pd, &pd->hm.uri);
  pd->replied = 0;
  pd->chunked_reply = 0;
  pd->reply_open = 0;
  pd->reply_ended_late = 0;
  pd->close_after_reply = !pd->head.keep_alive;
  pd->http10 = mg_vcmp(&pd->hm.proto, "HTTP/1.0") == 0;
  pd->reply_no_body = 0;
  pd->connect_request = mg_vcmp(&pd->hm.method, "CONNECT") == 0;
  pd->in_request = 1;
}

/* Whether the handler answered with anything but a 2xx status line: the
 * bytes it queued during the request start at sent_before. */
static int refused(const struct mg_connection *nc, size_t sent_before) {
  const char *p = nc->send_mbuf.buf + sent_before;
  size_t n = nc->send_mbuf.len - sent_before;
  if (nc->send_mbuf.len <= sent_before) return 0;
  return n < 10 || memcmp(p, "HTTP/1.", 7) != 0 || p[9] != '2';
}

/* After the request's last event: drops its consumed bytes and settles what
 * follows its reply. */
void mg_http_request_end(struct mg_connection *nc, struct http_pd *pd,
                         size_t consumed, size_t sent_before) {
  pd->in_request = 0;
  /* A HEAD handler that sent its chunked head and no chunk has answered in
   * full: no last chunk is coming. */
  if (pd->reply_open && pd->head_request && pd->reply_chunks == 0) pd->reply_open = 0;
  pd->endpoint = NULL;
  mbuf_remove(&nc->recv_mbuf, consumed);
  if (pd->connect_request && !pd->close_after_reply) {
    /* RFC 9110 section 9.3.6: what follows a CONNECT's head is the
     * tunnel's, never another request, so the connection is the handler's
     * from now on (the bytes stay in recv_mbuf, as on a plain connection),
     * unless the handler refused it at once: then those bytes are neither
     * tunnel nor HTTP we could trust, and the connection closes after the
     * refusal. A handler that answers later owns the connection either
     * way. */
    if (refused(nc, sent_before)) {
      pd->close_after_reply = 1;
    } else {
      pd->state = HS_TUNNEL;
    }
  }
  if (pd->close_after_reply) {
    /* "Connection: close" (or HTTP/1.0): nothing after this request counts;
     * close once the reply is out, if one was given right away. A chunked
     * reply still open closes at its last chunk (end_chunked_reply in
     * http_send.c). */
    pd->state = HS_DISCARD;
    mbuf_clear(&nc->recv_mbuf);
    if (pd->stream == NULL && !pd->reply_open &&
        (pd->replied || nc->send_mbuf.len > sent_before)) {
      nc->flags |= MG_F_SEND_AND_CLOSE;
    }
  }
  /* A reply given in the handler is complete: what comes next (an error
   * for a malformed request, say) is a reply of its own. One still being
   * sent (a file, open chunks) holds the next requests back. */
  if (pd->stream == NULL && !pd->reply_open) pd->replied = 0;
}

/* Chunked body: decodes what has arrived. Returns 1 when the message was
 * delivered, 0 when more bytes are needed, -1 after a failure. */
/* Decoded chunk data is moved down next to the body decoded so far, and the
 * framing it leaves behind is a gap before pd->raw_off, closed once per
 * call, not once per chunk: a read full of tiny chunks would otherwise move
 * the rest of the read for every one of them. */
static void close_chunk_gap(struct mbuf *rb, struct http_pd *pd, size_t head_len) {
  size_t end = head_len + pd->decoded;
  assert(pd->raw_off >= end && pd->raw_off <= rb->len);
  mg_mbuf_cut(rb, end, pd->raw_off - end);
  pd->raw_off = end;
}

static int process_chunked(struct mg_connection *nc, struct http_pd *pd) {
  size_t head_len = (size_t) pd->head.header_len;
  struct mbuf *rb = &nc->recv_mbuf;
  for (;;) {
    size_t off, dlen, total;
    int r = mg_http_parse_chunk(rb->buf + pd->raw_off, rb->len - pd->raw_off, &off,
                                &dlen, &total);
    if (r < 0) {
      fail(nc, pd, 400, "malformed chunk");
      return -1;
    }
    if (r == 0) {
      close_chunk_gap(rb, pd, head_len);
      if (rb->len >= nc->recv_mbuf_limit) {
        fail(nc, pd, 413, "chunk larger than the receive buffer");
        return -1;
      }
      return 0;
    }
    if (dlen == 0) {
      pd->raw_off += total;
      close_chunk_gap(rb, pd, head_len);
      deliver(nc, pd, pd->decoded, head_len + pd->decoded);
      return 1;
    }
    if (pd->decoded + dlen > pd->lim.max_body_bytes) {
      fail(nc, pd, 413, "body too large");
      return -1;
    }
    memmove(rb->buf + head_len + pd->decoded, rb->buf + pd->raw_off + off, dlen);
    pd->decoded += dlen;
    pd->raw_off += total;
    /* The chunk event shows this chunk's data; DELETE_CHUNK drops it from the
     * body the final event will carry (it joins the gap). */
    pd->hm.body = mg_mk_str_n(rb->buf + head_len + pd->decoded - dlen, dlen);
    pd->hm.message = mg_mk_str_n(rb->buf, head_len + pd->decoded);
    if (!pd->is_client) pd->endpoint = mg_http_find_endpoint(pd, &pd->hm.uri);
    call_user(nc, pd, MG_EV_HTTP_CHUNK, &pd->hm);
    pd->endpoint = NULL;
    if (nc->flags & MG_F_DELETE_CHUNK) {
      nc->flags &= ~(unsigned long) MG_F_DELETE_CHUNK;
      pd->decoded -= dlen;
    }
    if (nc->flags & MG_F_CLOSE_IMMEDIATELY) {
      close_chunk_gap(rb, pd, head_len);
      return -1;
    }
  }
}

/* A reply's body as it arrives, with a Content-Length or until the close:
 * each piece goes to the handler as MG_EV_HTTP_CHUNK (hm->body is the
 * piece), the one that completes the body too, so that a handler that
 * consumes chunks sees every byte once; MG_F_DELETE_CHUNK drops the piece
 * from the body MG_EV_HTTP_REPLY will carry, so a download of any size fits
 * in recv_mbuf. Returns 1 when the body is complete, 0 while more is to
 * come, -1 after a failure or a close. */
static int stream_reply(struct mg_connection *nc, struct http_pd *pd) {
  struct mbuf *rb = &nc->recv_mbuf;
  size_t head_len = (size_t) pd->head.header_len;
  size_t fresh = rb->len - head_len - pd->decoded;
  int complete = 0;
  if (pd->head.body_kind == HTTP_BODY_LENGTH &&
      fresh >= pd->head.content_length - pd->body_seen) {
    fresh = (size_t) (pd->head.content_length - pd->body_seen);
    complete = 1;
  }
  if (fresh == 0) return complete;
  pd->body_seen += fresh;
  pd->decoded += fresh;
  pd->hm.body = mg_mk_str_n(rb->buf + head_len + pd->decoded - fresh, fresh);
  pd->hm.message = mg_mk_str_n(rb->buf, head_len + pd->decoded);
  call_user(nc, pd, MG_EV_HTTP_CHUNK, &pd->hm);
  if (nc->flags & MG_F_DELETE_CHUNK) {
    nc->flags &= ~(unsigned long) MG_F_DELETE_CHUNK;
    mg_mbuf_cut(rb, head_len + pd->decoded - fresh, fresh);
    pd->decoded -= fresh;
  }
  if (nc->flags & MG_F_CLOSE_IMMEDIATELY) return -1;
  if (complete) return 1;
  /* What the handler keeps must fit, or reading would stall for good. */
  if (pd->decoded > pd->lim.max_body_bytes || rb->len >= nc->recv_mbuf_limit) {
    fail(nc, pd, 413, "reply body kept beyond the limits");
    return -1;
  }
  return 0;
}

/* A head has arrived: WebSocket upgrades, body limits. Returns 0 to go on
 * with the body, 1 if the connection switched to WebSocket or the body is
 * multipart/form-data to stream, -1 on failure. */
static int on_head(struct mg_connection *nc, struct http_pd *pd) {
  struct http_head *h = &pd->head;
  size_t head_len = (size_t) h->header_len;
  /* here, not in deliver(): replies may be given from MG_EV_HTTP_CHUNK */
  if (!pd->is_client) pd->head_request = mg_vcmp(&pd->hm.method, "HEAD") == 0;
  if (!pd->is_client && h->upgrade_websocket) {
    /* An upgrade to an endpoint's path makes that endpoint the connection's
     * handler, for all its events from now on (as in Mongoose 6), so that
     * it sees the CLOSE of the WebSocket it served. */
    mg_event_handler_t ep = mg_http_find_endpoint(pd, &pd->hm.uri);
    if (ep != NULL) nc->handler = ep;
    call_user(nc, pd, MG_EV_WEBSOCKET_HANDSHAKE_REQUEST, &pd->hm);
    if (nc->flags & (MG_F_CLOSE_IMMEDIATELY | MG_F_SEND_AND_CLOSE)) return -1;
    if (mg_ws_handshake_reply(nc, &pd->hm) != 0) {
      fail(nc, pd, 400, "bad WebSocket handshake");
      return -1;
    }
  } else if (pd->is_client && pd->ws_key != NULL && pd->hm.resp_code == 101) {
    if (mg_ws_check_accept(nc, &pd->hm) != 0) {
      fail(nc, pd, 400, "bad Sec-WebSocket-Accept");
      return -1;
    }
  } else {
    /* A refused upgrade is an ordinary reply, delivered whole as
     * MG_EV_WEBSOCKET_HANDSHAKE_DONE with its status (deliver()). Other
     * replies stream (stream_reply()), so only a request must fit. */
    int streamed, multipart = pd->is_client ? 0 : mg_http_multipart_start(nc, pd);
    if (multipart < 0) {
      fail(nc, pd, 400, "multipart/form-data without a valid boundary");
      return -1;
    }
    pd->ws_refused = pd->is_client && pd->ws_key != NULL;
    streamed = (pd->is_client && !pd->ws_refused) || multipart;
    if (!streamed && h->body_kind == HTTP_BODY_LENGTH &&
        (h->content_length > pd->lim.max_body_bytes ||
         head_len + h->content_length > nc->recv_mbuf_limit)) {
      fail(nc, pd, 413, "body too large");
      return -1;
    }
    pd->state = HS_BODY;
    pd->decoded = 0;
    pd->body_seen = 0;
    pd->raw_off = head_len;
    return multipart; /* 1: process() hands the parts over as they come */
  }
  mg_conn_set_eflags(nc, MG_F_IS_WEBSOCKET, 0);
  pd->state = HS_WEBSOCKET;
  call_user(nc, pd, MG_EV_WEBSOCKET_HANDSHAKE_DONE, &pd->hm);
  mbuf_remove(&nc->recv_mbuf, head_len);
  return 1;
}

static void process(struct mg_connection *nc, struct http_pd *pd) {
  while (!(nc->flags & MG_F_CLOSE_IMMEDIATELY)) {
    struct mbuf *rb = &nc->recv_mbuf;
    if (pd->state == HS_DISCARD) {
      if (pd->linger_since > 0) pd->linger_bytes += rb->len;
      mbuf_clear(rb);
      return;
    }
    if (pd->state == HS_TUNNEL) return;
    if (pd->state == HS_WEBSOCKET) {
      mg_ws_process(nc);
      return;
    }
    if (pd->mp != NULL) { /* a multipart/form-data body (http_multipart.c) */
      int r = mg_http_multipart_process(nc, pd);
      if (r == -2) fail(nc, pd, 400, "malformed multipart body");
      if (r <= 0) return;
      continue;
    }
    if (pd->stream != NULL || pd->reply_open) return; /* replies go in order */
    /* A stray CRLF between requests (after a POST body, say) is ignored, as
     * RFC 9112 2.2 asks of servers. */
    while (pd->state == HS_HEAD && !pd->is_client && rb->len > 0 &&
           (rb->buf[0] == '\n' || (rb->buf[0] == '\r' && rb->len > 1 && rb->buf[1] == '\n'))) {
      mbuf_remove(rb, rb->buf[0] == '\r' ? 2 : 1);
    }
    if (rb->len == 0) return;
    /* Parsed again each time: recv_mbuf may have moved since. */
    mg_http_parse_head(rb->buf, rb->len, !pd->is_client, pd->lim.max_header_bytes,
                       pd->lim.max_uri_bytes, &pd->hm, &pd->head);
    if (pd->head.header_len < 0) {
      fail(nc, pd, pd->head.status, pd->head.reason);
      return;
    }
    if (pd->head.header_len == 0) {
      if (pd->head_started == 0) pd->head_started = mg_mgr_now(nc->mgr);
      if (rb->len >= nc->recv_mbuf_limit) fail(nc, pd, 431, "head too large");
      return;
    }
    pd->head_started = 0;
    if (pd->state == HS_HEAD) {
      int r = on_head(nc, pd);
      if (r < 0) return;
      if (r > 0) continue;
    }
    switch (pd->head.body_kind) {
      case HTTP_BODY_NONE:
        deliver(nc, pd, 0, (size_t) pd->head.header_len);
        break;
      case HTTP_BODY_LENGTH: {
        size_t need = (size_t) pd->head.header_len + (size_t) pd->head.content_length;
        if (pd->is_client && !pd->ws_refused) {
          size_t body;
          if (stream_reply(nc, pd) <= 0) return;
          body = pd->decoded;
          deliver(nc, pd, body, (size_t) pd->head.header_len + body);
          break;
        }
        if (rb->len < need) return;
        deliver(nc, pd, (size_t) pd->head.content_length, need);
        break;
      }
      case HTTP_BODY_CHUNKED:
        if (process_chunked(nc, pd) <= 0) return;
        break;
      case HTTP_BODY_UNTIL_CLOSE:
        if (!pd->ws_refused) stream_reply(nc, pd);
        return; /* delivered at the close */
    }
  }
}

/* A reply that was streamed (a file) is complete: go on with the next
 * pipelined request, or close if this one asked for it. */
void mg_http_reply_done(struct mg_connection *nc) {
  struct http_pd *pd = mg_http_pd(nc);
  if (pd == NULL) return;
  if (pd->stream != NULL && pd->stream_free != NULL) pd->stream_free(pd->stream);
  pd->stream = NULL;
  pd->stream_more = NULL;
  pd->replied = 0;
  if (pd->close_after_reply) {
    nc->flags |= MG_F_SEND_AND_CLOSE;
  } else {
    process(nc, pd);
  }
}

/* ---- timeouts ------------------------------------------------------------- */

/* A lingering close (start_linger) shuts the sending side down once the
 * reply is out, and ends once the peer has been quiet for linger_timeout
 * after that, or after linger_max or HTTP_LINGER_MAX_BYTES whatever the
 * state: a peer that keeps sending cannot hold the connection. (The peer's
 * FIN ends it at once, through the engine's own close.) */
static void check_linger(struct mg_connection *nc, struct http_pd *pd, double now) {
  double quiet = pd->last_io + pd->lim.linger_timeout;
  double cap = pd->linger_since + pd->lim.linger_max;
  int out = nc->send_mbuf.len == 0 && pd->stream == NULL;
  if (out && !pd->write_shut) {
    pd->write_shut = 1;
    if (nc->iface->vtable->shutdown_write != NULL) nc->iface->vtable->shutdown_write(nc);
  }
  if (now >= cap || pd->linger_bytes > HTTP_LINGER_MAX_BYTES || (out && now >= quiet)) {
    nc->proto_deadline = 0;
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    return;
  }
  /* While the reply is still going out, the SEND events move last_io. */
  nc->proto_deadline = !out || cap < quiet ? cap : quiet;
}

/* 408 for a request that stopped coming, and the deadline of the close
 * that follows (lingering, as more of the request may still arrive). */
static void time_out(struct mg_connection *nc, struct http_pd *pd, double now,
                     const char *why) {
  nc->proto_deadline = 0;
  fail(nc, pd, 408, why);
  check_linger(nc, pd, now);
}

/* A head that takes too long (slowloris) gets 408; an idle keep-alive
 * connection closes without a word (lingering). The deadline makes the poll
 * wake for them. */
static void check_timeouts(struct mg_connection *nc, struct http_pd *pd, double now) {
  double deadline = 0;
  int idle = pd->state == HS_HEAD && nc->recv_mbuf.len == 0 &&
             nc->send_mbuf.len == 0 && pd->stream == NULL && !pd->reply_open;
  if (pd->is_client || (nc->flags & MG_F_LISTENING) || pd->state == HS_WEBSOCKET ||
      pd->state == HS_TUNNEL) {
    nc->proto_deadline = 0;
    return;
  }
  if (pd->linger_since > 0) {
    check_linger(nc, pd, now);
    return;
  }
  if (pd->head_started > 0 && pd->state == HS_HEAD) {
    if (now >= pd->head_started + pd->lim.header_timeout) {
      time_out(nc, pd, now, "request head too slow");
      return;
    }
    deadline = pd->head_started + pd->lim.header_timeout;
  } else if (pd->state == HS_BODY) {
    /* A body that stops coming would hold the connection for ever. */
    if (now >= pd->last_io + pd->lim.idle_timeout) {
      time_out(nc, pd, now, "request body too slow");
      return;
    }
    deadline = pd->last_io + pd->lim.idle_timeout;
  } else if (idle) {
    if (now >= pd->last_io + pd->lim.idle_timeout) {
      /* A request may be on its way: the close lingers like any other. */
      start_linger(nc, pd);
      check_linger(nc, pd, now);
      return;
    }
    deadline = pd->last_io + pd->lim.idle_timeout;
  }
  nc->proto_deadline = deadline;
}

/* A client's connection is closing. A reply that ends with the close is
 * complete only if the server ended it (FIN): a reset, or a close of our
 * own (a handler giving up, mg_mgr_free), leaves it cut, and a cut body
 * must never pass for a whole one. A reply that had a length (or chunks)
 * and was not all there is cut too: MG_EV_CLOSE sees nc->err EPIPE, unless
 * the iface reported something more precise (ECONNRESET). */
static void client_closed(struct mg_connection *nc, struct http_pd *pd) {
  int cut = pd->state == HS_BODY || (pd->state == HS_HEAD && nc->recv_mbuf.len > 0);
  if (!cut || !nc->peer_fin || nc->err != 0) return;
  if (pd->state == HS_BODY && pd->head.body_kind == HTTP_BODY_UNTIL_CLOSE) {
    size_t body = nc->recv_mbuf.len - (size_t) pd->head.header_len;
    /* recv_mbuf may have moved since the head was parsed. */
    mg_http_parse_head(nc->recv_mbuf.buf, nc->recv_mbuf.len, 0,
                       pd->lim.max_header_bytes, pd->lim.max_uri_bytes, &pd->hm,
                       &pd->head);
    deliver(nc, pd, body, nc->recv_mbuf.len);
    return;
  }
  nc->err = EPIPE;
}

/* ---- the handler ---------------------------------------------------------- */

static void http_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_pd *pd = (struct http_pd *) nc->proto_data;
  if (ev == MG_EV_ACCEPT && pd == NULL) pd = inherit(nc);
  if (pd == NULL) { /* out of memory */
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    call_user(nc, NULL, ev, ev_data);
    return;
  }
  switch (ev) {
    case MG_EV_RECV:
      pd->last_io = mg_mgr_now(nc->mgr);
      call_user(nc, pd, ev, ev_data);
      process(nc, pd);
      break;
    case MG_EV_SEND:
      pd->last_io = mg_mgr_now(nc->mgr);
      call_user(nc, pd, ev, ev_data);
      if (pd->stream != NULL && pd->stream_more != NULL && !pd->stream_more(nc)) {
        mg_http_reply_done(nc);
      }
      break;
    case MG_EV_CLOSE:
      if (pd->is_client) client_closed(nc, pd);
      if (pd->mp != NULL) mg_http_multipart_abort(nc, pd);
      /* The endpoint that served this connection sees its end too. */
      if (pd->last_endpoint != NULL && pd->last_endpoint != nc->handler) {
        pd->last_endpoint(nc, ev, ev_data);
      }
      call_user(nc, pd, ev, ev_data);
      break;
    default:
      call_user(nc, pd, ev, ev_data);
      /* Multipart data the handler held back is offered again. */
      if (ev == MG_EV_POLL && pd->mp != NULL) process(nc, pd);
      break;
  }
  /* A chunked reply ended after its request handler (from a timer, say):
   * go on with the requests that waited, now that no user code runs. */
  if (pd->reply_ended_late && ev != MG_EV_CLOSE) {
    pd->reply_ended_late = 0;
    mg_http_reply_done(nc);
  }
  if (ev != MG_EV_CLOSE && !(nc->flags & MG_F_CLOSE_IMMEDIATELY)) {
    linger_instead(nc, pd);
    check_timeouts(nc, pd, mg_mgr_now(nc->mgr));
  }
}

/* The dispatch above, for the multipart driver (http_multipart.c). */
void mg_http_call(struct mg_connection *nc, struct http_pd *pd, int ev,
                  void *ev_data) {
  call_user(nc, pd, ev, ev_data);
}
