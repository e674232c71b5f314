/*
 * scn_print.c - a scenario back into the text scn_parse reads: what
 * `mgsim from-fuzz` prints for a session decoded straight into lines.
 *
 * Times are printed as relative waits ("+250us"), each on a line of its own
 * as the decoder made them; strings are quoted, with every byte outside
 * printable ASCII escaped, so the text parses back to the same tokens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_internal.h"

static void put(struct mbuf *out, const char *s) { mbuf_append(out, s, strlen(s)); }

int scn_put_str(struct mbuf *out, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  size_t i, run = 0;
  int ok = mbuf_append(out, "\"", 1) == 1;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char) s[i];
    char esc[4];
    size_t n = 2;
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') continue;
    ok &= mbuf_append(out, s + run, i - run) == i - run;
    run = i + 1;
    esc[0] = '\\';
    switch (c) {
      case '\n': esc[1] = 'n'; break;
      case '\r': esc[1] = 'r'; break;
      case '\t': esc[1] = 't'; break;
      case '"': case '\\': esc[1] = (char) c; break;
      default:
        esc[1] = 'x';
        esc[2] = hex[c >> 4];
        esc[3] = hex[c & 15];
        n = 4;
        break;
    }
    ok &= mbuf_append(out, esc, n) == n;
  }
  ok &= mbuf_append(out, s + run, len - run) == len - run;
  ok &= mbuf_append(out, "\"", 1) == 1;
  return ok ? 0 : -1;
}

static void put_wait(struct mbuf *out, int64_t us) {
  char buf[40];
  if (us % 1000000 == 0) {
    snprintf(buf, sizeof(buf), "+%llds\n", (long long) (us / 1000000));
  } else {
    snprintf(buf, sizeof(buf), "+%lldus\n", (long long) us);
  }
  put(out, buf);
}

char *scn_to_text(const struct scn *sc, const char *comment) {
  struct mbuf out;
  int64_t now = 0;
  int i, k;
  mbuf_init(&out, 1024);
  if (comment != NULL) {
    put(&out, "# ");
    put(&out, comment);
    put(&out, "\n");
  }
  if (sc->has_seed) {
    char buf[40];
    snprintf(buf, sizeof(buf), "seed %llu\n", (unsigned long long) sc->seed);
    put(&out, buf);
  }
  if (sc->native_skip != NULL) {
    put(&out, "native skip ");
    scn_put_str(&out, sc->native_skip, strlen(sc->native_skip));
    put(&out, "\n");
  }
  if (sc->native_loose != 0) {
    put(&out, "native loose");
    for (k = 0; k < SCN_X_KINDS; k++) {
      if (sc->native_loose & (1u << k)) {
        put(&out, " ");
        put(&out, scn_expect_kind_names[k]);
      }
    }
    put(&out, "\n");
  }
  for (i = 0; i < sc->nlines; i++) {
    const struct scn_line *l = &sc->lines[i];
    if (l->at != now) put_wait(&out, l->at - now);
    now = l->at;
    for (k = 0; k < l->ntoks; k++) {
      const struct tok *t = &l->toks[k];
      if (k > 0) put(&out, " ");
      if (t->type == T_STR) {
        scn_put_str(&out, t->s, t->len);
      } else if (t->type == T_CONN) {
        char buf[32];
        snprintf(buf, sizeof(buf), "#%lld", t->n);
        put(&out, buf);
      } else {
        put(&out, t->s);
      }
    }
    if (l->ntoks > 0) put(&out, "\n");
  }
  if (mbuf_append(&out, "", 1) == 0) {
    mbuf_free(&out);
    return NULL;
  }
  return out.buf;
}
