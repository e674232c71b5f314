/*
 * scn_parse.c - a scenario file into timed lines, every line checked before
 * anything runs: a malformed file is reported as "path:line: what", never
 * half-run.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_internal.h"

/* Scenario files are small; anything larger is a mistake, not a script. */
#define MAX_SCENARIO_BYTES (4 * 1024 * 1024)

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
  char *end;
  unsigned long long v;
  if (n != 2 || t[1].type != T_WORD) {
    snprintf(msg, len, "usage: seed N");
    return -1;
  }
  v = strtoull(t[1].s, &end, 10);
  if (*end != '\0' || t[1].s[0] == '-') {
    snprintf(msg, len, "seed wants a non-negative integer, not '%s'", t[1].s);
    return -1;
  }
  sc->seed = v;
  sc->has_seed = 1;
  return 0;
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
    char *line;
    struct tok *toks;
    int ntoks, first = 0;
    lineno++;
    if (memchr(p, '\0', n) != NULL) {
      snprintf(err, errlen, "%s:%d: NUL byte in the file", path, lineno);
      scn_free(sc);
      return NULL;
    }
    if ((line = (char *) malloc(n + 1)) == NULL) {
      snprintf(err, errlen, "%s:%d: out of memory", path, lineno);
      scn_free(sc);
      return NULL;
    }
    memcpy(line, p, n);
    line[n] = '\0';
    p += n + (nl != NULL);
    if (scn_lex_line(line, &toks, &ntoks, msg, sizeof(msg)) != 0) {
      free(line);
      snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
      scn_free(sc);
      return NULL;
    }
    free(line);
    if (ntoks == 0) {
      free(toks);
      continue;
    }
    if (toks[0].type == T_TIME_ABS || toks[0].type == T_TIME_REL) {
      int64_t t = toks[0].type == T_TIME_ABS ? toks[0].us : now + toks[0].us;
      if (t < now) {
        snprintf(err, errlen, "%s:%d: time goes backwards (%s is before %lld us)",
                 path, lineno, toks[0].s, (long long) now);
        scn_free_toks(toks, ntoks);
        scn_free(sc);
        return NULL;
      }
      now = t;
      first = 1;
    }
    if (first == ntoks) { /* a bare time: run until then */
      scn_free_toks(toks, ntoks);
      if (add_line(sc, lineno, now, NULL, 0) != 0) goto oom;
      continue;
    }
    /* Drop the time token; the line keeps its absolute time. */
    if (first == 1) {
      free(toks[0].s);
      memmove(toks, toks + 1, (size_t) (ntoks - 1) * sizeof(*toks));
      ntoks--;
    }
    if (toks[0].type == T_WORD && strcmp(toks[0].s, "seed") == 0) {
      int rc = parse_seed(sc, toks, ntoks, msg, sizeof(msg));
      scn_free_toks(toks, ntoks);
      if (rc != 0) {
        snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
        scn_free(sc);
        return NULL;
      }
      continue;
    }
    if (add_line(sc, lineno, now, toks, ntoks) != 0) {
      scn_free_toks(toks, ntoks);
      goto oom;
    }
    if (scn_exec(&dry, &sc->lines[sc->nlines - 1], 1, msg, sizeof(msg)) != 0) {
      snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
      scn_free(sc);
      return NULL;
    }
  }
  return sc;
oom:
  snprintf(err, errlen, "%s:%d: out of memory", path, lineno);
  scn_free(sc);
  return NULL;
}

struct scn *scn_load(const char *path, char *err, size_t errlen) {
  FILE *fp = fopen(path, "rb");
  struct scn *sc;
  char *buf;
  long size;
  if (fp == NULL) {
    snprintf(err, errlen, "%s: cannot open", path);
    return NULL;
  }
  if (fseek(fp, 0, SEEK_END) != 0 || (size = ftell(fp)) < 0 ||
      size > MAX_SCENARIO_BYTES || fseek(fp, 0, SEEK_SET) != 0) {
    fclose(fp);
    snprintf(err, errlen, "%s: unreadable or larger than %d bytes", path,
             MAX_SCENARIO_BYTES);
    return NULL;
  }
  if ((buf = (char *) malloc((size_t) size + 1)) == NULL ||
      fread(buf, 1, (size_t) size, fp) != (size_t) size) {
    free(buf);
    fclose(fp);
    snprintf(err, errlen, "%s: read error", path);
    return NULL;
  }
  fclose(fp);
  sc = scn_parse(buf, (size_t) size, path, err, errlen);
  free(buf);
  return sc;
}
