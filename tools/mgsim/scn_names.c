/*
 * scn_names.c - the names a scenario uses: events, flags, errno values, the
 * ways to write bytes (strings, hex, files, repeats, patterns), and what the
 * dry pass learns of peer names line by line, so that a line bound to fail
 * when it runs is refused before anything runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scn_internal.h"

/* Largest byte string a data spec may produce. */
#define MAX_DATA_BYTES ((size_t) 64 * 1024 * 1024)

static const struct {
  const char *name;
  int ev;
} s_events[] = {
    {"POLL", MG_EV_POLL},       {"ACCEPT", MG_EV_ACCEPT},
    {"CONNECT", MG_EV_CONNECT}, {"RECV", MG_EV_RECV},
    {"SEND", MG_EV_SEND},       {"CLOSE", MG_EV_CLOSE},
    {"TIMER", MG_EV_TIMER},     {"BROADCAST", SCN_EV_BROADCAST},
    {"HTTP_REQUEST", MG_EV_HTTP_REQUEST},
    {"HTTP_REPLY", MG_EV_HTTP_REPLY},
    {"HTTP_CHUNK", MG_EV_HTTP_CHUNK},
    {"WS_HANDSHAKE_REQUEST", MG_EV_WEBSOCKET_HANDSHAKE_REQUEST},
    {"WS_HANDSHAKE_DONE", MG_EV_WEBSOCKET_HANDSHAKE_DONE},
    {"WS_FRAME", MG_EV_WEBSOCKET_FRAME},
    {"WS_CONTROL", MG_EV_WEBSOCKET_CONTROL_FRAME},
    {"MP_REQUEST", MG_EV_HTTP_MULTIPART_REQUEST},
    {"PART_BEGIN", MG_EV_HTTP_PART_BEGIN},
    {"PART_DATA", MG_EV_HTTP_PART_DATA},
    {"PART_END", MG_EV_HTTP_PART_END},
    {"MP_REQUEST_END", MG_EV_HTTP_MULTIPART_REQUEST_END},
};

int scn_event_by_name(const char *name) {
  size_t i;
  for (i = 0; i < sizeof(s_events) / sizeof(s_events[0]); i++) {
    if (strcmp(s_events[i].name, name) == 0) return s_events[i].ev;
  }
  return -1;
}

const char *scn_event_name(int ev) {
  static char buf[16];
  size_t i;
  for (i = 0; i < sizeof(s_events) / sizeof(s_events[0]); i++) {
    if (s_events[i].ev == ev) return s_events[i].name;
  }
  snprintf(buf, sizeof(buf), "EV%d", ev);
  return buf;
}

static const struct {
  const char *name;
  unsigned long flag;
} s_flags[] = {
    {"LISTENING", MG_F_LISTENING},
    {"UDP", MG_F_UDP},
    {"RESOLVING", MG_F_RESOLVING},
    {"CONNECTING", MG_F_CONNECTING},
    {"SSL", MG_F_SSL},
    {"SSL_HANDSHAKE_DONE", MG_F_SSL_HANDSHAKE_DONE},
    {"WANT_READ", MG_F_WANT_READ},
    {"WANT_WRITE", MG_F_WANT_WRITE},
    {"IS_WEBSOCKET", MG_F_IS_WEBSOCKET},
    {"SEND_AND_CLOSE", MG_F_SEND_AND_CLOSE},
    {"CLOSE_IMMEDIATELY", MG_F_CLOSE_IMMEDIATELY},
    {"WEBSOCKET_NO_DEFRAG", MG_F_WEBSOCKET_NO_DEFRAG},
    {"DELETE_CHUNK", MG_F_DELETE_CHUNK},
    {"ENABLE_BROADCAST", MG_F_ENABLE_BROADCAST},
    {"USER_1", MG_F_USER_1},
    {"USER_2", MG_F_USER_2},
    {"USER_3", MG_F_USER_3},
    {"USER_4", MG_F_USER_4},
    {"USER_5", MG_F_USER_5},
    {"USER_6", MG_F_USER_6},
};

unsigned long scn_flag_by_name(const char *name) {
  size_t i;
  for (i = 0; i < sizeof(s_flags) / sizeof(s_flags[0]); i++) {
    if (strcmp(s_flags[i].name, name) == 0) return s_flags[i].flag;
  }
  return 0;
}

static const struct {
  const char *name;
  int err;
} s_errnos[] = {
    {"ECONNREFUSED", ECONNREFUSED}, {"ETIMEDOUT", ETIMEDOUT},
    {"ECONNRESET", ECONNRESET},     {"EHOSTUNREACH", EHOSTUNREACH},
    {"ENOBUFS", ENOBUFS},           {"ENOMEM", ENOMEM},
    {"EPIPE", EPIPE},               {"EBADF", EBADF},
    {"EADDRINUSE", EADDRINUSE},     {"EAFNOSUPPORT", EAFNOSUPPORT},
    {"EPROTO", EPROTO},
};

int scn_errno_by_name(const char *name, long long *out) {
  size_t i;
  char *end;
  for (i = 0; i < sizeof(s_errnos) / sizeof(s_errnos[0]); i++) {
    if (strcmp(s_errnos[i].name, name) == 0) {
      *out = s_errnos[i].err;
      return 0;
    }
  }
  *out = strtoll(name, &end, 10);
  return *name != '\0' && *end == '\0' ? 0 : -1;
}

const char *scn_errno_name(long long err) {
  static char buf[24];
  size_t i;
  for (i = 0; i < sizeof(s_errnos) / sizeof(s_errnos[0]); i++) {
    if (s_errnos[i].err == err) return s_errnos[i].name;
  }
  snprintf(buf, sizeof(buf), "%lld", err);
  return buf;
}

int scn_parse_uint(const char *s, uint64_t max, uint64_t *out) {
  uint64_t v = 0;
  if (*s == '\0') return -1;
  for (; *s != '\0'; s++) {
    unsigned d = (unsigned) (*s - '0');
    if (*s < '0' || *s > '9' || d > max || v > (max - d) / 10) return -1;
    v = v * 10 + d;
  }
  *out = v;
  return 0;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Whether out (NULL: empty) stays within the limit with add more bytes. */
static int fits(const struct mbuf *out, size_t add) {
  size_t have = out != NULL ? out->len : 0;
  return add <= MAX_DATA_BYTES && have <= MAX_DATA_BYTES - add;
}

static int append(struct mbuf *out, const void *data, size_t n, char *err,
                  size_t errlen) {
  if (out != NULL && n > 0 && mbuf_append(out, data, n) != n) FAIL("out of memory");
  return 0;
}

/* A data file must be a regular file: a FIFO would block the run, a
 * device never end, a directory read as nothing. It is opened without
 * blocking and checked through the descriptor, which is the file read,
 * whatever the path names by then. out NULL: only checked. */
static int read_file(const struct scn *sc, const char *name, struct mbuf *out,
                     char *err, size_t errlen) {
  char path[4096], buf[8192];
  struct stat st;
  int fd, n;
  n = name[0] == '/' ? snprintf(path, sizeof(path), "%s", name)
                     : snprintf(path, sizeof(path), "%s/%s", sc->basedir, name);
  if (n < 0 || (size_t) n >= sizeof(path)) {
    FAIL("file path '%.100s...' is too long (%d bytes at most)", name, (int) sizeof(path) - 1);
  }
  if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
    FAIL("cannot open file '%s': %s", path, strerror(errno));
  }
  if (fstat(fd, &st) != 0) {
    snprintf(err, errlen, "cannot stat file '%s': %s", path, strerror(errno));
  } else if (!S_ISREG(st.st_mode)) {
    snprintf(err, errlen, "file '%s' is not a regular file", path);
  } else if ((uint64_t) st.st_size > MAX_DATA_BYTES || !fits(out, (size_t) st.st_size)) {
    snprintf(err, errlen, "file '%s' is too large (%lld bytes; data is limited to %zu)",
             path, (long long) st.st_size, MAX_DATA_BYTES);
  } else {
    err[0] = '\0';
    /* Read to the end rather than to st_size: the file may have changed. */
    while (out != NULL) {
      ssize_t got = read(fd, buf, sizeof(buf));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) {
        snprintf(err, errlen, "cannot read file '%s': %s", path, strerror(errno));
        break;
      }
      if (got == 0) break;
      if (!fits(out, (size_t) got)) {
        snprintf(err, errlen, "file '%s' is too large (data is limited to %zu bytes)",
                 path, MAX_DATA_BYTES);
        break;
      }
      if (append(out, buf, (size_t) got, err, errlen) != 0) break;
    }
  }
  close(fd);
  return err[0] == '\0' ? 0 : -1;
}

int scn_data(const struct scn *sc, const struct tok *t, int n, struct mbuf *out,
             char *err, size_t errlen) {
  uint64_t count;
  size_t i;
  if (n < 1) {
    FAIL("data expected: \"text\", hex HEX, file PATH, repeat N \"text\" or pattern N");
  }
  if (t[0].type == T_STR) {
    if (!fits(out, t[0].len)) {
      FAIL("%zu bytes of data: over the limit of %zu", t[0].len, MAX_DATA_BYTES);
    }
    return append(out, t[0].s, t[0].len, err, errlen) == 0 ? 1 : -1;
  }
  if (t[0].type != T_WORD || n < 2) FAIL("data expected, not '%s'", t[0].s);
  if (strcmp(t[0].s, "hex") == 0) {
    /* Decoded in pieces, appended a piece at a time: byte-sized appends
     * cost most of a fuzzed scenario's parse. */
    const char *p = t[1].s;
    char piece[256];
    size_t k = 0, bytes = 0;
    while (*p != '\0') {
      int hi, lo;
      if (*p == ' ' || *p == ':') {
        p++;
        continue;
      }
      hi = hexval(p[0]);
      lo = hi >= 0 ? hexval(p[1]) : -1;
      if (lo < 0) FAIL("bad hex data near '%.40s'", p);
      piece[k++] = (char) (hi * 16 + lo);
      bytes++;
      if (k == sizeof(piece)) {
        if (!fits(out, k)) FAIL("hex data over the limit of %zu bytes", MAX_DATA_BYTES);
        if (append(out, piece, k, err, errlen) != 0) return -1;
        k = 0;
      }
      p += 2;
    }
    if (!fits(out, k) || bytes > MAX_DATA_BYTES) {
      FAIL("hex data over the limit of %zu bytes", MAX_DATA_BYTES);
    }
    return append(out, piece, k, err, errlen) == 0 ? 2 : -1;
  }
  if (strcmp(t[0].s, "file") == 0) {
    return read_file(sc, t[1].s, out, err, errlen) == 0 ? 2 : -1;
  }
  if (strcmp(t[0].s, "pattern") == 0) {
    if (t[1].type != T_WORD || scn_parse_uint(t[1].s, MAX_DATA_BYTES, &count) != 0) {
      FAIL("pattern wants a byte count of 0..%zu, not '%s'", MAX_DATA_BYTES, t[1].s);
    }
    if (!fits(out, (size_t) count)) FAIL("data over the limit of %zu bytes", MAX_DATA_BYTES);
    if (out != NULL && count > 0) {
      size_t at = out->len;
      if (mbuf_append(out, NULL, (size_t) count) != count) FAIL("out of memory");
      for (i = 0; i < count; i++) out->buf[at + i] = (char) ('a' + i % 26);
    }
    return 2;
  }
  if (strcmp(t[0].s, "repeat") == 0) {
    size_t len;
    if (n < 3 || t[2].type != T_STR) FAIL("usage: repeat N \"text\"");
    if (t[1].type != T_WORD || scn_parse_uint(t[1].s, MAX_DATA_BYTES, &count) != 0) {
      FAIL("repeat wants a count of 0..%zu, not '%s'", MAX_DATA_BYTES, t[1].s);
    }
    len = t[2].len;
    /* count is at most the limit, so an empty text ends here too. */
    if (len > 0 && (count > MAX_DATA_BYTES / len || !fits(out, (size_t) count * len))) {
      FAIL("repeat %llu x %zu bytes: over the limit of %zu bytes",
           (unsigned long long) count, len, MAX_DATA_BYTES);
    }
    if (out != NULL && count > 0 && len > 0) {
      size_t at = out->len, total = (size_t) count * len;
      if (mbuf_append(out, NULL, total) != total) FAIL("out of memory");
      for (i = 0; i < count; i++) memcpy(out->buf + at + i * len, t[2].s, len);
    }
    return 3;
  }
  FAIL("data expected, not '%s'", t[0].s);
}

/* ---- what the dry pass knows of names ------------------------------------ */

/* The simulation keeps a peer's name in 40 bytes and a DNS name in 256
 * (simiface/sim_internal.h); a longer one would fail only when it runs. */
#define PEER_NAME_MAX 39
#define DNS_NAME_MAX 255

/* How a peer was set up. A connection a listening peer accepts is a peer
 * of the simulation's making, "NAME.1", "NAME.2"..., whose existence at a
 * given line depends on the run: such names are only ever allowed. */
enum peer_kind { PK_NEW, PK_TCP, PK_LISTEN, PK_UDP, PK_ACCEPTED };

struct dry_peer {
  char *name; /* NULL: a free slot */
  size_t len;
  enum peer_kind kind;
  int line;        /* where it was set up (or first named) */
  int closed_line; /* where it sent FIN or RST; 0: not yet */
};

/* Open addressing, so that a file naming many peers stays linear. */
struct scn_names {
  struct dry_peer *tab;
  size_t cap, used; /* cap: a power of two, at least twice used */
  int mgr_freed;    /* the line of "mgr free"; 0: none */
};

static size_t name_hash(const char *s, size_t n) {
  uint64_t h = 14695981039346656037ULL; /* FNV-1a */
  size_t i;
  for (i = 0; i < n; i++) h = (h ^ (unsigned char) s[i]) * 1099511628211ULL;
  return (size_t) (h ^ (h >> 32));
}

static struct dry_peer *peer_find(const struct scn_names *nm, const char *s, size_t n) {
  size_t i;
  if (nm->cap == 0) return NULL;
  for (i = name_hash(s, n) & (nm->cap - 1); nm->tab[i].name != NULL;
       i = (i + 1) & (nm->cap - 1)) {
    if (nm->tab[i].len == n && memcmp(nm->tab[i].name, s, n) == 0) return &nm->tab[i];
  }
  return NULL;
}

static struct dry_peer *peer_add(struct scn_names *nm, const char *s, size_t n,
                                 enum peer_kind kind, int line) {
  struct dry_peer *e;
  size_t i;
  if ((nm->used + 1) * 2 > nm->cap) {
    size_t cap = nm->cap ? nm->cap * 2 : 16, k;
    struct dry_peer *tab = (struct dry_peer *) calloc(cap, sizeof(*tab));
    if (tab == NULL) return NULL;
    for (k = 0; k < nm->cap; k++) {
      if (nm->tab[k].name == NULL) continue;
      for (i = name_hash(nm->tab[k].name, nm->tab[k].len) & (cap - 1); tab[i].name != NULL;
           i = (i + 1) & (cap - 1)) {
      }
      tab[i] = nm->tab[k];
    }
    free(nm->tab);
    nm->tab = tab;
    nm->cap = cap;
  }
  for (i = name_hash(s, n) & (nm->cap - 1); nm->tab[i].name != NULL;
       i = (i + 1) & (nm->cap - 1)) {
  }
  e = &nm->tab[i];
  if ((e->name = (char *) malloc(n + 1)) == NULL) return NULL;
  memcpy(e->name, s, n);
  e->name[n] = '\0';
  e->len = n;
  e->kind = kind;
  e->line = line;
  e->closed_line = 0;
  nm->used++;
  return e;
}

/* "PREFIX.N" (N from 1, as the simulation counts) whose PREFIX listens: a
 * connection that peer may have accepted by then. */
static int accepted_name(const struct scn_names *nm, const char *name) {
  const char *dot = strrchr(name, '.');
  const struct dry_peer *l;
  if (dot == NULL || dot[1] < '1' || dot[1] > '9' ||
      strspn(dot + 1, "0123456789") != strlen(dot + 1)) {
    return 0;
  }
  l = peer_find(nm, name, (size_t) (dot - name));
  return l != NULL && l->kind == PK_LISTEN;
}

/* "link.N": the relay the simulation makes when the engine connects to
 * one of its own listeners. */
static int relay_name(const char *name) {
  return strncmp(name, "link.", 5) == 0 && name[5] >= '1' && name[5] <= '9' &&
         strspn(name + 5, "0123456789") == strlen(name + 5);
}

static const char *kind_name(enum peer_kind k) {
  switch (k) {
    case PK_TCP: return "connect";
    case PK_LISTEN: return "listen";
    case PK_UDP: return "udp";
    default: return "";
  }
}

/* peer NAME VERB ...: what the simulation would refuse, whatever the run. */
static int check_peer(struct scn_names *nm, const char *name, const char *verb,
                      int line, char *err, size_t errlen) {
  size_t len = strlen(name);
  struct dry_peer *e;
  enum peer_kind kind;
  if (len > PEER_NAME_MAX) {
    FAIL("peer name '%.40s...' is too long (%zu bytes; at most %d)", name, len, PEER_NAME_MAX);
  }
  e = peer_find(nm, name, len);
  if (e == NULL) {
    kind = accepted_name(nm, name) ? PK_ACCEPTED : PK_NEW;
    if ((e = peer_add(nm, name, len, kind, line)) == NULL) FAIL("out of memory");
  }
  if (strcmp(verb, "connect") == 0 || strcmp(verb, "listen") == 0 ||
      strcmp(verb, "udp") == 0) {
    if (e->kind != PK_NEW && e->kind != PK_ACCEPTED) {
      FAIL("peer %s is in use: line %d made it '%s' (a peer connects, listens or "
           "binds once)", name, e->line, kind_name(e->kind));
    }
    /* An accepted connection's name set up anew is the script's to use:
     * the simulation's own would be refused, not this line. */
    e->kind = verb[0] == 'c' ? PK_TCP : verb[0] == 'l' ? PK_LISTEN : PK_UDP;
    e->line = line;
    return 0;
  }
  if (strcmp(verb, "send") == 0 || strcmp(verb, "close") == 0 ||
      strcmp(verb, "reset") == 0) {
    if (e->kind == PK_LISTEN) {
      FAIL("peer %s has no TCP connection: it listens (line %d); its accepted "
           "connections are %s.1, %s.2...", name, e->line, name, name);
    }
    if (e->kind == PK_UDP) {
      FAIL("peer %s has no TCP connection: it is a UDP peer (line %d), which "
           "uses sendto", name, e->line);
    }
    if (e->kind == PK_NEW) {
      FAIL("peer %s has no TCP connection: no 'peer %s connect' before this line%s",
           name, name, relay_name(name) ? " (and a relay cannot be driven)" : "");
    }
    if (verb[0] == 's' && e->closed_line != 0) {
      FAIL("peer %s already closed its side (line %d)", name, e->closed_line);
    }
    if (verb[0] != 's' && e->closed_line == 0) e->closed_line = line;
    return 0;
  }
  if (strcmp(verb, "sendto") == 0 && e->kind != PK_UDP) {
    FAIL("peer %s is not a UDP peer: no 'peer %s udp' before this line", name, name);
  }
  return 0;
}

int scn_names_check(struct scn_ctx *ctx, const struct scn_line *ln, char *err,
                    size_t errlen) {
  const struct tok *t = ln->toks;
  int n = ln->ntoks;
  struct scn_names *nm = ctx->names;
  if (nm == NULL) {
    if ((nm = (struct scn_names *) calloc(1, sizeof(*nm))) == NULL) FAIL("out of memory");
    ctx->names = nm;
  }
  if (n < 1 || t[0].type != T_WORD) return 0; /* the command says what is wrong */
  if (nm->mgr_freed != 0 &&
      (is_word(&t[0], "app") || is_word(&t[0], "conn") || is_word(&t[0], "mgr"))) {
    FAIL("'%s' after 'mgr free' (line %d): the manager is gone", t[0].s, nm->mgr_freed);
  }
  if (is_word(&t[0], "mgr") && n == 2 && is_word(&t[1], "free")) {
    nm->mgr_freed = ln->lineno;
  } else if (is_word(&t[0], "dns") && n >= 2 && t[1].type == T_WORD &&
             t[1].len > DNS_NAME_MAX) {
    FAIL("DNS name '%.40s...' is too long (%zu bytes; at most %d)", t[1].s, t[1].len,
         DNS_NAME_MAX);
  } else if (is_word(&t[0], "peer") && n >= 3 && t[1].type == T_WORD &&
             t[2].type == T_WORD) {
    return check_peer(nm, t[1].s, t[2].s, ln->lineno, err, errlen);
  } else if (is_word(&t[0], "expect") && n >= 3 && is_word(&t[1], "peer") &&
             t[2].type == T_WORD && peer_find(nm, t[2].s, t[2].len) == NULL &&
             !accepted_name(nm, t[2].s) && !relay_name(t[2].s)) {
    FAIL("there is no peer '%s': no 'peer %s ...' line before this one", t[2].s, t[2].s);
  }
  return 0;
}

void scn_names_free(struct scn_ctx *ctx) {
  struct scn_names *nm = ctx->names;
  size_t i;
  if (nm == NULL) return;
  for (i = 0; i < nm->cap; i++) free(nm->tab[i].name);
  free(nm->tab);
  free(nm);
  ctx->names = NULL;
}
