/*
 * session.c - fuzz session inputs: a compact byte encoding of a scenario.
 *
 * A session is a sequence of operations, each an opcode byte and its
 * arguments, decoded into scenario text that runs the echo, http-static,
 * ws-echo and ws-chat apps (and a UDP echo) against up to eight peers. Any
 * byte string decodes to a valid scenario: operations that make no sense
 * at that point (sending on a peer that reset) are skipped. Each app starts
 * when a peer first uses it, as idle listeners only cost time. The scenario
 * ends by letting every peer read, waiting, and checking that each echo
 * peer got back exactly what it sent. `mgsim from-fuzz` prints the text;
 * `mgsim to-fuzz` encodes a scenario file the other way, for seed corpora.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_internal.h"

#define NPEERS 8

enum { OP_CONNECT, OP_SEND, OP_CLOSE, OP_RESET, OP_STOP, OP_RESUME, OP_WAIT,
       OP_KNOB, OP_UDP, OP_HTTP, OP_WS, OP_WSFRAME, OP_BROADCAST, OP_COUNT };

static const int s_ports[] = {7, 80, 81, 82}; /* echo, http-static, ws-echo, ws-chat */
static const char *const s_apps[][4] = {
    {"app", "echo", "tcp://10.0.0.1:7", NULL},
    {"app", "http-static", "tcp://10.0.0.1:80", "www"},
    {"app", "ws-echo", "tcp://10.0.0.1:81", NULL},
    {"app", "ws-chat", "tcp://10.0.0.1:82", NULL}};

static const char *s_requests[] = {
    "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n",
    "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /sub/ HTTP/1.1\r\nHost: x\r\nRange: bytes=2-5\r\n\r\n",
    "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5\r\nhello\r\n0\r\n\r\n",
    "GET /../outside HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /hello.txt HTTP/1.0\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: *\r\n\r\n"
    "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n",
};

static const char s_handshake[] =
    "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

struct peer_state {
  int app;     /* -1: not connected */
  int closed;  /* sent FIN */
  int reset;
  int narrow;  /* connected under a send limit or peer window below BIG_MIN_STEP */
  struct mbuf sent; /* what an echo peer expects back */
};

/* The one request whose reply is not bounded by the input: a 64 KiB file.
 * Streamed a few bytes per send it alone would cost thousands of polls, so
 * a session fetches it at most once, and only on a connection whose sends
 * take at least BIG_MIN_STEP bytes (other requests take its place). Every
 * other transfer is bounded by the input's own bytes. */
#define BIG_REQUEST 7
#define BIG_MIN_STEP 256

#define MAX_TOKS 6

struct decoder {
  const uint8_t *p, *end;
  struct scn *sc;
  int64_t now;
  int failed; /* out of memory */
  struct tok toks[MAX_TOKS]; /* the line being built */
  char words[MAX_TOKS][32];  /* its formatted words */
  int ntoks;
  struct peer_state peers[NPEERS];
  int udp_bound[2];
  int app_started[4]; /* apps start when first used: idle ones cost time */
  int udp_app_started;
  int broadcast; /* broadcasts reach echo peers too: no exact echo check */
  long send_limit, peer_window; /* the net knobs new peers get */
  int big_fetched;
};

static int next(struct decoder *d) { return d->p < d->end ? *d->p++ : 0; }

/* ---- building lines ------------------------------------------------------ */

static void word(struct decoder *d, const char *w) {
  assert(d->ntoks < MAX_TOKS);
  d->toks[d->ntoks++] = scn_tok_word(w);
}

/* A word made of a prefix and a number: "p3", "10.0.0.1:80", "52". */
static void word_num(struct decoder *d, const char *prefix, long n, const char *suffix) {
  char *w = d->words[d->ntoks];
  snprintf(w, sizeof(d->words[0]), "%s%ld%s", prefix, n, suffix);
  word(d, w);
}

static void data(struct decoder *d, const void *bytes, size_t len) {
  assert(d->ntoks < MAX_TOKS);
  d->toks[d->ntoks++] = scn_tok_str(bytes, len);
}

static void end_line(struct decoder *d) {
  if (scn_add_line(d->sc, d->now, d->toks, d->ntoks) != 0) d->failed = 1;
  d->ntoks = 0;
}

static void peer_line(struct decoder *d, int i, const char *verb) {
  word(d, "peer");
  word_num(d, "p", i, "");
  word(d, verb);
}

static void wait_us(struct decoder *d, int64_t us) {
  d->now += us;
  end_line(d); /* a line of no tokens: run until then */
}

/* ---- decoding ------------------------------------------------------------ */

/* Up to n bytes of the input itself (fewer at its end). */
static size_t take(struct decoder *d, size_t n, const uint8_t **bytes) {
  size_t avail = (size_t) (d->end - d->p);
  if (n > avail) n = avail;
  *bytes = d->p;
  d->p += n;
  return n;
}

static struct peer_state *usable(struct decoder *d, int i) {
  struct peer_state *ps = &d->peers[i];
  return ps->app >= 0 && !ps->closed && !ps->reset ? ps : NULL;
}

static void send_bytes(struct decoder *d, int i, const void *bytes, size_t len) {
  struct peer_state *ps = usable(d, i);
  if (ps == NULL) return;
  peer_line(d, i, "send");
  data(d, bytes, len);
  end_line(d);
  if (ps->app == 0) mbuf_append(&ps->sent, bytes, len);
}

static void op_knob(struct decoder *d) {
  static const char *const names[] = {"send-limit", "read-split", "window",
                                      "peer-window", "delay"};
  int k = next(d) % 5, v = next(d);
  word(d, "net");
  word(d, names[k]);
  switch (k) {
    case 0: case 1: word_num(d, "", v % 64, ""); break;
    case 2: case 3: word_num(d, "", v * 16, ""); break;
    default: word_num(d, "", v * 10, "us"); break;
  }
  end_line(d);
  if (k == 0) d->send_limit = v % 64;
  if (k == 3) d->peer_window = v * 16;
}

static void op_wsframe(struct decoder *d, int i) {
  int flags = next(d);
  const uint8_t *bytes;
  size_t len = take(d, (size_t) next(d), &bytes);
  unsigned char frame[4 + 4 + 255];
  size_t n = 0;
  frame[n++] = (unsigned char) flags; /* FIN, RSV and opcode as they come */
  if (len < 126) {
    frame[n++] = (unsigned char) (0x80 | len);
  } else {
    frame[n++] = 0x80 | 126;
    frame[n++] = (unsigned char) (len >> 8);
    frame[n++] = (unsigned char) len;
  }
  memset(frame + n, 0, 4); /* a zero mask: the payload goes as it is */
  n += 4;
  memcpy(frame + n, bytes, len);
  send_bytes(d, i, frame, n + len);
}

static void op_connect(struct decoder *d, int p) {
  struct peer_state *ps = &d->peers[p];
  int k;
  if (ps->app >= 0) return;
  ps->app = next(d) % 4;
  ps->narrow = (d->send_limit > 0 && d->send_limit < BIG_MIN_STEP) ||
               (d->peer_window > 0 && d->peer_window < BIG_MIN_STEP);
  if (!d->app_started[ps->app]) {
    d->app_started[ps->app] = 1;
    for (k = 0; k < 4 && s_apps[ps->app][k] != NULL; k++) word(d, s_apps[ps->app][k]);
    end_line(d);
  }
  peer_line(d, p, "connect");
  word_num(d, "10.0.0.1:", s_ports[ps->app], "");
  end_line(d);
}

static void op_udp(struct decoder *d, int p) {
  const uint8_t *bytes;
  size_t len = take(d, (size_t) next(d), &bytes);
  if (!d->udp_app_started) {
    d->udp_app_started = 1;
    word(d, "app");
    word(d, "echo");
    word(d, "udp://10.0.0.1:7");
    end_line(d);
  }
  if (!d->udp_bound[p % 2]) {
    d->udp_bound[p % 2] = 1;
    word(d, "peer");
    word_num(d, "u", p % 2, "");
    word(d, "udp");
    word_num(d, "10.0.0.20:", 6000 + p % 2, "");
    end_line(d);
  }
  word(d, "peer");
  word_num(d, "u", p % 2, "");
  word(d, "sendto");
  word(d, "10.0.0.1:7");
  data(d, bytes, len);
  end_line(d);
}

static void op(struct decoder *d) {
  int code = next(d) % OP_COUNT, p = next(d) % NPEERS;
  const uint8_t *bytes;
  size_t len;
  int t;
  switch (code) {
    case OP_CONNECT:
      op_connect(d, p);
      break;
    case OP_SEND:
      len = take(d, (size_t) next(d), &bytes);
      send_bytes(d, p, bytes, len);
      break;
    case OP_CLOSE:
    case OP_RESET:
      if (usable(d, p) != NULL) {
        *(code == OP_CLOSE ? &d->peers[p].closed : &d->peers[p].reset) = 1;
        peer_line(d, p, code == OP_CLOSE ? "close" : "reset");
        end_line(d);
      }
      break;
    case OP_STOP:
    case OP_RESUME:
      if (d->peers[p].app >= 0) {
        peer_line(d, p, code == OP_STOP ? "stop-reading" : "resume-reading");
        end_line(d);
      }
      break;
    case OP_WAIT:
      t = next(d);
      /* Short waits in 50 us steps; long ones reach the idle timeouts. */
      wait_us(d, t < 200 ? (int64_t) (t + 1) * 50 : (int64_t) (t - 199) * 1000000);
      break;
    case OP_KNOB:
      op_knob(d);
      break;
    case OP_UDP:
      op_udp(d, p);
      break;
    case OP_HTTP: {
      int r = next(d) % (int) (sizeof(s_requests) / sizeof(s_requests[0]));
      if (r == BIG_REQUEST && (d->big_fetched || d->peers[p].narrow)) {
        r = 0;
      } else if (r == BIG_REQUEST && usable(d, p) != NULL) {
        d->big_fetched = 1;
      }
      send_bytes(d, p, s_requests[r], strlen(s_requests[r]));
      break;
    }
    case OP_WS:
      send_bytes(d, p, s_handshake, sizeof(s_handshake) - 1);
      break;
    case OP_WSFRAME:
      op_wsframe(d, p);
      break;
    default:
      len = take(d, (size_t) next(d) % 64, &bytes);
      d->broadcast = 1;
      word(d, "mgr");
      word(d, "broadcast");
      data(d, bytes, len);
      end_line(d);
      break;
  }
}

struct scn *session_to_scn(const uint8_t *bytes, size_t size, const char *path,
                           const char *basedir) {
  struct decoder d;
  int i;
  memset(&d, 0, sizeof(d));
  if ((d.sc = scn_new(path, basedir)) == NULL) return NULL;
  d.sc->seed = 1;
  d.sc->has_seed = 1;
  d.p = bytes;
  d.end = bytes + size;
  assert(strstr(s_requests[BIG_REQUEST], "/big.bin ") != NULL);
  for (i = 0; i < NPEERS; i++) d.peers[i].app = -1;
  while (d.p < d.end) op(&d);
  /* Let everything drain, then every echo peer must have its bytes back. */
  for (i = 0; i < NPEERS; i++) {
    if (d.peers[i].app >= 0) {
      peer_line(&d, i, "resume-reading");
      end_line(&d);
    }
  }
  wait_us(&d, 60 * 1000000LL);
  for (i = 0; i < NPEERS; i++) {
    struct peer_state *ps = &d.peers[i];
    if (ps->app == 0 && !ps->reset && !d.broadcast) {
      word(&d, "expect");
      peer_line(&d, i, "got");
      data(&d, ps->sent.buf != NULL ? ps->sent.buf : "", ps->sent.len);
      end_line(&d);
    }
    mbuf_free(&ps->sent);
  }
  if (d.failed) {
    scn_free(d.sc);
    return NULL;
  }
  return d.sc;
}

char *session_to_scenario(const uint8_t *bytes, size_t size) {
  struct scn *sc = session_to_scn(bytes, size, "session.scn", ".");
  char *text = sc != NULL ? scn_to_text(sc, "decoded from a fuzz session input") : NULL;
  scn_free(sc);
  return text;
}

/* ---- scenario -> session ------------------------------------------------- */

struct encoder {
  struct mbuf out;
  char names[NPEERS][40];
  int n;
};

static int peer_index(struct encoder *e, const char *name) {
  int i;
  for (i = 0; i < e->n; i++) {
    if (strcmp(e->names[i], name) == 0) return i;
  }
  if (e->n == NPEERS || strlen(name) >= sizeof(e->names[0])) return -1;
  strcpy(e->names[e->n], name);
  return e->n++;
}

static void put(struct encoder *e, int b) {
  unsigned char c = (unsigned char) b;
  mbuf_append(&e->out, &c, 1);
}

static void put_wait(struct encoder *e, int64_t us) {
  while (us >= 1000000) { /* whole seconds, then slices of 50 us */
    int64_t s = us / 1000000 > 56 ? 56 : us / 1000000;
    put(e, OP_WAIT);
    put(e, 0);
    put(e, (int) (199 + s));
    us -= s * 1000000;
  }
  while (us >= 50) {
    int64_t t = us / 50 > 200 ? 200 : us / 50;
    put(e, OP_WAIT);
    put(e, 0);
    put(e, (int) (t - 1));
    us -= t * 50;
  }
}

static int app_for_port(const struct scn *sc, int port) {
  int i;
  for (i = 0; i < sc->nlines; i++) {
    const struct scn_line *l = &sc->lines[i];
    if (l->ntoks >= 3 && strcmp(l->toks[0].s, "app") == 0 && strstr(l->toks[2].s, ":") &&
        atoi(strrchr(l->toks[2].s, ':') + 1) == port) {
      const char *app = l->toks[1].s;
      if (strcmp(app, "http-static") == 0) return 1;
      if (strcmp(app, "ws-echo") == 0) return 2;
      if (strcmp(app, "ws-chat") == 0) return 3;
      return 0;
    }
  }
  return 0;
}

/* The peer commands of a scenario, as a session input; returns its size. */
size_t scenario_to_session(const struct scn *sc, uint8_t **out) {
  struct encoder e;
  int64_t now = 0;
  int i;
  char err[200];
  memset(&e, 0, sizeof(e));
  mbuf_init(&e.out, 256);
  for (i = 0; i < sc->nlines; i++) {
    const struct scn_line *l = &sc->lines[i];
    const struct tok *t = l->toks;
    int p;
    if (l->at > now) put_wait(&e, l->at - now);
    now = l->at;
    if (l->ntoks < 3 || t[0].type != T_WORD || strcmp(t[0].s, "peer") != 0 ||
        t[2].type != T_WORD || (p = peer_index(&e, t[1].s)) < 0) {
      continue;
    }
    if (strcmp(t[2].s, "connect") == 0 && l->ntoks == 4) {
      const char *colon = strrchr(t[3].s, ':');
      put(&e, OP_CONNECT);
      put(&e, p);
      put(&e, app_for_port(sc, colon != NULL ? atoi(colon + 1) : 0));
    } else if (strcmp(t[2].s, "send") == 0) {
      struct mbuf data;
      size_t off;
      mbuf_init(&data, 0);
      if (scn_data(sc, t + 3, l->ntoks - 3, &data, err, sizeof(err)) > 0) {
        for (off = 0; off < data.len && off < 65536; off += 255) {
          size_t n = data.len - off < 255 ? data.len - off : 255;
          put(&e, OP_SEND);
          put(&e, p);
          put(&e, (int) n);
          mbuf_append(&e.out, data.buf + off, n);
        }
      }
      mbuf_free(&data);
    } else {
      static const struct {
        const char *verb;
        int op;
      } simple[] = {{"close", OP_CLOSE}, {"reset", OP_RESET},
                    {"stop-reading", OP_STOP}, {"resume-reading", OP_RESUME}};
      size_t k;
      for (k = 0; k < sizeof(simple) / sizeof(simple[0]); k++) {
        if (strcmp(t[2].s, simple[k].verb) == 0) {
          put(&e, simple[k].op);
          put(&e, p);
        }
      }
    }
  }
  *out = (uint8_t *) e.out.buf;
  return e.out.len;
}
