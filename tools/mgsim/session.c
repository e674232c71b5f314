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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_internal.h"

#define NPEERS 8

enum { OP_CONNECT, OP_SEND, OP_CLOSE, OP_RESET, OP_STOP, OP_RESUME, OP_WAIT,
       OP_KNOB, OP_UDP, OP_HTTP, OP_WS, OP_WSFRAME, OP_BROADCAST, OP_COUNT };

static const int s_ports[] = {7, 80, 81, 82}; /* echo, http-static, ws-echo, ws-chat */
static const char *s_apps[] = {"app echo tcp://10.0.0.1:7\n",
                               "app http-static tcp://10.0.0.1:80 www\n",
                               "app ws-echo tcp://10.0.0.1:81\n",
                               "app ws-chat tcp://10.0.0.1:82\n"};

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
  struct mbuf sent; /* what an echo peer expects back */
};

struct decoder {
  const uint8_t *p, *end;
  struct mbuf out;
  struct peer_state peers[NPEERS];
  int udp_bound[2];
  int app_started[4]; /* apps start when first used: idle ones cost time */
  int udp_app_started;
  int broadcast; /* broadcasts reach echo peers too: no exact echo check */
};

static int next(struct decoder *d) { return d->p < d->end ? *d->p++ : 0; }

static void emit(struct decoder *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void emit(struct decoder *d, const char *fmt, ...) {
  char buf[512]; /* every line but hex data is short; hex goes in pieces */
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  if (n > 0) mbuf_append(&d->out, buf, (size_t) n < sizeof(buf) ? (size_t) n : sizeof(buf) - 1);
}

static void emit_hex(struct decoder *d, const void *data, size_t len) {
  const unsigned char *b = (const unsigned char *) data;
  size_t i;
  emit(d, "hex \"");
  for (i = 0; i < len; i++) emit(d, "%02x", b[i]);
  emit(d, "\"\n");
}

/* Up to n bytes of the input itself (fewer at its end). */
static size_t take(struct decoder *d, size_t n, const uint8_t **data) {
  size_t avail = (size_t) (d->end - d->p);
  if (n > avail) n = avail;
  *data = d->p;
  d->p += n;
  return n;
}

static struct peer_state *usable(struct decoder *d, int i) {
  struct peer_state *ps = &d->peers[i];
  return ps->app >= 0 && !ps->closed && !ps->reset ? ps : NULL;
}

static void send_bytes(struct decoder *d, int i, const void *data, size_t len) {
  struct peer_state *ps = usable(d, i);
  if (ps == NULL) return;
  emit(d, "peer p%d send ", i);
  emit_hex(d, data, len);
  if (ps->app == 0) mbuf_append(&ps->sent, data, len);
}

static void op_knob(struct decoder *d) {
  int k = next(d) % 5, v = next(d);
  switch (k) {
    case 0: emit(d, "net send-limit %d\n", v % 64); break;
    case 1: emit(d, "net read-split %d\n", v % 64); break;
    case 2: emit(d, "net window %d\n", v * 16); break;
    case 3: emit(d, "net peer-window %d\n", v * 16); break;
    default: emit(d, "net delay %dus\n", v * 10); break;
  }
}

static void op_wsframe(struct decoder *d, int i) {
  int flags = next(d);
  const uint8_t *data;
  size_t len = take(d, (size_t) next(d), &data);
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
  memcpy(frame + n, data, len);
  send_bytes(d, i, frame, n + len);
}

char *session_to_scenario(const uint8_t *data, size_t size) {
  struct decoder d;
  int i;
  memset(&d, 0, sizeof(d));
  d.p = data;
  d.end = data + size;
  mbuf_init(&d.out, 1024);
  for (i = 0; i < NPEERS; i++) d.peers[i].app = -1;
  emit(&d, "# decoded from a fuzz session input\nseed 1\n");
  while (d.p < d.end) {
    int op = next(&d) % OP_COUNT, p = next(&d) % NPEERS;
    struct peer_state *ps = &d.peers[p];
    const uint8_t *bytes;
    size_t len;
    switch (op) {
      case OP_CONNECT:
        if (ps->app < 0) {
          ps->app = next(&d) % 4;
          if (!d.app_started[ps->app]) {
            d.app_started[ps->app] = 1;
            emit(&d, "%s", s_apps[ps->app]);
          }
          emit(&d, "peer p%d connect 10.0.0.1:%d\n", p, s_ports[ps->app]);
        }
        break;
      case OP_SEND:
        len = take(&d, (size_t) next(&d), &bytes);
        send_bytes(&d, p, bytes, len);
        break;
      case OP_CLOSE:
        if (usable(&d, p) != NULL) {
          ps->closed = 1;
          emit(&d, "peer p%d close\n", p);
        }
        break;
      case OP_RESET:
        if (usable(&d, p) != NULL) {
          ps->reset = 1;
          emit(&d, "peer p%d reset\n", p);
        }
        break;
      case OP_STOP:
      case OP_RESUME:
        if (ps->app >= 0) {
          emit(&d, "peer p%d %s\n", p, op == OP_STOP ? "stop-reading" : "resume-reading");
        }
        break;
      case OP_WAIT: {
        int t = next(&d);
        if (t < 200) {
          emit(&d, "+%dus\n", (t + 1) * 50);
        } else {
          emit(&d, "+%ds\n", t - 199); /* long enough for idle timeouts */
        }
        break;
      }
      case OP_KNOB:
        op_knob(&d);
        break;
      case OP_UDP:
        len = take(&d, (size_t) next(&d), &bytes);
        if (!d.udp_app_started) {
          d.udp_app_started = 1;
          emit(&d, "app echo udp://10.0.0.1:7\n");
        }
        if (!d.udp_bound[p % 2]) {
          d.udp_bound[p % 2] = 1;
          emit(&d, "peer u%d udp 10.0.0.20:%d\n", p % 2, 6000 + p % 2);
        }
        emit(&d, "peer u%d sendto 10.0.0.1:7 ", p % 2);
        emit_hex(&d, bytes, len);
        break;
      case OP_HTTP: {
        const char *r = s_requests[next(&d) % (sizeof(s_requests) / sizeof(s_requests[0]))];
        send_bytes(&d, p, r, strlen(r));
        break;
      }
      case OP_WS:
        send_bytes(&d, p, s_handshake, sizeof(s_handshake) - 1);
        break;
      case OP_WSFRAME:
        op_wsframe(&d, p);
        break;
      default:
        len = take(&d, (size_t) next(&d) % 64, &bytes);
        d.broadcast = 1;
        emit(&d, "mgr broadcast ");
        emit_hex(&d, bytes, len);
        break;
    }
  }
  /* Let everything drain, then every echo peer must have its bytes back. */
  for (i = 0; i < NPEERS; i++) {
    if (d.peers[i].app >= 0) emit(&d, "peer p%d resume-reading\n", i);
  }
  emit(&d, "+60s\n");
  for (i = 0; i < NPEERS; i++) {
    struct peer_state *ps = &d.peers[i];
    if (ps->app == 0 && !ps->reset && !d.broadcast) {
      emit(&d, "expect peer p%d got ", i);
      emit_hex(&d, ps->sent.buf, ps->sent.len);
    }
    mbuf_free(&ps->sent);
  }
  mbuf_append(&d.out, "", 1);
  return d.out.buf;
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
