/*
 * scn_parse.c - a scenario file into timed lines, every line checked before
 * anything runs: a malformed file is reported as "path:line: what", never
 * half-run.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scn_internal.h"

/* A built scenario's memory: a chain of blocks, bumped through, so that a
 * fuzz input becomes a scenario in a handful of allocations. */
struct scn_block {
  struct scn_block *next;
  size_t used, cap;
  char data[];
};

void scn_free(struct scn *sc) {
  int i;
  if (sc == NULL) return;
  if (sc->blocks != NULL) {
    while (sc->blocks != NULL) {
      struct scn_block *b = sc->blocks;
      sc->blocks = b->next;
      free(b);
    }
  } else {
    for (i = 0; i < sc->nlines; i++) {
      scn_free_toks(sc->lines[i].toks, sc->lines[i].ntoks);
    }
    free(sc->path);
    free(sc->basedir);
  }
  free(sc->native_skip);
  free(sc->lines);
  free(sc);
}

/* n bytes from sc's blocks, aligned for a token array; NULL: out of
 * memory. (malloc aligns data[] at least as strictly as a struct tok.) */
static void *block_alloc(struct scn *sc, size_t n) {
  struct scn_block *b = sc->blocks;
  const size_t align = _Alignof(struct tok);
  size_t at = b != NULL ? (b->used + align - 1) / align * align : 0;
  if (b == NULL || at + n > b->cap) {
    size_t cap = n > 8192 ? n : 8192;
    if ((b = (struct scn_block *) malloc(sizeof(*b) + cap)) == NULL) return NULL;
    b->next = sc->blocks;
    b->used = 0;
    b->cap = cap;
    sc->blocks = b;
    at = 0;
  }
  b->used = at + n;
  return b->data + at;
}

static char *block_str(struct scn *sc, const char *s, size_t len) {
  char *d = (char *) block_alloc(sc, len + 1);
  if (d != NULL) {
    memcpy(d, s, len);
    d[len] = '\0';
  }
  return d;
}

struct scn *scn_new(const char *path, const char *basedir) {
  struct scn *sc = (struct scn *) calloc(1, sizeof(*sc));
  if (sc == NULL) return NULL;
  if ((sc->path = block_str(sc, path, strlen(path))) == NULL ||
      (sc->basedir = block_str(sc, basedir, strlen(basedir))) == NULL) {
    scn_free(sc);
    return NULL;
  }
  return sc;
}

struct tok scn_tok_word(const char *word) {
  struct tok t;
  memset(&t, 0, sizeof(t));
  t.type = T_WORD;
  t.s = (char *) word; /* borrowed until scn_add_line copies it */
  t.len = strlen(word);
  return t;
}

struct tok scn_tok_str(const void *data, size_t len) {
  struct tok t;
  memset(&t, 0, sizeof(t));
  t.type = T_STR;
  t.s = (char *) data; /* borrowed until scn_add_line copies it */
  t.len = len;
  return t;
}

static char *dup_str(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = (char *) malloc(n);
  if (d != NULL) memcpy(d, s, n);
  return d;
}

static int add_line(struct scn *sc, int lineno, int64_t at, struct tok *toks,
                    int ntoks) {
  struct scn_line *l;
  if (sc->nlines == sc->lines_cap) { /* doubling: decoded sessions are long */
    int cap = sc->lines_cap > 0 ? sc->lines_cap * 2 : 16;
    l = (struct scn_line *) realloc(sc->lines, (size_t) cap * sizeof(*l));
    if (l == NULL) return -1;
    sc->lines = l;
    sc->lines_cap = cap;
  }
  l = &sc->lines[sc->nlines++];
  l->lineno = lineno;
  l->at = at;
  l->toks = toks;
  l->ntoks = ntoks;
  return 0;
}

int scn_add_line(struct scn *sc, int64_t at, const struct tok *toks, int ntoks) {
  struct tok *copy = NULL;
  int i;
  assert(sc->blocks != NULL); /* only built scenarios take lines this way */
  if (ntoks > 0) {
    if ((copy = (struct tok *) block_alloc(sc, (size_t) ntoks * sizeof(*copy))) == NULL) {
      return -1;
    }
    for (i = 0; i < ntoks; i++) {
      copy[i] = toks[i];
      if ((copy[i].s = block_str(sc, toks[i].s, toks[i].len)) == NULL) return -1;
    }
  }
  return add_line(sc, sc->nlines + 1, at, copy, ntoks);
}

static int parse_seed(struct scn *sc, const struct tok *t, int n, char *msg,
                      size_t len) {
  uint64_t v;
  if (n != 2 || t[1].type != T_WORD) {
    snprintf(msg, len, "usage: seed N");
    return -1;
  }
  if (scn_parse_uint(t[1].s, UINT64_MAX, &v) != 0) {
    snprintf(msg, len, "seed wants an integer 0..%llu, not '%s'",
             (unsigned long long) UINT64_MAX, t[1].s);
    return -1;
  }
  sc->seed = v;
  sc->has_seed = 1;
  return 0;
}

const char *const scn_expect_kind_names[SCN_X_KINDS] = {
    "event", "count", "sum", "nothing", "quiet", "peer", "order", "conns", "flags"};

/* native skip "REASON" | native loose KIND... */
static int parse_native(struct scn *sc, const struct tok *t, int n, char *msg,
                        size_t len) {
  int i, k;
  if (n == 3 && is_word(&t[1], "skip") && t[2].type == T_STR && t[2].len > 0 &&
      strlen(t[2].s) == t[2].len) {
    if (sc->native_skip != NULL) {
      snprintf(msg, len, "a second 'native skip'");
      return -1;
    }
    if ((sc->native_skip = dup_str(t[2].s)) == NULL) {
      snprintf(msg, len, "out of memory");
      return -1;
    }
    return 0;
  }
  if (n >= 3 && is_word(&t[1], "loose")) {
    for (i = 2; i < n; i++) {
      for (k = 0; k < SCN_X_KINDS; k++) {
        if (is_word(&t[i], scn_expect_kind_names[k])) break;
      }
      if (k == SCN_X_KINDS) {
        snprintf(msg, len, "'%s' is not a kind of expectation (event, count, sum, "
                 "nothing, quiet, peer, order, conns, flags)", t[i].s);
        return -1;
      }
      sc->native_loose |= 1u << k;
    }
    return 0;
  }
  snprintf(msg, len, "usage: native skip \"REASON\" | native loose KIND...");
  return -1;
}

/* One line (text, n bytes, no newline) into sc, checked. 0, or -1 with
 * the reason in msg. */
static int parse_line(struct scn *sc, struct scn_ctx *dry, const char *text,
                      size_t n, int lineno, int64_t *now, char *msg, size_t len) {
  char *line;
  struct tok *toks;
  int ntoks, first = 0, rc;
  if (memchr(text, '\0', n) != NULL) {
    snprintf(msg, len, "NUL byte in the file");
    return -1;
  }
  if ((line = (char *) malloc(n + 1)) == NULL) {
    snprintf(msg, len, "out of memory");
    return -1;
  }
  memcpy(line, text, n);
  line[n] = '\0';
  rc = scn_lex_line(line, &toks, &ntoks, msg, len);
  free(line);
  if (rc != 0) return -1;
  if (ntoks == 0) {
    free(toks);
    return 0;
  }
  if (toks[0].type == T_TIME_ABS || toks[0].type == T_TIME_REL) {
    /* Both parts are at most SCN_MAX_US: the sum cannot overflow. */
    int64_t t = toks[0].type == T_TIME_ABS ? toks[0].us : *now + toks[0].us;
    if (t < *now) {
      snprintf(msg, len, "time goes backwards (%s is before %lld us)", toks[0].s,
               (long long) *now);
      scn_free_toks(toks, ntoks);
      return -1;
    }
    if ((uint64_t) t > SCN_MAX_US) {
      snprintf(msg, len, "%s goes past the latest time a scenario may reach (%llu s)",
               toks[0].s, (unsigned long long) (SCN_MAX_US / 1000000));
      scn_free_toks(toks, ntoks);
      return -1;
    }
    *now = t;
    first = 1;
  }
  if (first == ntoks) { /* a bare time: run until then */
    scn_free_toks(toks, ntoks);
    if (add_line(sc, lineno, *now, NULL, 0) == 0) return 0;
    snprintf(msg, len, "out of memory");
    return -1;
  }
  /* Drop the time token; the line keeps its absolute time. */
  if (first == 1) {
    free(toks[0].s);
    memmove(toks, toks + 1, (size_t) (ntoks - 1) * sizeof(*toks));
    ntoks--;
  }
  if (toks[0].type == T_WORD && strcmp(toks[0].s, "seed") == 0) {
    rc = parse_seed(sc, toks, ntoks, msg, len);
    scn_free_toks(toks, ntoks);
    return rc;
  }
  if (toks[0].type == T_WORD && strcmp(toks[0].s, "native") == 0) {
    rc = parse_native(sc, toks, ntoks, msg, len);
    scn_free_toks(toks, ntoks);
    return rc;
  }
  if (add_line(sc, lineno, *now, toks, ntoks) != 0) {
    scn_free_toks(toks, ntoks);
    snprintf(msg, len, "out of memory");
    return -1;
  }
  /* The line's own arguments first, then what the lines before it make of
   * its names. */
  if (scn_exec(dry, &sc->lines[sc->nlines - 1], 1, msg, len) != 0) return -1;
  return scn_names_check(dry, &sc->lines[sc->nlines - 1], msg, len);
}

struct scn *scn_parse(const char *text, size_t len, const char *path,
                      char *err, size_t errlen) {
  struct scn *sc = (struct scn *) calloc(1, sizeof(*sc));
  struct scn_ctx dry;
  const char *p = text, *end = text + len, *slash;
  int64_t now = 0;
  int lineno = 0;
  char msg[256];

  if (sc == NULL || (sc->path = dup_str(path)) == NULL) {
    snprintf(err, errlen, "%s: out of memory", path);
    scn_free(sc);
    return NULL;
  }
  slash = strrchr(path, '/');
  sc->basedir = slash != NULL ? (char *) malloc((size_t) (slash - path) + 1)
                              : dup_str(".");
  if (sc->basedir == NULL) {
    snprintf(err, errlen, "%s: out of memory", path);
    scn_free(sc);
    return NULL;
  }
  if (slash != NULL) {
    memcpy(sc->basedir, path, (size_t) (slash - path));
    sc->basedir[slash - path] = '\0';
  }
  { /* absolute, since the run changes into it */
    char *abs = realpath(sc->basedir, NULL);
    if (abs != NULL) {
      free(sc->basedir);
      sc->basedir = abs;
    }
  }
  memset(&dry, 0, sizeof(dry));
  dry.sc = sc;

  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t) (end - p));
    size_t n = nl != NULL ? (size_t) (nl - p) : (size_t) (end - p);
    if (lineno == INT_MAX) {
      snprintf(err, errlen, "%s: more than %d lines", path, INT_MAX - 1);
      break;
    }
    lineno++;
    if (parse_line(sc, &dry, p, n, lineno, &now, msg, sizeof(msg)) != 0) {
      snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
      break;
    }
    p += n + (nl != NULL);
  }
  scn_names_free(&dry);
  if (p < end) {
    scn_free(sc);
    return NULL;
  }
  return sc;
}

/* Scenario files must be regular files: a FIFO would block, a device never
 * end. Opened without blocking, then checked through the descriptor, so
 * that what is checked is what is read. */
struct scn *scn_load(const char *path, char *err, size_t errlen) {
  struct scn *sc;
  struct stat st;
  char *buf = NULL;
  size_t size = 0;
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  if (fstat(fd, &st) != 0) {
    snprintf(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
  } else if (!S_ISREG(st.st_mode)) {
    snprintf(err, errlen, "%s: not a regular file", path);
  } else if (st.st_size > SCN_MAX_FILE_BYTES) {
    snprintf(err, errlen, "%s: larger than %d bytes", path, SCN_MAX_FILE_BYTES);
  } else if ((buf = (char *) malloc(SCN_MAX_FILE_BYTES + 1)) == NULL) {
    snprintf(err, errlen, "%s: out of memory", path);
  } else {
    err[0] = '\0';
    /* To the end, not to st_size: the file may change while it is read.
     * One byte more than the limit tells a file that grew past it. */
    while (size <= SCN_MAX_FILE_BYTES) {
      ssize_t got = read(fd, buf + size, SCN_MAX_FILE_BYTES + 1 - size);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) {
        snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
        break;
      }
      if (got == 0) break;
      size += (size_t) got;
    }
    if (err[0] == '\0' && size > SCN_MAX_FILE_BYTES) {
      snprintf(err, errlen, "%s: larger than %d bytes", path, SCN_MAX_FILE_BYTES);
    }
  }
  close(fd);
  if (buf == NULL || err[0] != '\0') {
    free(buf);
    return NULL;
  }
  sc = scn_parse(buf, size, path, err, errlen);
  free(buf);
  return sc;
}
