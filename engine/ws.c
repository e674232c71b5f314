/*
 * ws.c - WebSocket (RFC 6455) on a connection that finished its handshake:
 * frames in, frames out, the handshake itself for both sides.
 *
 * Incoming fragments of a message are gathered in place at the start of
 * recv_mbuf (each fragment's payload moves down over the headers before it,
 * and what it leaves behind is closed up once per read, not per frame), so a
 * reassembled message reaches the handler as one contiguous buffer.
 * Control frames may arrive between fragments and are handled at once.
 * Protocol errors close with 1002, invalid UTF-8 with 1007, a message over
 * max_ws_message with 1009, each after a CLOSE frame.
 *
 * A message within max_ws_message is always delivered whole, even when it
 * is larger than recv_mbuf_limit: the connection's recv_need tells the iface
 * to keep reading until the frame being received is complete. The payload
 * of a frame is unmasked and its UTF-8 checked as each piece arrives, so bad
 * text fails at once, not when (or if) its frame ends.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"
#include "ws_internal.h"

static int is_client(struct mg_connection *nc) {
  struct http_pd *pd = mg_http_pd(nc);
  return pd != NULL && pd->is_client;
}

/* ---- sending -------------------------------------------------------------- */

void mg_send_websocket_framev(struct mg_connection *nc, int op_and_flags,
                              const struct mg_str *strings, int num_strings) {
  unsigned char header[14], mask[4], *pmask = NULL;
  uint64_t len = 0;
  size_t hlen, start;
  int i, op = op_and_flags & 0x0f;
  for (i = 0; i < num_strings; i++) len += strings[i].len;
  /* Clients mask every frame, with a key from the iface (seeded in
   * simulation, so the bytes on the wire replay exactly). */
  if (is_client(nc)) {
    nc->iface->vtable->random(nc->iface, mask, sizeof(mask));
    pmask = mask;
  }
  hlen = ws_write_header(header, op, !(op_and_flags & WEBSOCKET_DONT_FIN), len, pmask);
  mg_send(nc, header, (int) hlen);
  start = nc->send_mbuf.len;
  for (i = 0; i < num_strings; i++) mg_send(nc, strings[i].p, (int) strings[i].len);
  if (pmask != NULL && nc->send_mbuf.len == start + len) {
    ws_apply_mask((unsigned char *) nc->send_mbuf.buf + start, (size_t) len, mask, 0);
  }
  if (op == WEBSOCKET_OP_CLOSE) {
    struct http_pd *pd = mg_http_pd(nc);
    if (pd != NULL) pd->ws_close_sent = 1;
  }
}

void mg_send_websocket_frame(struct mg_connection *nc, int op_and_flags,
                             const void *data, size_t data_len) {
  struct mg_str s = mg_mk_str_n((const char *) data, data_len);
  mg_send_websocket_framev(nc, op_and_flags, &s, 1);
}

void mg_printf_websocket_frame(struct mg_connection *nc, int op_and_flags,
                               const char *fmt, ...) {
  char small[256], *buf = small;
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = mg_avprintf(&buf, sizeof(small), fmt, ap);
  va_end(ap);
  if (n < 0) return;
  mg_send_websocket_frame(nc, op_and_flags, buf, (size_t) n);
  if (buf != small) free(buf);
}

/* Sends CLOSE with a code (once) and closes after the flush; whatever else
 * arrives is dropped. When the peer is still sending the frame refused (its
 * payload not all in: a message over max_ws_message, bad text midway), the
 * close lingers as HTTP's does (http.c): closing with its bytes unread
 * would reset the connection, which can destroy the CLOSE before the peer
 * reads it. */
static void ws_fail_mid_frame(struct mg_connection *nc, struct http_pd *pd, int code,
                              int mid_frame) {
  unsigned char body[2];
  body[0] = (unsigned char) (code >> 8);
  body[1] = (unsigned char) code;
  if (!pd->ws_close_sent) mg_send_websocket_frame(nc, WEBSOCKET_OP_CLOSE, body, 2);
  pd->state = HS_DISCARD;
  mbuf_clear(&nc->recv_mbuf);
  pd->ws_assembled = pd->ws_raw = pd->ws_seen = 0;
  nc->recv_need = 0;
  if (mid_frame && !pd->is_client && !nc->peer_fin) {
    if (pd->linger_since == 0) pd->linger_since = mg_mgr_now(nc->mgr);
  } else {
    nc->flags |= MG_F_SEND_AND_CLOSE;
  }
}

static void ws_fail(struct mg_connection *nc, struct http_pd *pd, int code) {
  ws_fail_mid_frame(nc, pd, code, 0);
}

/* ---- receiving ------------------------------------------------------------ */

static void on_control(struct mg_connection *nc, struct http_pd *pd, int op,
                       unsigned char *data, size_t len) {
  struct websocket_message wm;
  wm.data = data;
  wm.size = len;
  wm.flags = (unsigned char) (0x80 | op);
  if (op == WEBSOCKET_OP_CLOSE) {
    int code = len >= 2 ? (data[0] << 8) | data[1] : 1000;
    if (len == 1 || (len >= 2 && !ws_close_code_valid(code))) {
      ws_fail(nc, pd, 1002);
      return;
    }
    if (len > 2 && ws_utf8_feed(WS_UTF8_ACCEPT, data + 2, len - 2) != WS_UTF8_ACCEPT) {
      ws_fail(nc, pd, 1007);
      return;
    }
  }
  /* RFC 6455 5.5.2: the PONG answers this PING, so it goes out ahead of
   * whatever the handler sends on seeing it. */
  if (op == WEBSOCKET_OP_PING) mg_send_websocket_frame(nc, WEBSOCKET_OP_PONG, data, len);
  if (nc->handler != NULL) nc->handler(nc, MG_EV_WEBSOCKET_CONTROL_FRAME, &wm);
  if (op == WEBSOCKET_OP_CLOSE) {
    pd->ws_close_received = 1;
    /* Echo the peer's code (an empty CLOSE is echoed empty), then close. */
    if (!pd->ws_close_sent) {
      mg_send_websocket_frame(nc, WEBSOCKET_OP_CLOSE, data, len >= 2 ? 2 : 0);
    }
    pd->state = HS_DISCARD;
    nc->flags |= MG_F_SEND_AND_CLOSE;
  }
}

/* One complete data frame whose payload starts at `at` in recv_mbuf, after
 * the ws_assembled bytes of the message so far. */
static void on_data(struct mg_connection *nc, struct http_pd *pd,
                    const struct ws_frame *f, size_t at) {
  unsigned char *buf = (unsigned char *) nc->recv_mbuf.buf;
  size_t len = (size_t) f->payload_len;
  int op = f->opcode == WEBSOCKET_OP_CONTINUE ? pd->ws_msg_op : f->opcode;
  struct websocket_message wm;

  /* The payload was checked as it arrived (scan_payload): only a character
   * cut off by the end of the message is left to find. */
  if (op == WEBSOCKET_OP_TEXT && f->fin && pd->ws_utf8 != WS_UTF8_ACCEPT) {
    ws_fail(nc, pd, 1007);
    return;
  }
  if (nc->flags & MG_F_WEBSOCKET_NO_DEFRAG) {
    wm.data = buf + at;
    wm.size = len;
    wm.flags = (unsigned char) ((f->fin ? 0x80 : 0) | f->opcode);
    if (nc->handler != NULL) nc->handler(nc, MG_EV_WEBSOCKET_FRAME, &wm);
    /* Nothing is gathered here: the gap and the frame are the front. */
    assert(pd->ws_assembled == 0);
    mbuf_remove(&nc->recv_mbuf, at + len);
    pd->ws_raw = 0;
    pd->ws_msg_op = f->fin ? -1 : op;
    if (f->fin) pd->ws_utf8 = WS_UTF8_ACCEPT;
    return;
  }
  /* Gather: the payload moves down to join the message; its header joins
   * the gap before ws_raw. */
  memmove(buf + pd->ws_assembled, buf + at, len);
  pd->ws_assembled += len;
  pd->ws_raw = at + len;
  if (!f->fin) {
    pd->ws_msg_op = op;
    return;
  }
  wm.data = buf;
  wm.size = pd->ws_assembled;
  wm.flags = (unsigned char) (0x80 | op);
  if (nc->handler != NULL) nc->handler(nc, MG_EV_WEBSOCKET_FRAME, &wm);
  mbuf_remove(&nc->recv_mbuf, pd->ws_raw);
  pd->ws_raw = 0;
  pd->ws_assembled = 0;
  pd->ws_msg_op = -1;
  pd->ws_utf8 = WS_UTF8_ACCEPT;
}

/* Frames already handled leave a gap between the message gathered so far
 * and ws_raw; closing it once per call, not per frame, keeps a read full of
 * small fragments or control frames linear. */
static void close_ws_gap(struct mg_connection *nc, struct http_pd *pd) {
  assert(pd->ws_raw >= pd->ws_assembled && pd->ws_raw <= nc->recv_mbuf.len);
  mg_mbuf_cut(&nc->recv_mbuf, pd->ws_assembled, pd->ws_raw - pd->ws_assembled);
  pd->ws_raw = pd->ws_assembled;
}

/* Unmasks the payload bytes of the data frame at ws_raw that arrived since
 * the last call (`have` of them are here in all) and feeds those of a text
 * message to the UTF-8 check: invalid text fails now, with 1007, even if
 * the rest of its frame never comes. 0 when the connection failed. */
static int scan_payload(struct mg_connection *nc, struct http_pd *pd,
                        const struct ws_frame *f, size_t at, size_t have) {
  unsigned char *p = (unsigned char *) nc->recv_mbuf.buf + at + pd->ws_seen;
  size_t n = have - pd->ws_seen;
  int op = f->opcode == WEBSOCKET_OP_CONTINUE ? pd->ws_msg_op : f->opcode;
  if (n == 0) return 1;
  if (f->masked) ws_apply_mask(p, n, f->mask, pd->ws_seen);
  pd->ws_seen = have;
  if (op == WEBSOCKET_OP_TEXT) {
    pd->ws_utf8 = ws_utf8_feed(pd->ws_utf8, p, n);
    if (pd->ws_utf8 == WS_UTF8_REJECT) {
      ws_fail_mid_frame(nc, pd, 1007, have < f->payload_len);
      return 0;
    }
  }
  return 1;
}

static void process_frames(struct mg_connection *nc, struct http_pd *pd) {
  int client = pd->is_client;
  while (pd->state == HS_WEBSOCKET && !(nc->flags & MG_F_CLOSE_IMMEDIATELY)) {
    unsigned char *buf = (unsigned char *) nc->recv_mbuf.buf + pd->ws_raw;
    size_t avail = nc->recv_mbuf.len - pd->ws_raw, at, have;
    struct ws_frame f;
    int r = ws_parse_header(buf, avail, &f);
    if (r == 0) return;
    if (r < 0 || f.masked == client) { /* servers get masked frames only */
      ws_fail(nc, pd, 1002);
      return;
    }
    if (f.opcode < 8) {
      int starts = f.opcode != WEBSOCKET_OP_CONTINUE;
      if (starts == (pd->ws_msg_op >= 0)) { /* CONTINUE without a start, or */
        ws_fail(nc, pd, 1002);              /* a new message mid-message */
        return;
      }
      if (pd->ws_assembled + f.payload_len > pd->lim.max_ws_message) {
        ws_fail_mid_frame(nc, pd, 1009, f.header_len + f.payload_len > avail);
        return;
      }
    }
    at = pd->ws_raw + f.header_len;
    /* Past the checks above, payload_len is within max_ws_message (or 125)
     * and so fits in a size_t. */
    have = avail - f.header_len;
    if (have > f.payload_len) have = (size_t) f.payload_len;
    if (f.opcode < 8 && !scan_payload(nc, pd, &f, at, have)) return;
    /* The rest of the frame comes later; mg_ws_process lets it in. */
    if (have < f.payload_len) return;
    pd->ws_seen = 0;
    if (f.opcode >= 8) {
      if (f.masked) {
        ws_apply_mask((unsigned char *) nc->recv_mbuf.buf + at, have, f.mask, 0);
      }
      on_control(nc, pd, f.opcode, (unsigned char *) nc->recv_mbuf.buf + at, have);
      if (pd->state == HS_WEBSOCKET) pd->ws_raw = at + have;
    } else {
      on_data(nc, pd, &f, at);
    }
  }
}

/* How much recv_mbuf must hold for the frame at ws_raw to complete: the
 * message gathered so far plus that frame (a 14-byte header while its
 * header is not all in). The checks in process_frames keep it within
 * max_ws_message plus one frame's header (or one control frame), so a
 * peer cannot make us buffer more than a message we would accept. */
static size_t ws_recv_need(const struct mg_connection *nc, const struct http_pd *pd) {
  const unsigned char *buf = (const unsigned char *) nc->recv_mbuf.buf + pd->ws_raw;
  uint64_t need = (uint64_t) pd->ws_raw + 14;
  struct ws_frame f;
  if (ws_parse_header(buf, nc->recv_mbuf.len - pd->ws_raw, &f) == 1) {
    need = (uint64_t) pd->ws_raw + f.header_len + f.payload_len;
  }
  return need < SIZE_MAX ? (size_t) need : SIZE_MAX;
}

void mg_ws_process(struct mg_connection *nc) {
  struct http_pd *pd = mg_http_pd(nc);
  if (pd->state != HS_WEBSOCKET) return;
  process_frames(nc, pd);
  if (pd->ws_raw > pd->ws_assembled) close_ws_gap(nc, pd);
  nc->recv_need = pd->state == HS_WEBSOCKET ? ws_recv_need(nc, pd) : 0;
}

/* ---- handshakes ----------------------------------------------------------- */

int mg_ws_handshake_reply(struct mg_connection *nc, struct http_message *hm) {
  struct mg_str *key = mg_get_http_header(hm, "Sec-WebSocket-Key");
  struct mg_str *ver = mg_get_http_header(hm, "Sec-WebSocket-Version");
  char accept[29];
  if (key == NULL || key->len == 0 || mg_vcmp(&hm->method, "GET") != 0) return -1;
  if (ver == NULL || mg_vcmp(ver, "13") != 0) {
    /* RFC 6455 4.2.2: name the version we speak. */
    struct http_pd *pd = mg_http_pd(nc);
    mg_printf(nc,
              "HTTP/1.1 426 Upgrade Required\r\n%sSec-WebSocket-Version: 13\r\n"
              "Content-Length: 0\r\nConnection: close\r\n\r\n",
              MG_SERVER_HEADER);
    if (pd != NULL) pd->replied = 1;
    return -1;
  }
  ws_accept_key(key->p, key->len, accept);
  mg_printf(nc,
            "HTTP/1.1 101 Switching Protocols\r\n%sUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
            MG_SERVER_HEADER, accept);
  return 0;
}

int mg_ws_check_accept(struct mg_connection *nc, struct http_message *hm) {
  struct http_pd *pd = mg_http_pd(nc);
  struct mg_str *got = mg_get_http_header(hm, "Sec-WebSocket-Accept");
  char want[29];
  if (pd == NULL || pd->ws_key == NULL || got == NULL) return -1;
  ws_accept_key(pd->ws_key, strlen(pd->ws_key), want);
  return mg_vcmp(got, want) == 0 ? 0 : -1;
}

void mg_send_websocket_handshake3(struct mg_connection *nc, const char *path,
                                  const char *host, const char *protocol,
                                  const char *extra_headers, const char *user,
                                  const char *pass) {
  struct http_pd *pd;
  unsigned char nonce[16];
  char key[32];
  mg_set_protocol_http_websocket(nc);
  if ((pd = mg_http_pd(nc)) == NULL) return;
  pd->is_client = 1;
  nc->iface->vtable->random(nc->iface, nonce, sizeof(nonce));
  mg_base64_encode(nonce, sizeof(nonce), key);
  free(pd->ws_key);
  if ((pd->ws_key = (char *) malloc(strlen(key) + 1)) == NULL) return;
  strcpy(pd->ws_key, key);
  mg_printf(nc,
            "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Key: %s\r\n",
            path, host != NULL ? host : "localhost", key);
  if (protocol != NULL) mg_printf(nc, "Sec-WebSocket-Protocol: %s\r\n", protocol);
  if (user != NULL) {
    mg_http_send_basic_auth(nc, mg_mk_str(user), mg_mk_str(pass != NULL ? pass : ""));
  }
  if (extra_headers != NULL) mg_printf(nc, "%s", extra_headers);
  mg_printf(nc, "%s", "\r\n");
}

void mg_send_websocket_handshake2(struct mg_connection *nc, const char *path,
                                  const char *host, const char *protocol,
                                  const char *extra_headers) {
  mg_send_websocket_handshake3(nc, path, host, protocol, extra_headers, NULL, NULL);
}

void mg_send_websocket_handshake(struct mg_connection *nc, const char *uri,
                                 const char *extra_headers) {
  char host[64];
  if (mg_conn_addr_to_str(nc, host, sizeof(host),
                          MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT |
                              MG_SOCK_STRINGIFY_REMOTE) < 0) {
    strcpy(host, "localhost");
  }
  mg_send_websocket_handshake3(nc, uri, host, NULL, extra_headers, NULL, NULL);
}
