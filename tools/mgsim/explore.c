/*
 * explore.c - mgsim explore: random worlds from seeds (swarm testing), each
 * run with the runner's invariants and oracles of its own apps.
 *
 * A seed makes a scenario: some of the built-in apps (echo, ws-echo,
 * http-static, timer), 1 to 50 peers, and a schedule of connects, sends
 * (echo bytes, WebSocket handshakes and masked frames cut at random
 * places, HTTP requests pipelined or apart), FINs, RSTs, pauses in
 * reading, and a clock jump at the end. Swarm testing (Groce et al., ISSTA
 * 2012): each seed turns on its own subset of the fault knobs (send-limit,
 * read-split, peer-window, delay) rather than all of them. The oracles are
 * expectations the generator writes at the end: an echo peer that neither
 * reset nor stopped reading for good gets back exactly what it sent; a
 * ws-echo peer gets the handshake and each frame back; an http-static peer
 * whose requests are all good gets "200 OK" first. The runner adds its own
 * (nothing after CLOSE, mbufs in bounds, one CLOSE each). A failing seed is
 * written out as OUT/seed-N.scn: the scenario as text, the failure on top.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rng.h"
#include "scn_internal.h"

enum { APP_ECHO, APP_WS, APP_HTTP, APP_TIMER, APP_UDP, NAPPS };
static const char *const s_app_names[NAPPS] = {"echo", "ws-echo", "http-static", "timer",
                                               "udp-echo"};
static const char *const s_app_addr[NAPPS] = {"10.0.0.1:7000", "10.0.0.1:7001",
                                              "10.0.0.1:7002", NULL, "10.0.0.1:7003"};

/* The app each role starts: the built-in one, or another (--as ROLE=APP)
 * that answers the same way, such as a test's app with a bug planted. */
static const char *s_role_app[NAPPS] = {"echo", "ws-echo", "http-static", "timer", "echo"};

struct gen {
  struct rng rng;
  struct mbuf text;
  int64_t t;           /* the time of the last line written, us */
  struct mbuf oracle;  /* expectations, written after the schedule */
  int64_t delay;       /* the delay knob, us */
  int udp_faults;      /* loss, duplication or jitter is on: datagrams have no order */
  uint64_t window;     /* the peer-window knob (0: none) */
  uint64_t bytes;      /* every byte the schedule moves, both ways */
};

static void put(struct mbuf *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct mbuf *m, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  if (n > 0) mbuf_append(m, buf, (size_t) n < sizeof(buf) ? (size_t) n : sizeof(buf) - 1);
}

static void put_hex(struct mbuf *m, const unsigned char *p, size_t n) {
  size_t i;
  put(m, "hex \"");
  for (i = 0; i < n; i++) put(m, "%02x", p[i]);
  put(m, "\"");
}

/* A line of any length at time at (us, absolute; never before the last). */
static void line_raw(struct gen *g, int64_t at, const char *s, size_t n) {
  if (at > g->t) g->t = at;
  put(&g->text, "@%lldus ", (long long) g->t);
  mbuf_append(&g->text, s, n);
  put(&g->text, "\n");
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

/* A send of bytes, as hex. */
static void send_hex(struct gen *g, int64_t at, int peer, const unsigned char *p, size_t n) {
  struct mbuf m;
  mbuf_init(&m, 0);
  put(&m, "peer p%d send ", peer);
  put_hex(&m, p, n);
  line_raw(g, at, m.buf, m.len);
  mbuf_free(&m);
}

/* Sends bytes cut at random places, each piece a little later. */
static int64_t send_cut(struct gen *g, int64_t at, int peer, const unsigned char *p, size_t n) {
  size_t off = 0;
  while (off < n) {
    size_t piece = rng_chance(&g->rng, 0.5) ? n - off : 1 + rng_below(&g->rng, n - off);
    send_hex(g, at, peer, p + off, piece);
    off += piece;
    at += (int64_t) rng_below(&g->rng, 400);
  }
  return at;
}

/* Random bytes, or lines of printable text. */
static void random_bytes(struct gen *g, unsigned char *p, size_t n, int text) {
  size_t i;
  rng_bytes(&g->rng, p, n);
  if (text) {
    for (i = 0; i < n; i++) p[i] = p[i] % 12 == 0 ? '\n' : (unsigned char) (' ' + p[i] % 95);
  }
}

/* A masked client frame of op (FIN or not) into out; returns its size. */
static size_t ws_frame(struct gen *g, unsigned char *out, int op, int fin,
                       const unsigned char *p, size_t n) {
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

/* One peer's schedule against one app, and the oracle for it. */
static void peer_schedule(struct gen *g, int peer, int app, int64_t start) {
  unsigned char buf[2048];
  struct mbuf want;
  int64_t at = start;
  int resets = rng_chance(&g->rng, 0.1), pauses = rng_chance(&g->rng, 0.2);
  int fins = !resets && rng_chance(&g->rng, 0.2), good = 1, k, nsends = 0;
  mbuf_init(&want, 0);
  if (app == APP_UDP) {
    int ndgrams = 1 + (int) rng_below(&g->rng, 6);
    line(g, at, "peer p%d udp 10.2.%d.%d:%d", peer, peer / 250, peer % 250 + 1, 9000 + peer);
    at += (int64_t) rng_below(&g->rng, 1000);
    for (k = 0; k < ndgrams; k++) {
      size_t n = rng_below(&g->rng, rng_chance(&g->rng, 0.2) ? 1400 : 64);
      struct mbuf m;
      random_bytes(g, buf, n, rng_chance(&g->rng, 0.5));
      mbuf_init(&m, 0);
      put(&m, "peer p%d sendto %s ", peer, s_app_addr[APP_UDP]);
      put_hex(&m, buf, n);
      line_raw(g, at, m.buf, m.len);
      mbuf_free(&m);
      put(&want, "expect peer p%d dgram ", peer);
      put_hex(&want, buf, n);
      put(&want, "\n");
      at += (int64_t) rng_below(&g->rng, 1500);
    }
    /* Each datagram back, in order, unless the path may lose, copy or
     * reorder them. */
    if (!g->udp_faults) {
      mbuf_append(&g->oracle, want.buf, want.len);
      put(&g->oracle, "expect peer p%d no-dgram\n", peer);
    }
    mbuf_free(&want);
    return;
  }
  line(g, at, "peer p%d connect %s", peer, s_app_addr[app]);
  at += 100 + (int64_t) rng_below(&g->rng, 1000);
  if (pauses) line(g, at, "peer p%d stop-reading", peer);
  if (app == APP_ECHO) {
    nsends = 1 + (int) rng_below(&g->rng, 5);
    for (k = 0; k < nsends; k++) {
      size_t n = 1 + rng_below(&g->rng, rng_chance(&g->rng, 0.2) ? sizeof(buf) : 64);
      random_bytes(g, buf, n, rng_chance(&g->rng, 0.5));
      send_hex(g, at, peer, buf, n);
      mbuf_append(&want, buf, n);
      at += (int64_t) rng_below(&g->rng, 2000);
    }
  } else if (app == APP_WS) {
    static const char hs[] =
        "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    at = send_cut(g, at, peer, (const unsigned char *) hs, sizeof(hs) - 1);
    nsends = (int) rng_below(&g->rng, 4);
    for (k = 0; k < nsends; k++) {
      size_t n = rng_below(&g->rng, rng_chance(&g->rng, 0.2) ? 600 : 100), off = 0;
      int text = rng_chance(&g->rng, 0.5), frags = 1 + (int) rng_below(&g->rng, 3), f;
      unsigned char payload[600];
      random_bytes(g, payload, n, text);
      if ((size_t) frags > n) frags = n > 0 ? (int) n : 1;
      for (f = 0; f < frags; f++) {
        size_t len = f == frags - 1 ? n - off : rng_below(&g->rng, n - off + 1);
        at = send_cut(g, at, peer, buf,
                      ws_frame(g, buf, f == 0 ? (text ? 1 : 2) : 0, f == frags - 1,
                               payload + off, len));
        off += len;
        /* A ping between fragments: its pong comes back at once. */
        if (f < frags - 1 && rng_chance(&g->rng, 0.3)) {
          unsigned char ping[16];
          size_t pn = rng_below(&g->rng, sizeof(ping));
          random_bytes(g, ping, pn, 0);
          at = send_cut(g, at, peer, buf, ws_frame(g, buf, 9, 1, ping, pn));
          ws_reply(&want, 10, ping, pn);
        }
      }
      /* The echo: the message whole, its first opcode, unmasked. */
      ws_reply(&want, text ? 1 : 2, payload, n);
    }
  } else if (app == APP_HTTP) {
    static const char *const paths[] = {"/hello.txt", "/sub/index.html"};
    nsends = 1 + (int) rng_below(&g->rng, 3);
    for (k = 0; k < nsends; k++) {
      char req[300];
      int n;
      if (rng_chance(&g->rng, 0.15)) {
        n = snprintf(req, sizeof(req), "GET /x HTTP/1.1\r\nBad Header\r\n\r\n");
        good = 0;
      } else {
        n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n",
                     paths[rng_below(&g->rng, 2)]);
      }
      at = send_cut(g, at, peer, (const unsigned char *) req, (size_t) n);
    }
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
  g->bytes += want.len + (app == APP_HTTP ? (uint64_t) nsends * 400 : 0);
  /* The oracles, unless the peer made them moot. */
  if (!resets && !pauses) {
    if (app == APP_ECHO && want.len > 0) {
      put(&g->oracle, "expect peer p%d got ", peer);
      put_hex(&g->oracle, (const unsigned char *) want.buf, want.len);
      put(&g->oracle, "\nexpect peer p%d got-nothing\n", peer);
      if (fins) put(&g->oracle, "expect peer p%d fin\n", peer);
    } else if (app == APP_WS) {
      put(&g->oracle,
          "expect peer p%d got-match \"^HTTP/1\\\\.1 101 [^\\r]*\\r\\n([^\\r]+\\r\\n)*\\r\\n\"\n",
          peer);
      if (want.len > 0) {
        put(&g->oracle, "expect peer p%d got ", peer);
        put_hex(&g->oracle, (const unsigned char *) want.buf, want.len);
        put(&g->oracle, "\n");
      }
    } else if (app == APP_HTTP && good) {
      /* Exactly one reply per request, all 200 (the bodies have no 'H'). */
      put(&g->oracle,
          "expect peer p%d got-match \"^(HTTP/1\\\\.1 200 OK\\r\\n([^\\r]+\\r\\n)*\\r\\n[^H]*){%d}$\"\n",
          peer, nsends);
    }
  }
  mbuf_free(&want);
}

/* The scenario of one seed (heap, NUL-terminated). */
static char *generate(uint64_t seed, unsigned apps_allowed) {
  struct gen g;
  int apps[NAPPS], napps = 0, i, npeers;
  int64_t end = 0;
  memset(&g, 0, sizeof(g));
  rng_seed(&g.rng, seed);
  mbuf_init(&g.text, 4096);
  mbuf_init(&g.oracle, 1024);
  put(&g.text, "seed %llu\n", (unsigned long long) seed);
  /* The swarm: each knob on or off for the whole seed. */
  if (rng_chance(&g.rng, 0.3)) put(&g.text, "net send-limit %d\n", 1 + (int) rng_below(&g.rng, 64));
  if (rng_chance(&g.rng, 0.3)) put(&g.text, "net read-split %d\n", 1 + (int) rng_below(&g.rng, 64));
  g.delay = 100;
  if (rng_chance(&g.rng, 0.3)) {
    g.window = 1 + rng_below(&g.rng, 4096);
    put(&g.text, "net peer-window %llu\n", (unsigned long long) g.window);
  }
  if (rng_chance(&g.rng, 0.3)) {
    g.delay = (int64_t) rng_below(&g.rng, 2000);
    put(&g.text, "net delay %lldus\n", (long long) g.delay);
  }
  if (rng_chance(&g.rng, 0.2)) {
    put(&g.text, "net loss %.2f\n", (double) rng_below(&g.rng, 50) / 100);
    g.udp_faults = 1;
  }
  if (rng_chance(&g.rng, 0.2)) {
    put(&g.text, "net dup %.2f\n", (double) rng_below(&g.rng, 50) / 100);
    g.udp_faults = 1;
  }
  if (rng_chance(&g.rng, 0.2)) {
    put(&g.text, "net jitter %dus\n", (int) rng_below(&g.rng, 3000));
    g.udp_faults = 1;
  }
  for (i = 0; i < NAPPS; i++) {
    if ((apps_allowed & (1u << i)) && rng_chance(&g.rng, 0.6)) apps[napps++] = i;
  }
  if (napps == 0) {
    for (i = 0; i < NAPPS; i++) {
      if (apps_allowed & (1u << i)) {
        apps[napps++] = i;
        break;
      }
    }
  }
  for (i = 0; i < napps; i++) {
    switch (apps[i]) {
      case APP_ECHO: put(&g.text, "app %s tcp://%s\n", s_role_app[APP_ECHO], s_app_addr[APP_ECHO]); break;
      case APP_WS: put(&g.text, "app %s tcp://%s\n", s_role_app[APP_WS], s_app_addr[APP_WS]); break;
      case APP_HTTP:
        put(&g.text, "app %s tcp://%s www\n", s_role_app[APP_HTTP], s_app_addr[APP_HTTP]);
        break;
      case APP_UDP:
        put(&g.text, "app %s udp://%s\n", s_role_app[APP_UDP], s_app_addr[APP_UDP]);
        break;
      default:
        put(&g.text, "app %s %dus %d %d\n", s_role_app[APP_TIMER], 1 + (int) rng_below(&g.rng, 5000),
            1 + (int) rng_below(&g.rng, 5), 1 + (int) rng_below(&g.rng, 3));
        break;
    }
  }
  npeers = rng_chance(&g.rng, 0.1) ? 1 + (int) rng_below(&g.rng, 50) : 1 + (int) rng_below(&g.rng, 6);
  for (i = 0; i < npeers; i++) {
    int app = apps[rng_below(&g.rng, (uint64_t) napps)];
    if (app == APP_TIMER) continue; /* nothing to connect to */
    peer_schedule(&g, i + 1, app, (int64_t) rng_below(&g.rng, 5000));
  }
  /* The schedule is out; after a second, everything has happened, unless
   * a small peer window makes the bytes wait a round trip for each window
   * full (all the bytes through one window, at worst). */
  end = g.t + 1000000;
  if (g.window > 0) end += (2 * g.delay + 10) * (int64_t) (g.bytes / g.window + 1);
  put(&g.text, "@%lldus\n", (long long) end);
  mbuf_append(&g.text, g.oracle.buf, g.oracle.len);
  /* And a clock jump past the idle timeouts, for the closes. */
  if (rng_chance(&g.rng, 0.3)) put(&g.text, "@%lldus\n", (long long) (end + 40000000));
  mbuf_append(&g.text, "", 1);
  mbuf_free(&g.oracle);
  return g.text.buf;
}

/* The files http-static serves, beside the failures written. */
static int make_docroot(const char *out) {
  static const struct {
    const char *path, *text;
  } files[] = {{"hello.txt", "hello, world\n"}, {"sub/index.html", "<h1>sub index</h1>\n"}};
  char path[1200];
  size_t i;
  snprintf(path, sizeof(path), "%s/www", out);
  if (mkdir(path, 0755) != 0 && errno != EEXIST) return -1;
  snprintf(path, sizeof(path), "%s/www/sub", out);
  if (mkdir(path, 0755) != 0 && errno != EEXIST) return -1;
  for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    FILE *fp;
    snprintf(path, sizeof(path), "%s/www/%s", out, files[i].path);
    if ((fp = fopen(path, "w")) == NULL) return -1;
    fputs(files[i].text, fp);
    if (fclose(fp) != 0) return -1;
  }
  return 0;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* A failure's kind: its message with the numbers that vary masked. */
static void kind_of(const char *message, char *out, size_t cap) {
  const char *p = strstr(message, ": ");
  size_t o = 0;
  p = p != NULL ? p + 2 : message;
  for (; *p != '\0' && *p != '\n' && o + 2 < cap; p++) {
    if (*p >= '0' && *p <= '9') {
      if (o == 0 || out[o - 1] != 'N') out[o++] = 'N';
    } else {
      out[o++] = *p;
    }
  }
  out[o] = '\0';
}

static int usage(void) {
  fprintf(stderr,
          "usage: mgsim explore [--seeds A-B | --time DURATION] [--shard K/N] [--jobs N]\n"
          "                     [--out DIR]\n"
          "                     [--apps echo,ws-echo,http-static,timer,udp-echo] [--as ROLE=APP]\n"
          "       mgsim explore [--apps LIST] --print SEED   (the scenario of one seed)\n");
  return 2;
}

/* What a run (or one of its jobs) found. */
struct tally {
  long done, failures, nkinds;
  char kinds[32][200];
};

static void count_kind(struct tally *t, const char *kind) {
  long j;
  for (j = 0; j < t->nkinds && strcmp(t->kinds[j], kind) != 0; j++) {
  }
  if (j == t->nkinds && t->nkinds < 32) {
    snprintf(t->kinds[t->nkinds++], sizeof(t->kinds[0]), "%s", kind);
  }
}

struct explore_opts {
  uint64_t first, last, k, shards;
  double budget;
  const char *out;
  unsigned apps;
};

/* One seed: 0 passed, 1 failed (written out), -1 its scenario is broken. */
static int explore_seed(const struct explore_opts *o, uint64_t seed, struct tally *t, int tty) {
  char path[1200], err[1024], kind[200], *text = generate(seed, o->apps);
  struct scn *sc;
  struct scn_result res;
  FILE *fp;
  snprintf(path, sizeof(path), "%s/seed-%llu.scn", o->out, (unsigned long long) seed);
  sc = text != NULL ? scn_parse(text, strlen(text), path, err, sizeof(err)) : NULL;
  if (sc == NULL) {
    fprintf(stderr, "mgsim: seed %llu made a scenario that does not parse: %s\n",
            (unsigned long long) seed, text != NULL ? err : "out of memory");
    free(text);
    return -1;
  }
  scn_run(sc, seed, &res);
  t->done++;
  if (!res.passed) {
    const char *m = res.message != NULL ? res.message : "out of memory\n";
    t->failures++;
    kind_of(m, kind, sizeof(kind));
    count_kind(t, kind);
    if ((fp = fopen(path, "w")) != NULL) {
      fputs("# mgsim explore: this seed fails:\n# ", fp);
      for (; *m != '\0'; m++) {
        fputc(*m, fp);
        if (*m == '\n' && m[1] != '\0') fputs("# ", fp);
      }
      fputs(text, fp);
      if (fclose(fp) != 0) fp = NULL;
    }
    printf("%sFAIL seed %llu: %s (%s)\n", tty ? "\r" : "", (unsigned long long) seed, kind,
           fp != NULL ? path : "could not be written");
    fflush(stdout);
  }
  scn_result_free(&res);
  scn_free(sc);
  free(text);
  return res.passed ? 0 : 1;
}

/* The seeds of shard k of shards, until the last or the time budget. */
static int explore_range(const struct explore_opts *o, uint64_t k, uint64_t shards, int progress,
                         struct tally *t) {
  double start = now_s(), last_report = start;
  int tty = progress && isatty(1);
  uint64_t seed;
  for (seed = o->first; seed <= o->last; seed++) {
    double now = now_s();
    if (o->budget > 0 && now - start >= o->budget) break;
    if ((seed - 1) % shards == k - 1) {
      if (explore_seed(o, seed, t, tty) < 0) return -1;
      now = now_s();
      if (progress && now - last_report >= (tty ? 0.2 : 10)) {
        printf("%s%ld seeds, %.0f/s, %ld failures, %.1f s%s", tty ? "\r" : "", t->done,
               (double) t->done / (now - start), t->failures, now - start, tty ? "" : "\n");
        fflush(stdout);
        last_report = now;
      }
    }
    if (seed == UINT64_MAX) break;
  }
  return 0;
}

/* --jobs N: N processes, each a shard of this run's shard; their tallies
 * come back through a pipe each. */
static int explore_jobs(const struct explore_opts *o, int jobs, struct tally *t) {
  int fds[64], j, rc = 0;
  pid_t pids[64];
  for (j = 0; j < jobs; j++) {
    int p[2];
    if (pipe(p) != 0 || (pids[j] = fork()) < 0) {
      fprintf(stderr, "mgsim: cannot start job %d: %s\n", j + 1, strerror(errno));
      return -1;
    }
    if (pids[j] == 0) {
      struct tally mine;
      int crc;
      close(p[0]);
      memset(&mine, 0, sizeof(mine));
      crc = explore_range(o, (o->k - 1) * (uint64_t) jobs + (uint64_t) j + 1,
                          o->shards * (uint64_t) jobs, 0, &mine);
      if (write(p[1], &mine, sizeof(mine)) != (ssize_t) sizeof(mine)) crc = -1;
      _exit(crc == 0 ? 0 : 2);
    }
    close(p[1]);
    fds[j] = p[0];
  }
  for (j = 0; j < jobs; j++) {
    struct tally got;
    int status = 0;
    long i;
    ssize_t n = read(fds[j], &got, sizeof(got));
    close(fds[j]);
    waitpid(pids[j], &status, 0);
    if (n != (ssize_t) sizeof(got) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      rc = -1;
      continue;
    }
    t->done += got.done;
    t->failures += got.failures;
    for (i = 0; i < got.nkinds; i++) count_kind(t, got.kinds[i]);
  }
  return rc;
}

int mgsim_explore(int argc, char **argv) {
  struct explore_opts o;
  struct tally t;
  uint64_t seed;
  double start;
  int i, jobs = 1, rc;
  memset(&o, 0, sizeof(o));
  memset(&t, 0, sizeof(t));
  o.first = 1;
  o.last = 100;
  o.k = 1;
  o.shards = 1;
  o.out = "explore-out";
  o.apps = (1u << NAPPS) - 1;
  /* Every option takes a value. */
  for (i = 2; i < argc; i += 2) {
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (v == NULL) return usage();
    if (strcmp(argv[i], "--seeds") == 0) {
      char a[48], *dash;
      snprintf(a, sizeof(a), "%s", v);
      if ((dash = strchr(a, '-')) == NULL) return usage();
      *dash = '\0';
      if (scn_parse_uint(a, UINT64_MAX, &o.first) != 0 ||
          scn_parse_uint(dash + 1, UINT64_MAX, &o.last) != 0 || o.last < o.first) {
        fprintf(stderr, "mgsim: --seeds wants A-B with A <= B, not '%s'\n", v);
        return 2;
      }
    } else if (strcmp(argv[i], "--time") == 0) {
      int64_t us;
      if (scn_parse_duration(v, &us) != 0 || us <= 0) {
        fprintf(stderr, "mgsim: --time wants a duration (e.g. 600s), not '%s'\n", v);
        return 2;
      }
      o.budget = (double) us / 1e6;
      o.last = UINT64_MAX;
    } else if (strcmp(argv[i], "--shard") == 0) {
      unsigned long long kk, nn;
      char extra;
      if (sscanf(v, "%llu/%llu%c", &kk, &nn, &extra) != 2 || nn == 0 || kk == 0 || kk > nn) {
        fprintf(stderr, "mgsim: --shard wants K/N with 1 <= K <= N, not '%s'\n", v);
        return 2;
      }
      o.k = kk;
      o.shards = nn;
    } else if (strcmp(argv[i], "--jobs") == 0) {
      uint64_t n;
      if (scn_parse_uint(v, 64, &n) != 0 || n < 1) {
        fprintf(stderr, "mgsim: --jobs wants 1..64, not '%s'\n", v);
        return 2;
      }
      jobs = (int) n;
    } else if (strcmp(argv[i], "--out") == 0) {
      o.out = v;
    } else if (strcmp(argv[i], "--apps") == 0) {
      char list[200], *tok, *save = NULL;
      int a;
      o.apps = 0;
      snprintf(list, sizeof(list), "%s", v);
      for (tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        for (a = 0; a < NAPPS && strcmp(tok, s_app_names[a]) != 0; a++) {
        }
        if (a == NAPPS) {
          fprintf(stderr, "mgsim: --apps: unknown app '%s' (echo, ws-echo, http-static, timer, "
                          "udp-echo)\n", tok);
          return 2;
        }
        o.apps |= 1u << a;
      }
      if (o.apps == 0) return usage();
    } else if (strcmp(argv[i], "--as") == 0) {
      char role[64];
      const char *eq = strchr(v, '=');
      int a;
      snprintf(role, sizeof(role), "%.*s", eq != NULL ? (int) (eq - v) : 0, v);
      for (a = 0; a < NAPPS && strcmp(role, s_app_names[a]) != 0; a++) {
      }
      if (eq == NULL || a == NAPPS || scn_find_app(eq + 1) == NULL) {
        fprintf(stderr, "mgsim: --as wants ROLE=APP, a role of echo, ws-echo, http-static, "
                        "timer, udp-echo and a known app, not '%s'\n", v);
        return 2;
      }
      s_role_app[a] = eq + 1;
    } else if (strcmp(argv[i], "--print") == 0) {
      char *text;
      if (scn_parse_uint(v, UINT64_MAX, &seed) != 0) return usage();
      if ((text = generate(seed, o.apps)) == NULL) return 2;
      fputs(text, stdout);
      free(text);
      return 0;
    } else {
      return usage();
    }
  }
  if (mkdir(o.out, 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "mgsim: cannot make %s: %s\n", o.out, strerror(errno));
    return 2;
  }
  if (make_docroot(o.out) != 0) {
    fprintf(stderr, "mgsim: cannot write %s/www: %s\n", o.out, strerror(errno));
    return 2;
  }
  start = now_s();
  fflush(stdout);
  rc = jobs > 1 ? explore_jobs(&o, jobs, &t) : explore_range(&o, o.k, o.shards, 1, &t);
  printf("%s%ld seeds in %.1f s (%.0f/s), %ld failures, %ld kinds\n", isatty(1) ? "\r" : "",
         t.done, now_s() - start, (double) t.done / (now_s() - start > 0 ? now_s() - start : 1),
         t.failures, t.nkinds);
  for (i = 0; i < t.nkinds; i++) printf("  %s\n", t.kinds[i]);
  if (rc != 0) return 2;
  return t.failures > 0 ? 1 : 0;
}
