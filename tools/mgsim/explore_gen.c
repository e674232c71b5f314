/*
 * explore_gen.c - the scenario of one seed, for mgsim explore.
 *
 * A seed picks some of the roles (echo, ws-echo, http-static, timer, a UDP
 * echo, ws-chat, http-client, ws-client, raw), 1 to 50 peers, and a
 * schedule: connects, sends cut at random places (bytes, WebSocket
 * handshakes and masked frames, HTTP requests good and broken, chunked
 * bodies), FINs, RSTs, pauses in reading, engine-side timers and closes
 * (the raw role's rules), scripted HTTP servers for the engine's clients
 * behind names that resolve, fail or never answer, and a clock jump at the
 * end. Swarm testing (Groce et al., ISSTA 2012): each seed turns on its own
 * subset of the fault knobs rather than all of them.
 *
 * The oracles are expectations written after the schedule, each only where
 * the schedule leaves the outcome certain (a peer that resets or stops
 * reading for good has none):
 *   echo       a peer gets back exactly what it sent (and FIN after its own)
 *   ws-echo    the handshake, a PONG for each PING, each message whole
 *   http       one reply per request, with the status the request calls for
 *              (200, 404, 405), in order; a malformed one gets 400 and FIN
 *   timer      each counted ticker ticks exactly its count
 *   udp-echo   each datagram back, in order, when no datagram fault is on
 *   ws-chat    joins, messages and leaves happen one at a time, so each
 *              member's whole stream is known: who joined after it, every
 *              other member's messages, its own PONGs, who left
 *   clients    the request on the wire, the reply's status and body length
 *              (or the error the reply or the name lookup calls for)
 *   raw        the greeting its rules send; BYE and the FIN of a timed close
 *              (for a peer that sent nothing: otherwise FIN or RST is moot)
 * Connection ids are known for the apps' own connections: apps start at
 * time 0, in the order written, before any peer connects.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explore.h"
#include "mongoose.h"
#include "rng.h"
#include "scn_internal.h"

const char *const explore_role_names[EXPLORE_NROLES] = {
    "echo", "ws-echo", "http-static", "timer", "udp-echo", "ws-chat", "http-client", "ws-client",
    "raw"};
static const char *const s_role_addr[EXPLORE_NROLES] = {
    "10.0.0.1:7000", "10.0.0.1:7001", "10.0.0.1:7002", NULL, "10.0.0.1:7003",
    "10.0.0.1:7005", NULL,            NULL,            "10.0.0.1:7004"};

#define MAX_PEERS 50
#define MAX_CLIENTS 3
/* The clients' own timeout (-t), for the reply and for the name: past
 * any schedule's replies. */
#define CLIENT_TIMEOUT_S 30
#define CLIENT_TIMEOUT_US ((int64_t) CLIENT_TIMEOUT_S * 1000000)

/* A reply a scripted server gives the engine's http-client. */
enum reply_kind { R_LENGTH, R_CHUNKED, R_CLOSE_DELIMITED, R_BAD, R_TRUNCATED, R_NONE, NREPLIES };
enum dns_mode { DNS_NONE, DNS_ANSWER, DNS_FAIL, DNS_SILENT };

struct client_plan {
  int id;     /* the engine connection */
  int server; /* scripted server peer svN (0: the engine's own app) */
  enum dns_mode dns;
  enum reply_kind reply;
  int code;
};

struct gen {
  struct rng rng;
  struct scn_text text;
  int64_t t;              /* the time of the last line written, us */
  struct scn_text oracle; /* expectations, written after the schedule */
  int64_t delay;          /* the delay knob, us */
  int udp_faults;         /* loss, duplication or jitter is on: datagrams have no order */
  uint64_t window;        /* the peer-window knob (0: none) */
  uint64_t bytes;         /* every byte the schedule moves, both ways */
  int64_t min_end;        /* the oracles also wait for this (a client's timeout) */
  int next_id;            /* the id the next connection an app makes gets */
  const char *const *role_app;
  /* the raw role's rules */
  unsigned char greeting[32];
  size_t greeting_len;
  int raw_close; /* 0 none, 1 close on the timer, 2 "BYE" then SEND_AND_CLOSE */
  struct client_plan clients[MAX_CLIENTS];
  int nclients;
  int chat_peers[MAX_PEERS];
  int nchat;
};

/* A line of any length at time at (us, absolute; never before the last). */
static void line_raw(struct gen *g, int64_t at, const char *s, size_t n) {
  if (at > g->t) g->t = at;
  scn_text_printf(&g->text, "@%lldus ", (long long) g->t);
  scn_text_add(&g->text, s, n);
  scn_text_add(&g->text, "\n", 1);
}

static void line(struct gen *g, int64_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void line(struct gen *g, int64_t at, const char *fmt, ...) {
  char buf[256];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  line_raw(g, at, buf, n > 0 && (size_t) n < sizeof(buf) ? (size_t) n : 0);
}

/* A send of bytes, as hex, by peer name. */
static void send_hex_named(struct gen *g, int64_t at, const char *peer, const unsigned char *p,
                           size_t n) {
  struct scn_text m;
  scn_text_init(&m, 0);
  scn_text_printf(&m, "peer %s send ", peer);
  scn_text_hex(&m, p, n);
  line_raw(g, at, m.b.buf, m.b.len);
  if (m.failed) g->text.failed = 1;
  scn_text_free(&m);
}

/* Sends bytes cut at random places, each piece a little later; returns the
 * time of the last piece. */
static int64_t send_cut_named(struct gen *g, int64_t at, const char *peer, const unsigned char *p,
                              size_t n) {
  size_t off = 0;
  while (off < n) {
    size_t piece = rng_chance(&g->rng, 0.5) ? n - off : 1 + rng_below(&g->rng, n - off);
    send_hex_named(g, at, peer, p + off, piece);
    off += piece;
    if (off < n) at += (int64_t) rng_below(&g->rng, 400);
  }
  return at > g->t ? at : g->t;
}

static int64_t send_cut(struct gen *g, int64_t at, int peer, const unsigned char *p, size_t n) {
  char name[16];
  snprintf(name, sizeof(name), "p%d", peer);
  return send_cut_named(g, at, name, p, n);
}

/* Random bytes, or lines of printable text. */
static void random_bytes(struct gen *g, unsigned char *p, size_t n, int text) {
  size_t i;
  rng_bytes(&g->rng, p, n);
  if (text) {
    for (i = 0; i < n; i++) p[i] = p[i] % 12 == 0 ? '\n' : (unsigned char) (' ' + p[i] % 95);
  }
}

/* A word of letters and digits, NUL-terminated. */
static void random_word(struct gen *g, char *p, size_t n) {
  static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  size_t i;
  for (i = 0; i < n; i++) p[i] = set[rng_below(&g->rng, sizeof(set) - 1)];
  p[n] = '\0';
}

/* A masked client frame of op (FIN or not) into out; returns its size. */
static size_t ws_frame(struct gen *g, unsigned char *out, int op, int fin, const unsigned char *p,
                       size_t n) {
  unsigned char mask[4];
  size_t h = 0, i;
  rng_bytes(&g->rng, mask, 4);
  out[h++] = (unsigned char) ((fin ? 0x80 : 0) | op);
  if (n < 126) {
    out[h++] = (unsigned char) (0x80 | n);
  } else {
    out[h++] = 0x80 | 126;
    out[h++] = (unsigned char) (n >> 8);
    out[h++] = (unsigned char) n;
  }
  memcpy(out + h, mask, 4);
  h += 4;
  for (i = 0; i < n; i++) out[h + i] = p[i] ^ mask[i % 4];
  return h + n;
}

/* The server's unmasked frame of op into want. */
static void ws_reply(struct mbuf *want, int op, const unsigned char *p, size_t n) {
  unsigned char h[4];
  h[0] = (unsigned char) (0x80 | op);
  if (n < 126) {
    h[1] = (unsigned char) n;
    mbuf_append(want, h, 2);
  } else {
    h[1] = 126;
    h[2] = (unsigned char) (n >> 8);
    h[3] = (unsigned char) n;
    mbuf_append(want, h, 4);
  }
  mbuf_append(want, p, n);
}

/* A message of n bytes from a peer as masked frames: in up to three
 * fragments, perhaps with a PING between two of them, whose PONG (at once)
 * goes into pongs. Returns the time of its last piece. */
static int64_t ws_message(struct gen *g, int64_t at, int peer, const unsigned char *payload,
                          size_t n, int text, struct mbuf *pongs) {
  unsigned char buf[2048];
  int frags = 1 + (int) rng_below(&g->rng, 3), f;
  size_t off = 0;
  if ((size_t) frags > n) frags = n > 0 ? (int) n : 1;
  for (f = 0; f < frags; f++) {
    size_t len = f == frags - 1 ? n - off : rng_below(&g->rng, n - off + 1);
    at =
        send_cut(g, at, peer, buf,
                 ws_frame(g, buf, f == 0 ? (text ? 1 : 2) : 0, f == frags - 1, payload + off, len));
    off += len;
    if (f < frags - 1 && rng_chance(&g->rng, 0.3)) {
      unsigned char ping[16];
      size_t pn = rng_below(&g->rng, sizeof(ping));
      random_bytes(g, ping, pn, 0);
      at = send_cut(g, at, peer, buf, ws_frame(g, buf, 9, 1, ping, pn));
      ws_reply(pongs, 10, ping, pn);
    }
  }
  return at;
}

static const char s_ws_handshake[] =
    "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
static const char s_101_re[] = "^HTTP/1\\\\.1 101 [^\\r]*\\r\\n([^\\r]+\\r\\n)*\\r\\n";

/* How long bytes toward one peer may take to arrive and be answered: a
 * round trip per window-full, and some for the engine's own steps. */
static int64_t settle(const struct gen *g, uint64_t bytes) {
  int64_t rt = 2 * g->delay + 10, t = 5000 + 2 * rt;
  if (g->window > 0) t += rt * (int64_t) (bytes / g->window + 1);
  return t;
}

/* ---- the http-static role --------------------------------------------------- */

/* One request of an http-static peer into req; returns the status it
 * calls for (400: malformed, the last the peer sends). */
static int http_request(struct gen *g, struct scn_text *req) {
  static const char *const paths[] = {"/hello.txt", "/sub/index.html", "/missing.txt"};
  static const int codes[] = {200, 200, 404};
  int pick = (int) rng_below(&g->rng, 100), p = (int) rng_below(&g->rng, 3);
  if (pick < 8) {
    scn_text_printf(req, "GET /x HTTP/1.1\r\nBad Header\r\n\r\n");
    return 400;
  }
  if (pick < 12) {
    unsigned char junk[40];
    size_t n = 1 + rng_below(&g->rng, sizeof(junk));
    random_bytes(g, junk, n, 0);
    junk[0] = 0x01; /* no method starts with a control byte */
    scn_text_add(req, junk, n);
    scn_text_printf(req, "\r\n\r\n");
    return 400;
  }
  if (pick < 15) {
    scn_text_printf(
        req, "POST /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    return 400;
  }
  if (pick < 25) {
    unsigned char body[600];
    size_t n = rng_below(&g->rng, sizeof(body));
    random_bytes(g, body, n, 0);
    scn_text_printf(req, "POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: %u\r\n\r\n",
                    (unsigned) n);
    scn_text_add(req, body, n);
    return 405;
  }
  if (pick < 35) {
    int chunks = (int) rng_below(&g->rng, 5), c;
    scn_text_printf(req,
                    "POST /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (c = 0; c < chunks; c++) {
      unsigned char data[300];
      size_t n = 1 + rng_below(&g->rng, sizeof(data));
      random_bytes(g, data, n, 0);
      scn_text_printf(req, "%x\r\n", (unsigned) n);
      scn_text_add(req, data, n);
      scn_text_printf(req, "\r\n");
    }
    scn_text_printf(req, "0\r\n\r\n");
    return 405;
  }
  if (pick < 45) {
    scn_text_printf(req, "HEAD %s HTTP/1.1\r\nHost: x\r\n\r\n", paths[p]);
    return codes[p];
  }
  scn_text_printf(req, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", paths[p]);
  return codes[p];
}

/* ---- one peer against one of the serving roles -------------------------------- */

static void udp_schedule(struct gen *g, int peer, int64_t at) {
  unsigned char buf[1400];
  struct scn_text want;
  int ndgrams = 1 + (int) rng_below(&g->rng, 6), k;
  scn_text_init(&want, 0);
  line(g, at, "peer p%d udp 10.2.%d.%d:%d", peer, peer / 250, peer % 250 + 1, 9000 + peer);
  at += (int64_t) rng_below(&g->rng, 1000);
  for (k = 0; k < ndgrams; k++) {
    size_t n = rng_below(&g->rng, rng_chance(&g->rng, 0.2) ? sizeof(buf) : 64);
    struct scn_text m;
    random_bytes(g, buf, n, rng_chance(&g->rng, 0.5));
    scn_text_init(&m, 0);
    scn_text_printf(&m, "peer p%d sendto %s ", peer, s_role_addr[ROLE_UDP]);
    scn_text_hex(&m, buf, n);
    line_raw(g, at, m.b.buf, m.b.len);
    if (m.failed) g->text.failed = 1;
    scn_text_free(&m);
    scn_text_printf(&want, "expect peer p%d dgram ", peer);
    scn_text_hex(&want, buf, n);
    scn_text_printf(&want, "\n");
    at += (int64_t) rng_below(&g->rng, 1500);
  }
  /* Each datagram back, in order, unless the path may lose, copy or
   * reorder them. */
  if (!g->udp_faults) {
    scn_text_add(&g->oracle, want.b.buf, want.b.len);
    scn_text_printf(&g->oracle, "expect peer p%d no-dgram\n", peer);
  }
  if (want.failed) g->oracle.failed = 1;
  scn_text_free(&want);
}

static void peer_schedule(struct gen *g, int peer, int role, int64_t start) {
  unsigned char buf[2048];
  struct mbuf want;
  int64_t at = start;
  int resets = rng_chance(&g->rng, 0.1), pauses = rng_chance(&g->rng, 0.2);
  int fins = !resets && rng_chance(&g->rng, 0.2), bad = 0, k, nsends = 0;
  char codes[16];
  if (role == ROLE_UDP) {
    udp_schedule(g, peer, at);
    return;
  }
  if (role == ROLE_CHAT) {
    if (g->nchat < MAX_PEERS) g->chat_peers[g->nchat++] = peer;
    return;
  }
  mbuf_init(&want, 0);
  line(g, at, "peer p%d connect %s", peer, s_role_addr[role]);
  at += 100 + (int64_t) rng_below(&g->rng, 1000);
  if (pauses) line(g, at, "peer p%d stop-reading", peer);
  if (role == ROLE_ECHO || role == ROLE_RAW) {
    nsends = (role == ROLE_ECHO ? 1 : 0) + (int) rng_below(&g->rng, 5);
    for (k = 0; k < nsends; k++) {
      size_t n = 1 + rng_below(&g->rng, rng_chance(&g->rng, 0.2) ? sizeof(buf) : 64);
      random_bytes(g, buf, n, rng_chance(&g->rng, 0.5));
      send_cut(g, at, peer, buf, n);
      if (role == ROLE_ECHO) mbuf_append(&want, buf, n);
      at = g->t + (int64_t) rng_below(&g->rng, 2000);
    }
  } else if (role == ROLE_WS) {
    at = send_cut(g, at, peer, (const unsigned char *) s_ws_handshake, sizeof(s_ws_handshake) - 1);
    nsends = (int) rng_below(&g->rng, 4);
    for (k = 0; k < nsends; k++) {
      size_t n = rng_below(&g->rng, rng_chance(&g->rng, 0.2) ? 600 : 100);
      int text = rng_chance(&g->rng, 0.5);
      unsigned char payload[600];
      random_bytes(g, payload, n, text);
      at = ws_message(g, at, peer, payload, n, text, &want);
      /* The echo: the message whole, its first opcode, unmasked. */
      ws_reply(&want, text ? 1 : 2, payload, n);
    }
  } else if (role == ROLE_HTTP) {
    nsends = 1 + (int) rng_below(&g->rng, 3);
    for (k = 0; k < nsends && !bad; k++) {
      struct scn_text req;
      int code;
      scn_text_init(&req, 0);
      code = http_request(g, &req);
      codes[k] = (char) (code == 200 ? 'a' : code == 404 ? 'b' : code == 405 ? 'c' : 'd');
      bad = code == 400;
      at = send_cut(g, at, peer, (const unsigned char *) req.b.buf, req.b.len);
      g->bytes += req.b.len + 400;
      if (req.failed) g->text.failed = 1;
      scn_text_free(&req);
    }
    nsends = k;
  }
  if (pauses) {
    at += (int64_t) rng_below(&g->rng, 5000);
    if (rng_chance(&g->rng, 0.8)) {
      line(g, at, "peer p%d resume-reading", peer);
      pauses = 0;
    }
  }
  at += (int64_t) rng_below(&g->rng, 3000);
  if (resets) line(g, at, "peer p%d reset", peer);
  if (fins) line(g, at, "peer p%d close", peer);
  g->bytes += want.len;
  /* The oracles, unless the peer made them moot. */
  if (!resets && !pauses) {
    if (role == ROLE_ECHO && want.len > 0) {
      scn_text_printf(&g->oracle, "expect peer p%d got ", peer);
      scn_text_hex(&g->oracle, (const unsigned char *) want.buf, want.len);
      scn_text_printf(&g->oracle, "\nexpect peer p%d got-nothing\n", peer);
      if (fins) scn_text_printf(&g->oracle, "expect peer p%d fin\n", peer);
    } else if (role == ROLE_WS) {
      scn_text_printf(&g->oracle, "expect peer p%d got-match \"%s\"\n", peer, s_101_re);
      if (want.len > 0) {
        scn_text_printf(&g->oracle, "expect peer p%d got ", peer);
        scn_text_hex(&g->oracle, (const unsigned char *) want.buf, want.len);
        scn_text_printf(&g->oracle, "\n");
      }
    } else if (role == ROLE_HTTP) {
      /* Exactly one reply per request, each with its status, in order
       * (no body has a CR); a 400 ends the connection. */
      static const char *const status[] = {"200 OK", "404 Not Found", "405 Method Not Allowed",
                                           "400 Bad Request"};
      scn_text_printf(&g->oracle, "expect peer p%d got-match \"^", peer);
      for (k = 0; k < nsends; k++) {
        scn_text_printf(&g->oracle, "HTTP/1\\\\.1 %s\\r\\n([^\\r]+\\r\\n)*\\r\\n[^\\r]*",
                        status[codes[k] - 'a']);
      }
      scn_text_printf(&g->oracle, "$\"\n");
      if (bad) scn_text_printf(&g->oracle, "expect peer p%d fin\n", peer);
    } else if (role == ROLE_RAW) {
      /* The greeting goes out at ACCEPT, whole when the peer's window takes
       * it (an immediate close throws away what is left). Whether the
       * engine's close is a FIN depends on what it had not read yet: certain
       * only when the peer sent nothing, or when only its own FIN closes. */
      int greets = g->greeting_len > 0 && (g->window == 0 || g->window >= g->greeting_len);
      if (greets) {
        scn_text_printf(&g->oracle, "expect peer p%d got ", peer);
        scn_text_hex(&g->oracle, g->greeting, g->greeting_len);
        scn_text_printf(&g->oracle, "\n");
      }
      if (!fins && nsends == 0 && (greets || g->greeting_len == 0)) {
        if (g->raw_close == 2) scn_text_printf(&g->oracle, "expect peer p%d got \"BYE\"\n", peer);
        scn_text_printf(&g->oracle, "expect peer p%d got-nothing\n", peer);
        scn_text_printf(&g->oracle, "expect peer p%d %s\n", peer, g->raw_close ? "fin" : "no-fin");
      } else if (!fins && g->raw_close == 0) {
        scn_text_printf(&g->oracle, "expect peer p%d no-fin\n", peer);
      } else if (fins && g->raw_close == 0) {
        scn_text_printf(&g->oracle, "expect peer p%d fin\n", peer);
      }
    }
  }
  mbuf_free(&want);
}

/* ---- ws-chat: one member at a time ------------------------------------------ */

enum { LEAVE_NO, LEAVE_FIN, LEAVE_RST, LEAVE_CLOSE_FRAME };

static void chat_room(struct gen *g) {
  static const char joined[] = "+++ joined", left[] = "--- left";
  struct mbuf want[MAX_PEERS];
  unsigned char buf[2048], payload[600];
  int leave[MAX_PEERS], present[MAX_PEERS], n = g->nchat, i, j, m, nmsgs;
  int64_t at = g->t + 1000;
  if (n == 0) return;
  for (i = 0; i < n; i++) {
    mbuf_init(&want[i], 0);
    present[i] = 0;
    leave[i] = LEAVE_NO;
  }
  /* Joins: each member connects and shakes hands; those in the room hear it. */
  for (i = 0; i < n; i++) {
    line(g, at, "peer p%d connect %s", g->chat_peers[i], s_role_addr[ROLE_CHAT]);
    at = send_cut(g, g->t + 2 * g->delay + 100, g->chat_peers[i],
                  (const unsigned char *) s_ws_handshake, sizeof(s_ws_handshake) - 1);
    for (j = 0; j < n; j++) {
      if (present[j]) ws_reply(&want[j], 1, (const unsigned char *) joined, sizeof(joined) - 1);
    }
    present[i] = 1;
    at += settle(g, 300);
  }
  /* Messages, each from one member to all the others (as text), perhaps
   * in fragments with a ping between them, whose pong only its sender gets. */
  nmsgs = (int) rng_below(&g->rng, (uint64_t) (n < 7 ? 3 * n : 20) + 1);
  for (m = 0; m < nmsgs; m++) {
    int s = (int) rng_below(&g->rng, (uint64_t) n), text = rng_chance(&g->rng, 0.7);
    size_t len = rng_below(&g->rng, rng_chance(&g->rng, 0.2) ? sizeof(payload) : 100);
    random_bytes(g, payload, len, text);
    at = ws_message(g, at, g->chat_peers[s], payload, len, text, &want[s]);
    for (j = 0; j < n; j++) {
      if (j != s) ws_reply(&want[j], 1, payload, len);
    }
    at += settle(g, len + 20);
  }
  /* Leaves, by FIN, RST or a CLOSE frame (answered with its code): the
   * others still in the room hear each. */
  for (i = 0; i < n; i++) {
    if (!rng_chance(&g->rng, 0.3)) continue;
    leave[i] = LEAVE_FIN + (int) rng_below(&g->rng, 3);
    if (leave[i] == LEAVE_FIN) {
      line(g, at, "peer p%d close", g->chat_peers[i]);
    } else if (leave[i] == LEAVE_RST) {
      line(g, at, "peer p%d reset", g->chat_peers[i]);
    } else {
      static const unsigned char code[2] = {0x03, 0xe8};
      at = send_cut(g, at, g->chat_peers[i], buf, ws_frame(g, buf, 8, 1, code, 2));
      ws_reply(&want[i], 8, code, 2);
    }
    present[i] = 0;
    for (j = 0; j < n; j++) {
      if (present[j]) ws_reply(&want[j], 1, (const unsigned char *) left, sizeof(left) - 1);
    }
    at += settle(g, 20);
  }
  g->t = at > g->t ? at : g->t;
  for (i = 0; i < n; i++) {
    int p = g->chat_peers[i];
    scn_text_printf(&g->oracle, "expect peer p%d got-match \"%s\"\n", p, s_101_re);
    if (want[i].len > 0) {
      scn_text_printf(&g->oracle, "expect peer p%d got ", p);
      scn_text_hex(&g->oracle, (const unsigned char *) want[i].buf, want[i].len);
      scn_text_printf(&g->oracle, "\n");
    }
    scn_text_printf(&g->oracle, "expect peer p%d got-nothing\n", p);
    if (leave[i] == LEAVE_FIN || leave[i] == LEAVE_CLOSE_FRAME) {
      scn_text_printf(&g->oracle, "expect peer p%d fin\n", p);
    }
    g->bytes += want[i].len;
    mbuf_free(&want[i]);
  }
}

/* ---- the engine's clients ----------------------------------------------------- */

/* A name to resolve (or not), with its answer written; returns the mode. */
static enum dns_mode client_host(struct gen *g, const char *name, const char *ip, char *host,
                                 size_t cap) {
  uint64_t r;
  if (rng_chance(&g->rng, 0.4)) {
    snprintf(host, cap, "%s", ip);
    return DNS_NONE;
  }
  snprintf(host, cap, "%s", name);
  r = rng_below(&g->rng, 100);
  if (r < 70) {
    scn_text_printf(&g->text, "dns %s %s delay %dus\n", name, ip, (int) rng_below(&g->rng, 3000));
    return DNS_ANSWER;
  }
  if (r < 85) {
    scn_text_printf(&g->text, "dns %s fail\n", name);
    return DNS_FAIL;
  }
  scn_text_printf(&g->text, "dns %s silent\n", name);
  return DNS_SILENT;
}

/* What a client whose name did not resolve saw; 1 if that was it. */
static int client_unresolved(struct gen *g, int id, enum dns_mode dns) {
  if (dns == DNS_FAIL) {
    scn_text_printf(&g->oracle,
                    "expect event #%d CONNECT EHOSTUNREACH\nexpect event #%d CLOSE EHOSTUNREACH\n",
                    id, id);
    return 1;
  }
  if (dns == DNS_SILENT) {
    /* The clients give the resolver their own timeout (-t), and their own
     * timer, due then too, closes first. */
    scn_text_printf(&g->oracle, "expect event #%d CLOSE ETIMEDOUT\nexpect count #%d CONNECT 0\n",
                    id, id);
    if (g->min_end < CLIENT_TIMEOUT_US + 500000) g->min_end = CLIENT_TIMEOUT_US + 500000;
    return 1;
  }
  return 0;
}

/* An http-client app: against a scripted server (svN, its reply drawn
 * here and sent after the peers' schedules) or the engine's own http-static. */
static void http_client(struct gen *g, int own_http) {
  struct client_plan *c = &g->clients[g->nclients];
  char host[64], name[32], ip[32], post[40] = "";
  c->id = g->next_id++;
  if (own_http && rng_chance(&g->rng, 0.3)) {
    static const char *const paths[] = {"/hello.txt", "/sub/index.html", "/missing.txt"};
    static const int codes[] = {200, 200, 404}, lens[] = {13, 19, -1};
    int p = (int) rng_below(&g->rng, 3);
    c->server = 0;
    c->dns = client_host(g, "www.test", "10.0.0.1", host, sizeof(host));
    scn_text_printf(&g->text, "app %s -t %d http://%s:7002%s\n", g->role_app[ROLE_HTTP_CLIENT],
                    CLIENT_TIMEOUT_S, host, paths[p]);
    if (!client_unresolved(g, c->id, c->dns)) {
      scn_text_printf(&g->oracle, "expect event #%d HTTP_REPLY %d\nexpect count #%d HTTP_REPLY 1\n",
                      c->id, codes[p], c->id);
      if (lens[p] >= 0) {
        scn_text_printf(&g->oracle, "expect order \"#%d +HTTP_REPLY %d body %d \" \"#%d +CLOSE\"\n",
                        c->id, codes[p], lens[p], c->id);
      }
      scn_text_printf(&g->oracle, "expect event #%d CLOSE 0\n", c->id);
    }
    return;
  }
  g->nclients++;
  c->server = g->nclients;
  snprintf(name, sizeof(name), "srv%d.test", c->server);
  snprintf(ip, sizeof(ip), "10.3.0.%d", c->server);
  scn_text_printf(&g->text, "peer sv%d listen %s:80\n", c->server, ip);
  c->dns = client_host(g, name, ip, host, sizeof(host));
  c->reply = (enum reply_kind) rng_below(&g->rng, NREPLIES);
  c->code = (int[]){200, 201, 302, 404, 500}[rng_below(&g->rng, 5)];
  if (rng_chance(&g->rng, 0.3))
    snprintf(post, sizeof(post), "a=%d", (int) rng_below(&g->rng, 1000));
  scn_text_printf(&g->text, "app %s -t %d http://%s/p%d%s%s\n", g->role_app[ROLE_HTTP_CLIENT],
                  CLIENT_TIMEOUT_S, host, c->server, post[0] ? " " : "", post);
  if (client_unresolved(g, c->id, c->dns)) {
    c->reply = R_NONE;
    c->server = -c->server; /* no connection reaches the server */
    return;
  }
  /* The request, exactly. */
  scn_text_printf(&g->oracle, "expect peer sv%d.1 got \"%s /p%d HTTP/1.1\\r\\nHost: %s\\r\\n",
                  c->server, post[0] ? "POST" : "GET", c->server, host);
  if (post[0]) scn_text_printf(&g->oracle, "Content-Length: %u\\r\\n", (unsigned) strlen(post));
  scn_text_printf(&g->oracle, "\\r\\n%s\"\n", post);
}

/* The scripted servers' replies, one after another, and their oracles. */
static void client_replies(struct gen *g) {
  int i;
  /* After each request has arrived whole: the name's answer, the connect,
   * and the request's bytes through the peer window. */
  int64_t at = 3000 + 4 * g->delay + settle(g, 200);
  if (at < g->t) at = g->t;
  for (i = 0; i < g->nclients; i++) {
    struct client_plan *c = &g->clients[i];
    struct scn_text r;
    unsigned char body[1500];
    char peer[16];
    size_t n = rng_below(&g->rng, rng_chance(&g->rng, 0.2) ? sizeof(body) : 100), total = 0;
    int chunks = 0;
    if (c->server <= 0) continue;
    snprintf(peer, sizeof(peer), "sv%d.1", c->server);
    scn_text_init(&r, 0);
    random_bytes(g, body, n, rng_chance(&g->rng, 0.5));
    switch (c->reply) {
      case R_LENGTH:
        scn_text_printf(&r, "HTTP/1.1 %d X\r\nContent-Length: %u\r\n\r\n", c->code, (unsigned) n);
        scn_text_add(&r, body, n);
        total = n;
        break;
      case R_CHUNKED: {
        size_t off = 0;
        scn_text_printf(&r, "HTTP/1.1 %d X\r\nTransfer-Encoding: chunked\r\n\r\n", c->code);
        while (off < n) {
          size_t k = 1 + rng_below(&g->rng, n - off);
          scn_text_printf(&r, "%x\r\n", (unsigned) k);
          scn_text_add(&r, body + off, k);
          scn_text_printf(&r, "\r\n");
          off += k;
          chunks++;
        }
        scn_text_printf(&r, "0\r\n\r\n");
        total = n;
        break;
      }
      case R_CLOSE_DELIMITED:
        scn_text_printf(&r, "HTTP/1.1 %d X\r\nContent-Type: text/plain\r\n\r\n", c->code);
        scn_text_add(&r, body, n);
        total = n;
        break;
      case R_BAD:
        scn_text_printf(&r,
                        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
        break;
      case R_TRUNCATED:
        scn_text_printf(&r, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n", (unsigned) n + 1);
        scn_text_add(&r, body, n);
        break;
      default:
        break;
    }
    if (r.b.len > 0) at = send_cut_named(g, at, peer, (const unsigned char *) r.b.buf, r.b.len);
    if (c->reply == R_CLOSE_DELIMITED || c->reply == R_TRUNCATED) {
      line(g, at + (int64_t) rng_below(&g->rng, 2000), "peer %s close", peer);
    }
    g->bytes += r.b.len;
    /* The next reply waits for its own request too (a reply of none
     * wrote no line, so g->t may be behind that). */
    if (g->t + settle(g, r.b.len) > at) at = g->t + settle(g, r.b.len);
    if (r.failed) g->text.failed = 1;
    scn_text_free(&r);
    switch (c->reply) {
      case R_LENGTH:
      case R_CHUNKED:
      case R_CLOSE_DELIMITED:
        scn_text_printf(&g->oracle,
                        "expect event #%d HTTP_REPLY %d\nexpect count #%d HTTP_REPLY 1\n", c->id,
                        c->code, c->id);
        scn_text_printf(&g->oracle, "expect order \"#%d +HTTP_REPLY %d body %u \" \"#%d +CLOSE\"\n",
                        c->id, c->code, (unsigned) total, c->id);
        /* A Content-Length body streams as chunks or not, by how it was
         * cut; a chunked one shows each chunk. */
        if (c->reply == R_CHUNKED)
          scn_text_printf(&g->oracle, "expect count #%d HTTP_CHUNK %d\n", c->id, chunks);
        scn_text_printf(&g->oracle, "expect event #%d CLOSE 0\n", c->id);
        break;
      case R_BAD:
        scn_text_printf(&g->oracle, "expect event #%d CLOSE EPROTO\n", c->id);
        break;
      case R_TRUNCATED:
        scn_text_printf(&g->oracle, "expect event #%d CLOSE EPIPE\n", c->id);
        break;
      default:
        scn_text_printf(&g->oracle, "expect event #%d CLOSE ETIMEDOUT\n", c->id);
        if (g->min_end < g->t + CLIENT_TIMEOUT_US + 500000) {
          g->min_end = g->t + CLIENT_TIMEOUT_US + 500000;
        }
        break;
    }
    if (c->reply != R_LENGTH && c->reply != R_CHUNKED && c->reply != R_CLOSE_DELIMITED) {
      scn_text_printf(&g->oracle, "expect count #%d HTTP_REPLY 0\n", c->id);
    }
    /* The client's close: a FIN, unless it left bytes of a bad reply
     * unread (then a RST, as a kernel would). */
    if (c->reply != R_BAD) scn_text_printf(&g->oracle, "expect peer %s fin\n", peer);
  }
}

/* A ws-client app against the engine's own ws-echo: every message back. */
static void ws_client(struct gen *g) {
  char host[64], words[4][64];
  int id = g->next_id++, n = 1 + (int) rng_below(&g->rng, 4), i;
  enum dns_mode dns = client_host(g, "echo.test", "10.0.0.1", host, sizeof(host));
  scn_text_printf(&g->text, "app %s -t %d ws://%s:7001/c%d", g->role_app[ROLE_WS_CLIENT],
                  CLIENT_TIMEOUT_S, host, id);
  for (i = 0; i < n; i++) {
    random_word(g, words[i], 1 + rng_below(&g->rng, 60));
    scn_text_printf(&g->text, " \"%s\"", words[i]); /* a string: "on" is a word of the app line */
  }
  scn_text_printf(&g->text, "\n");
  if (client_unresolved(g, id, dns)) return;
  scn_text_printf(&g->oracle, "expect event #%d WS_HANDSHAKE_DONE\n", id);
  for (i = 0; i < n; i++) {
    scn_text_printf(&g->oracle, "expect event #%d WS_FRAME %u\n", id, (unsigned) strlen(words[i]));
  }
  scn_text_printf(&g->oracle, "expect count #%d WS_FRAME %d\nexpect event #%d CLOSE 0\n", id, n,
                  id);
}

/* ---- the apps ---------------------------------------------------------------- */

static void raw_app(struct gen *g) {
  scn_text_printf(&g->text, "app %s listen tcp://%s", g->role_app[ROLE_RAW], s_role_addr[ROLE_RAW]);
  if (rng_chance(&g->rng, 0.5)) {
    g->greeting_len = 1 + rng_below(&g->rng, sizeof(g->greeting));
    random_bytes(g, g->greeting, g->greeting_len, 0);
    scn_text_printf(&g->text, " on ACCEPT send ");
    scn_text_hex(&g->text, g->greeting, g->greeting_len);
  }
  g->raw_close = (int) rng_below(&g->rng, 3);
  if (g->raw_close > 0) {
    scn_text_printf(&g->text, " on ACCEPT timer +%dus", 1 + (int) rng_below(&g->rng, 20000));
    if (g->raw_close == 1) {
      scn_text_printf(&g->text, " on TIMER close");
    } else {
      scn_text_printf(&g->text, " on TIMER send \"BYE\" on TIMER flag +SEND_AND_CLOSE");
    }
  }
  scn_text_printf(&g->text, "\n");
  g->next_id++;
}

static void timer_app(struct gen *g) {
  int conns = 1 + (int) rng_below(&g->rng, 3), i;
  if (rng_chance(&g->rng, 0.8)) {
    int count = 1 + (int) rng_below(&g->rng, 5);
    scn_text_printf(&g->text, "app %s %dus %d %d\n", g->role_app[ROLE_TIMER],
                    1 + (int) rng_below(&g->rng, 5000), count, conns);
    for (i = 0; i < conns; i++)
      scn_text_printf(&g->oracle, "expect count #%d TIMER %d\n", g->next_id + i, count);
  } else {
    /* Tickers that never stop: mg_mgr_free closes them at the end. */
    scn_text_printf(&g->text, "app %s %dms 1000000 %d\n", g->role_app[ROLE_TIMER],
                    50 + (int) rng_below(&g->rng, 450), conns);
  }
  g->next_id += conns;
}

static void app_line(struct gen *g, int role, int *roles_on) {
  int k;
  switch (role) {
    case ROLE_TIMER:
      timer_app(g);
      return;
    case ROLE_RAW:
      raw_app(g);
      return;
    case ROLE_HTTP:
      scn_text_printf(&g->text, "app %s tcp://%s www\n", g->role_app[role], s_role_addr[role]);
      break;
    case ROLE_UDP:
      scn_text_printf(&g->text, "app %s udp://%s\n", g->role_app[role], s_role_addr[role]);
      break;
    case ROLE_HTTP_CLIENT:
      for (k = 1 + (int) rng_below(&g->rng, MAX_CLIENTS); k > 0; k--)
        http_client(g, roles_on[ROLE_HTTP]);
      return;
    case ROLE_WS_CLIENT:
      for (k = 1 + (int) rng_below(&g->rng, 2); k > 0; k--) ws_client(g);
      return;
    default:
      scn_text_printf(&g->text, "app %s tcp://%s\n", g->role_app[role], s_role_addr[role]);
      break;
  }
  g->next_id++;
}

static void knobs(struct gen *g, int clients) {
  if (rng_chance(&g->rng, 0.3))
    scn_text_printf(&g->text, "net send-limit %d\n", 1 + (int) rng_below(&g->rng, 64));
  if (rng_chance(&g->rng, 0.3))
    scn_text_printf(&g->text, "net read-split %d\n", 1 + (int) rng_below(&g->rng, 64));
  g->delay = 100;
  if (rng_chance(&g->rng, 0.3)) {
    g->window = 1 + rng_below(&g->rng, 4096);
    scn_text_printf(&g->text, "net peer-window %llu\n", (unsigned long long) g->window);
  }
  if (rng_chance(&g->rng, 0.3)) {
    /* Not 0 when the engine has clients: a client's connection to the
     * engine's own listener would be accepted at time 0, between the app
     * lines, and take an id the oracles give the next app. */
    g->delay = (int64_t) rng_below(&g->rng, 2000) + (clients ? 1 : 0);
    scn_text_printf(&g->text, "net delay %lldus\n", (long long) g->delay);
  }
  if (rng_chance(&g->rng, 0.2)) {
    scn_text_printf(&g->text, "net loss %.2f\n", (double) rng_below(&g->rng, 50) / 100);
    g->udp_faults = 1;
  }
  if (rng_chance(&g->rng, 0.2)) {
    scn_text_printf(&g->text, "net dup %.2f\n", (double) rng_below(&g->rng, 50) / 100);
    g->udp_faults = 1;
  }
  if (rng_chance(&g->rng, 0.2)) {
    scn_text_printf(&g->text, "net jitter %dus\n", (int) rng_below(&g->rng, 3000));
    g->udp_faults = 1;
  }
}

char *explore_generate(uint64_t seed, unsigned roles_allowed,
                       const char *const role_app[EXPLORE_NROLES]) {
  struct gen g;
  int roles[EXPLORE_NROLES], on[EXPLORE_NROLES], nroles = 0, npeers, i, nserving = 0;
  int serving[EXPLORE_NROLES];
  int64_t end;
  memset(&g, 0, sizeof(g));
  memset(on, 0, sizeof(on));
  rng_seed(&g.rng, seed);
  g.role_app = role_app;
  g.next_id = 1;
  scn_text_init(&g.text, 4096);
  scn_text_init(&g.oracle, 1024);
  scn_text_printf(&g.text, "seed %llu\n", (unsigned long long) seed);
  for (i = 0; i < EXPLORE_NROLES; i++) {
    if ((roles_allowed & (1u << i)) && rng_chance(&g.rng, 0.6)) on[i] = 1;
  }
  for (i = 0; i < EXPLORE_NROLES && on[i] == 0; i++) {
  }
  for (i = i < EXPLORE_NROLES ? EXPLORE_NROLES : 0; i < EXPLORE_NROLES; i++) {
    if (roles_allowed & (1u << i)) {
      on[i] = 1;
      break;
    }
  }
  /* The ws-client talks to the engine's own ws-echo. */
  if (on[ROLE_WS_CLIENT]) on[ROLE_WS] = 1;
  /* The swarm: each knob on or off for the whole seed. */
  knobs(&g, on[ROLE_HTTP_CLIENT] || on[ROLE_WS_CLIENT]);
  for (i = 0, nroles = 0; i < EXPLORE_NROLES; i++) {
    if (!on[i]) continue;
    roles[nroles++] = i;
    if (s_role_addr[i] != NULL && (roles_allowed & (1u << i))) serving[nserving++] = i;
  }
  for (i = 0; i < nroles; i++) app_line(&g, roles[i], on);
  npeers = rng_chance(&g.rng, 0.1) ? 1 + (int) rng_below(&g.rng, MAX_PEERS)
                                   : 1 + (int) rng_below(&g.rng, 6);
  for (i = 0; i < npeers && nserving > 0; i++) {
    peer_schedule(&g, i + 1, serving[rng_below(&g.rng, (uint64_t) nserving)],
                  (int64_t) rng_below(&g.rng, 5000));
  }
  chat_room(&g);
  client_replies(&g);
  /* The schedule is out; after a second, everything has happened, unless
   * a small peer window makes the bytes wait a round trip for each window
   * full (all the bytes through one window, at worst). */
  end = g.t + 1000000;
  if (g.window > 0) end += (2 * g.delay + 10) * (int64_t) (g.bytes / g.window + 1);
  if (end < g.min_end) end = g.min_end;
  scn_text_printf(&g.text, "@%lldus\n", (long long) end);
  scn_text_add(&g.text, g.oracle.b.buf, g.oracle.b.len);
  /* And a clock jump past the idle timeouts, for the closes. */
  if (rng_chance(&g.rng, 0.3)) scn_text_printf(&g.text, "@%lldus\n", (long long) (end + 40000000));
  scn_text_add(&g.text, "", 1);
  if (g.oracle.failed) g.text.failed = 1;
  scn_text_free(&g.oracle);
  if (g.text.failed) { /* a scenario missing some of itself is no scenario */
    scn_text_free(&g.text);
    return NULL;
  }
  return g.text.b.buf;
}
