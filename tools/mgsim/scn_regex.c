/*
 * scn_regex.c - POSIX EREs compiled to a small NFA program and run as a
 * Pike-style simulation: every live state advances one byte at a time, so
 * nothing backtracks and no subject can make a search slower than
 * O(program x subject).
 *
 * The parser emits code as it goes. A repetition rewrites the code of the
 * atom just parsed (inserting a split before it, or copying it m times), so
 * the program size is known, and capped, before any of it is run.
 */
#include "scn_regex.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum op {
  OP_CHAR,  /* c */
  OP_ANY,   /* any byte */
  OP_SET,   /* a byte in sets[x] */
  OP_BOL,   /* at the subject's start */
  OP_EOL,   /* at its end */
  OP_SPLIT, /* go on at x and at y */
  OP_JMP,   /* go on at x */
  OP_MATCH
};

struct inst {
  unsigned char op, c;
  int x, y;
};

struct thread {
  int pc;
  size_t start; /* where the match it is part of began */
};

struct scn_re {
  struct inst *code;
  int n;
  unsigned char (*sets)[32]; /* bitmaps of bracket expressions */
  int nsets;
  /* Working memory of a search, sized by the program: */
  struct thread *cur, *next;
  int *stack;
  size_t *mark; /* mark[pc] == gen: pc is already on the list being built */
  size_t gen;
};

struct comp {
  const unsigned char *p;
  size_t len, pos;
  struct scn_re *re;
  int cap, setcap;
  enum scn_re_status st;
  char *err;
  size_t errlen;
};

static int fail(struct comp *c, enum scn_re_status st, const char *fmt, ...) {
  va_list ap;
  int o;
  if (c->st != SCN_RE_OK) return -1;
  c->st = st;
  o = snprintf(c->err, c->errlen, "at offset %zu: ", c->pos);
  if (o >= 0 && (size_t) o < c->errlen) {
    va_start(ap, fmt);
    vsnprintf(c->err + o, c->errlen - (size_t) o, fmt, ap);
    va_end(ap);
  }
  return -1;
}

/* Room for k more instructions: the one place the program size is capped. */
static int reserve(struct comp *c, long k) {
  struct scn_re *re = c->re;
  if (k > SCN_RE_MAX_PROG - re->n) {
    return fail(c, SCN_RE_ELIMIT, "the compiled program would exceed %d instructions "
                "(counted repetitions are expanded)", SCN_RE_MAX_PROG);
  }
  if (re->n + k > c->cap) {
    int cap = c->cap > 0 ? c->cap : 64;
    struct inst *code;
    while (cap < re->n + k) cap *= 2;
    if (cap > SCN_RE_MAX_PROG) cap = SCN_RE_MAX_PROG;
    if ((code = (struct inst *) realloc(re->code, (size_t) cap * sizeof(*code))) == NULL) {
      return fail(c, SCN_RE_ENOMEM, "out of memory");
    }
    re->code = code;
    c->cap = cap;
  }
  return 0;
}

static int emit(struct comp *c, int op, int ch, int x, int y) {
  struct inst *in;
  if (reserve(c, 1) != 0) return -1;
  in = &c->re->code[c->re->n];
  in->op = (unsigned char) op;
  in->c = (unsigned char) ch;
  in->x = x;
  in->y = y;
  return c->re->n++;
}

/* Code compiled for one subexpression jumps only within itself or to its
 * own end; moved from base `from` to `to`, its targets move with it. */
static void relocate(struct inst *code, int n, int from, int to) {
  int i;
  for (i = 0; i < n; i++) {
    if (code[i].op == OP_SPLIT || code[i].op == OP_JMP) {
      code[i].x += to - from;
      if (code[i].op == OP_SPLIT) code[i].y += to - from;
    }
  }
}

/* Opens a gap of one instruction at `at` (code after it moves up by one)
 * and returns its index. */
static int insert(struct comp *c, int at) {
  struct scn_re *re = c->re;
  if (reserve(c, 1) != 0) return -1;
  memmove(&re->code[at + 1], &re->code[at], (size_t) (re->n - at) * sizeof(*re->code));
  re->n++;
  relocate(&re->code[at + 1], re->n - at - 1, at, at + 1);
  return at;
}

/* Appends a copy of body (n instructions compiled at base `from`). */
static int append(struct comp *c, const struct inst *body, int n, int from) {
  struct scn_re *re = c->re;
  if (n == 0) return 0; /* an empty group: and the code may not exist yet */
  if (reserve(c, n) != 0) return -1;
  memcpy(&re->code[re->n], body, (size_t) n * sizeof(*body));
  relocate(&re->code[re->n], n, from, re->n);
  re->n += n;
  return 0;
}

static int peek(const struct comp *c) {
  return c->pos < c->len ? c->p[c->pos] : -1;
}

static int is_rep(int ch) {
  return ch == '*' || ch == '+' || ch == '?' || ch == '{';
}

/* A decimal count of {m,n}; -1 if there are no digits. */
static long number(struct comp *c) {
  long v = -1;
  while (peek(c) >= '0' && peek(c) <= '9') {
    v = (v < 0 ? 0 : v * 10) + (peek(c) - '0');
    if (v > 100000) v = 100000; /* over the limit anyway; no overflow */
    c->pos++;
  }
  return v;
}

/* "{m}", "{m,}", "{m,n}" or "{,n}" after the '{'; max is -1 for no bound. */
static int bound(struct comp *c, long *min, long *max) {
  size_t at = c->pos - 1;
  *min = number(c);
  *max = *min;
  if (peek(c) == ',') {
    c->pos++;
    *max = number(c);
    if (*min < 0) *min = 0;
  } else if (*min < 0) {
    return fail(c, SCN_RE_ESYNTAX, "'{' must start a count: {m}, {m,}, {m,n}");
  }
  if (peek(c) != '}') {
    return fail(c, SCN_RE_ESYNTAX, "malformed count starting at offset %zu", at);
  }
  c->pos++;
  if (*min > SCN_RE_DUP_MAX || *max > SCN_RE_DUP_MAX) {
    return fail(c, SCN_RE_ELIMIT, "a count over %d", SCN_RE_DUP_MAX);
  }
  if (*max >= 0 && *max < *min) {
    return fail(c, SCN_RE_ESYNTAX, "count {%ld,%ld}: max < min", *min, *max);
  }
  return 0;
}

/* The atom compiled at [a, n) repeated min..max times (max -1: unbounded).
 * It is taken out and written back: min copies, then either a loop on the
 * last one or max - min optional copies, each a split past the rest. */
static int repeat(struct comp *c, int a, long min, long max) {
  struct scn_re *re = c->re;
  int s = re->n - a, i;
  long need = max < 0 ? (min > 0 ? min * s + 1 : s + 2) : min * s + (max - min) * (s + 1);
  struct inst *body;
  if (need - s > SCN_RE_MAX_PROG - re->n) return reserve(c, need - s);
  if ((body = (struct inst *) malloc((size_t) (s > 0 ? s : 1) * sizeof(*body))) == NULL) {
    return fail(c, SCN_RE_ENOMEM, "out of memory");
  }
  if (s > 0) memcpy(body, &re->code[a], (size_t) s * sizeof(*body));
  re->n = a;
  for (i = 0; i < min; i++) {
    if (append(c, body, s, a) != 0) goto out;
  }
  if (max < 0 && min > 0) {
    emit(c, OP_SPLIT, 0, re->n - s, re->n + 1);
  } else if (max < 0) {
    int split = emit(c, OP_SPLIT, 0, re->n + 1, re->n + s + 2);
    if (append(c, body, s, a) == 0) emit(c, OP_JMP, 0, split, 0);
  } else {
    int end = re->n + (int) (max - min) * (s + 1);
    for (; i < max; i++) {
      if (emit(c, OP_SPLIT, 0, re->n + 1, end) < 0 || append(c, body, s, a) != 0) break;
    }
  }
out:
  free(body);
  return c->st == SCN_RE_OK ? 0 : -1;
}

static int new_set(struct comp *c) {
  struct scn_re *re = c->re;
  if (re->nsets == c->setcap) {
    int cap = c->setcap > 0 ? c->setcap * 2 : 4;
    unsigned char(*sets)[32] =
        (unsigned char(*)[32]) realloc(re->sets, (size_t) cap * sizeof(*sets));
    if (sets == NULL) return fail(c, SCN_RE_ENOMEM, "out of memory");
    re->sets = sets;
    c->setcap = cap;
  }
  memset(re->sets[re->nsets], 0, sizeof(re->sets[0]));
  return re->nsets++;
}

static void set_range(unsigned char *set, int lo, int hi) {
  for (; lo <= hi; lo++) set[lo >> 3] |= (unsigned char) (1u << (lo & 7));
}

/* The C locale's classes, spelled out so no locale can change them. */
static int add_class(unsigned char *set, const char *name, size_t n) {
  static const char *const names[] = {"alpha", "digit", "alnum", "upper", "lower", "space",
                                      "blank", "punct", "print", "graph", "cntrl", "xdigit"};
  int k, ch;
  for (k = 0; k < 12; k++) {
    if (strlen(names[k]) == n && memcmp(names[k], name, n) == 0) break;
  }
  if (k == 12) return -1;
  for (ch = 0; ch < 128; ch++) {
    int up = ch >= 'A' && ch <= 'Z', lo = ch >= 'a' && ch <= 'z', dg = ch >= '0' && ch <= '9';
    int gr = ch > 0x20 && ch < 0x7f, in;
    switch (k) {
      case 0: in = up || lo; break;
      case 1: in = dg; break;
      case 2: in = up || lo || dg; break;
      case 3: in = up; break;
      case 4: in = lo; break;
      case 5: in = ch == ' ' || (ch >= '\t' && ch <= '\r'); break;
      case 6: in = ch == ' ' || ch == '\t'; break;
      case 7: in = gr && !up && !lo && !dg; break;
      case 8: in = gr || ch == ' '; break;
      case 9: in = gr; break;
      case 10: in = ch < 0x20 || ch == 0x7f; break;
      default: in = dg || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'); break;
    }
    if (in) set_range(set, ch, ch);
  }
  return 0;
}

/* One end of a range in a bracket: a byte or "[.c.]"; -1 after an error,
 * -2 if a "[:class:]" or "[=c=]" starts here instead. */
static int bracket_char(struct comp *c) {
  int ch = peek(c);
  if (ch == '[' && c->pos + 1 < c->len && c->p[c->pos + 1] == '.') {
    size_t at = c->pos;
    c->pos += 2;
    ch = peek(c);
    if (c->pos + 2 >= c->len || c->p[c->pos + 1] != '.' || c->p[c->pos + 2] != ']') {
      c->pos = at;
      return fail(c, SCN_RE_ESYNTAX, "only one-byte collating elements [.c.] exist here");
    }
    c->pos += 3;
    return ch;
  }
  if (ch == '[' && c->pos + 1 < c->len && (c->p[c->pos + 1] == ':' || c->p[c->pos + 1] == '=')) {
    return -2;
  }
  c->pos++;
  return ch;
}

/* "[...]" after the '[': a set, with '^' negating and ']' first literal. */
static int bracket(struct comp *c) {
  size_t open = c->pos - 1;
  int k = new_set(c), neg = 0, first = 1;
  unsigned char *set;
  if (k < 0) return -1;
  set = c->re->sets[k];
  if (peek(c) == '^') {
    neg = 1;
    c->pos++;
  }
  for (;;) {
    int lo, hi;
    if (peek(c) < 0) {
      c->pos = open;
      return fail(c, SCN_RE_ESYNTAX, "unterminated bracket expression");
    }
    if (peek(c) == ']' && !first) break;
    first = 0;
    if ((lo = bracket_char(c)) == -1) return -1;
    if (lo == -2) { /* "[:name:]" or "[=c=]" */
      int kind = c->p[c->pos + 1];
      size_t name = c->pos + 2, end = name;
      while (end + 1 < c->len && !(c->p[end] == kind && c->p[end + 1] == ']')) end++;
      if (end + 1 >= c->len) return fail(c, SCN_RE_ESYNTAX, "unterminated [%c", kind);
      if (kind == '=' && end - name == 1) {
        set_range(set, c->p[name], c->p[name]);
      } else if (kind == '=' || add_class(set, (const char *) c->p + name, end - name) != 0) {
        return fail(c, SCN_RE_ESYNTAX, "unknown class [%c%.*s%c]", kind,
                    (int) (end - name), (const char *) c->p + name, kind);
      }
      c->pos = end + 2;
      if (peek(c) == '-' && c->pos + 1 < c->len && c->p[c->pos + 1] != ']') {
        return fail(c, SCN_RE_ESYNTAX, "a class cannot start a range");
      }
      continue;
    }
    hi = lo;
    if (peek(c) == '-' && c->pos + 1 < c->len && c->p[c->pos + 1] != ']') {
      c->pos++;
      if ((hi = bracket_char(c)) == -1) return -1;
      if (hi == -2) return fail(c, SCN_RE_ESYNTAX, "a class cannot end a range");
      if (hi < lo) return fail(c, SCN_RE_ESYNTAX, "range end before its start");
      if (peek(c) == '-' && c->pos + 1 < c->len && c->p[c->pos + 1] != ']') {
        return fail(c, SCN_RE_ESYNTAX, "a range cannot start where one ends");
      }
    }
    set_range(set, lo, hi);
  }
  c->pos++;
  if (neg) {
    int i;
    for (i = 0; i < 32; i++) set[i] = (unsigned char) ~set[i];
  }
  return emit(c, OP_SET, 0, k, 0) < 0 ? -1 : 0;
}

static int alternation(struct comp *c, int depth);

/* One atom; *anchor is set for '^' and '$', which cannot be repeated. */
static int atom(struct comp *c, int depth, int *anchor) {
  int ch = peek(c);
  *anchor = 0;
  c->pos++;
  switch (ch) {
    case '(':
      if (depth >= SCN_RE_MAX_DEPTH) {
        c->pos--;
        return fail(c, SCN_RE_ELIMIT, "parentheses nested deeper than %d", SCN_RE_MAX_DEPTH);
      }
      if (alternation(c, depth + 1) != 0) return -1;
      if (peek(c) != ')') return fail(c, SCN_RE_ESYNTAX, "'(' without ')'");
      c->pos++;
      return 0;
    case '.': return emit(c, OP_ANY, 0, 0, 0) < 0 ? -1 : 0;
    case '[': return bracket(c);
    case '^': case '$':
      *anchor = 1;
      return emit(c, ch == '^' ? OP_BOL : OP_EOL, 0, 0, 0) < 0 ? -1 : 0;
    case '*': case '+': case '?': case '{':
      c->pos--;
      return fail(c, SCN_RE_ESYNTAX, "'%c' has nothing to repeat", ch);
    case '\\':
      ch = peek(c);
      if (ch < 0) return fail(c, SCN_RE_ESYNTAX, "trailing backslash");
      if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
          ch == '<' || ch == '>' || ch == '`' || ch == '\'') {
        return fail(c, SCN_RE_EUNSUPPORTED, "\\%c: only punctuation can be escaped here "
                    "(no back-references or GNU escapes)", ch);
      }
      c->pos++;
      return emit(c, OP_CHAR, ch, 0, 0) < 0 ? -1 : 0;
    default:
      return emit(c, OP_CHAR, ch, 0, 0) < 0 ? -1 : 0;
  }
}

/* Atoms, each with at most one repetition, up to '|', ')' or the end. */
static int concatenation(struct comp *c, int depth) {
  while (peek(c) >= 0 && peek(c) != '|' && !(peek(c) == ')' && depth > 0)) {
    int a = c->re->n, anchor, ch, at;
    long min, max;
    if (atom(c, depth, &anchor) != 0) return -1;
    if (!is_rep(ch = peek(c))) continue;
    if (anchor) return fail(c, SCN_RE_ESYNTAX, "'%c' cannot repeat an anchor", ch);
    c->pos++;
    if (ch == '*') {
      if ((at = insert(c, a)) < 0 || emit(c, OP_JMP, 0, at, 0) < 0) return -1;
      c->re->code[at] = (struct inst){OP_SPLIT, 0, at + 1, c->re->n};
    } else if (ch == '+') {
      if (emit(c, OP_SPLIT, 0, a, c->re->n + 1) < 0) return -1;
    } else if (ch == '?') {
      if ((at = insert(c, a)) < 0) return -1;
      c->re->code[at] = (struct inst){OP_SPLIT, 0, at + 1, c->re->n};
    } else if (bound(c, &min, &max) != 0 || repeat(c, a, min, max) != 0) {
      return -1;
    }
    if (is_rep(peek(c))) {
      return fail(c, SCN_RE_EUNDEFINED, "stacked repetition operators ('%c' after '%c') "
                  "are undefined in POSIX", peek(c), ch);
    }
  }
  return 0;
}

/* Alternatives: each but the last gets a split before it and a jump to the
 * end after it; the jumps are patched once the end is known. */
static int alternation(struct comp *c, int depth) {
  int start = c->re->n, alt = start, i, split;
  if (concatenation(c, depth) != 0) return -1;
  if (peek(c) != '|') return 0;
  while (peek(c) == '|') {
    c->pos++;
    if ((split = insert(c, alt)) < 0 || emit(c, OP_JMP, 0, -1, 0) < 0) return -1;
    c->re->code[split] = (struct inst){OP_SPLIT, 0, split + 1, c->re->n};
    alt = c->re->n;
    if (concatenation(c, depth) != 0) return -1;
  }
  /* Nested alternations are patched already: only this one's are -1. */
  for (i = start; i < alt; i++) {
    if (c->re->code[i].op == OP_JMP && c->re->code[i].x == -1) c->re->code[i].x = c->re->n;
  }
  return 0;
}

void scn_re_free(struct scn_re *re) {
  if (re == NULL) return;
  free(re->code);
  free(re->sets);
  free(re->cur);
  free(re->next);
  free(re->stack);
  free(re->mark);
  free(re);
}

enum scn_re_status scn_re_compile(struct scn_re **out, const char *pat, size_t len,
                                  char *err, size_t errlen) {
  struct comp c;
  struct scn_re *re;
  size_t n;
  memset(&c, 0, sizeof(c));
  c.p = (const unsigned char *) pat;
  c.len = len;
  c.err = err;
  c.errlen = errlen;
  *out = NULL;
  if (errlen > 0) err[0] = '\0';
  if ((re = c.re = (struct scn_re *) calloc(1, sizeof(*re))) == NULL) {
    fail(&c, SCN_RE_ENOMEM, "out of memory");
    return c.st;
  }
  if (len > SCN_RE_MAX_LEN) {
    c.st = SCN_RE_ELIMIT;
    snprintf(err, errlen, "the pattern is longer than %d bytes", SCN_RE_MAX_LEN);
  } else if (alternation(&c, 0) == 0) {
    emit(&c, OP_MATCH, 0, 0, 0);
  }
  if (c.st == SCN_RE_OK) {
    n = (size_t) re->n;
    re->cur = (struct thread *) malloc(n * sizeof(*re->cur));
    re->next = (struct thread *) malloc(n * sizeof(*re->next));
    re->stack = (int *) malloc(n * sizeof(*re->stack));
    re->mark = (size_t *) calloc(n, sizeof(*re->mark));
    if (re->cur == NULL || re->next == NULL || re->stack == NULL || re->mark == NULL) {
      fail(&c, SCN_RE_ENOMEM, "out of memory");
    }
  }
  if (c.st != SCN_RE_OK) {
    scn_re_free(re);
    return c.st;
  }
  *out = re;
  return SCN_RE_OK;
}

/* Adds the states reachable from pc without reading a byte (at offset pos
 * of a len-byte subject) to list, each once per step: a state reached
 * before, from an earlier-starting match, keeps that start. */
static void follow(struct scn_re *re, struct thread *list, int *nlist, int pc, size_t start,
                   size_t pos, size_t len) {
  int top = 0;
  if (re->mark[pc] == re->gen) return;
  re->mark[pc] = re->gen;
  re->stack[top++] = pc;
  while (top > 0) {
    const struct inst *in = &re->code[pc = re->stack[--top]];
    int to[2], k, nto = 0;
    switch (in->op) {
      case OP_JMP: to[nto++] = in->x; break;
      case OP_SPLIT: to[nto++] = in->y; to[nto++] = in->x; break;
      case OP_BOL: if (pos == 0) to[nto++] = pc + 1; break;
      case OP_EOL: if (pos == len) to[nto++] = pc + 1; break;
      default:
        list[*nlist].pc = pc;
        list[(*nlist)++].start = start;
        break;
    }
    for (k = 0; k < nto; k++) {
      if (re->mark[to[k]] == re->gen) continue;
      re->mark[to[k]] = re->gen;
      re->stack[top++] = to[k];
    }
  }
}

/* A new mark generation, so no list needs clearing between steps. */
static void next_gen(struct scn_re *re) {
  if (++re->gen == 0) {
    memset(re->mark, 0, (size_t) re->n * sizeof(*re->mark));
    re->gen = 1;
  }
}

/* The lists stay ordered by start (earlier threads are followed first and
 * a new start is added last), so the first MATCH seen at a step has the
 * leftmost start among them; threads starting later than the best match
 * are dropped, and those starting with it run on to find its longest end. */
int scn_re_search_budget(struct scn_re *re, const char *s, size_t len, size_t *so,
                         size_t *eo, unsigned long long *budget) {
  const unsigned char *u = (const unsigned char *) s;
  int ncur = 0, nnext, i, found = 0, any = so == NULL && eo == NULL;
  size_t pos, best_so = 0, best_eo = 0;
  next_gen(re);
  for (pos = 0;; pos++) {
    struct thread *swap;
    if (!found) follow(re, re->cur, &ncur, 0, pos, pos, len);
    if (ncur == 0 && (found || pos >= len)) break;
    if (budget != NULL) {
      if (*budget <= (unsigned long long) ncur) {
        *budget = 0;
        return -1;
      }
      *budget -= (unsigned long long) ncur + 1;
    }
    next_gen(re);
    nnext = 0;
    for (i = 0; i < ncur; i++) {
      const struct thread *t = &re->cur[i];
      const struct inst *in = &re->code[t->pc];
      int ok;
      if (found && t->start > best_so) break;
      switch (in->op) {
        case OP_MATCH:
          if (!found || t->start < best_so || pos > best_eo) {
            best_so = t->start;
            best_eo = pos;
          }
          found = 1;
          if (any) return 1;
          continue;
        case OP_CHAR: ok = pos < len && u[pos] == in->c; break;
        case OP_ANY: ok = pos < len; break;
        default: ok = pos < len && (re->sets[in->x][u[pos] >> 3] >> (u[pos] & 7)) & 1; break;
      }
      if (ok) follow(re, re->next, &nnext, t->pc + 1, t->start, pos + 1, len);
    }
    if (pos >= len) break;
    swap = re->cur;
    re->cur = re->next;
    re->next = swap;
    ncur = nnext;
  }
  if (found) {
    if (so != NULL) *so = best_so;
    if (eo != NULL) *eo = best_eo;
  }
  return found;
}

int scn_re_search(struct scn_re *re, const char *s, size_t len, size_t *so, size_t *eo) {
  return scn_re_search_budget(re, s, len, so, eo, NULL);
}

void scn_re_quote(const char *pat, size_t len, char *out, size_t outlen) {
  enum { SHOW = 48 };
  char buf[SHOW * 4 + 40]; /* every byte shown takes at most 4 */
  size_t i, o = 0;
  buf[o++] = '"';
  for (i = 0; i < len && i < SHOW; i++) {
    unsigned char ch = (unsigned char) pat[i];
    const char *esc = ch == '"' ? "\\\"" : ch == '\\' ? "\\\\" : ch == '\n' ? "\\n"
                    : ch == '\r' ? "\\r" : ch == '\t' ? "\\t" : NULL;
    if (esc != NULL) {
      memcpy(buf + o, esc, 2);
      o += 2;
    } else if (ch < 0x20 || ch >= 0x7f) {
      o += (size_t) snprintf(buf + o, sizeof(buf) - o, "\\x%02x", ch);
    } else {
      buf[o++] = (char) ch;
    }
  }
  if (len > SHOW) {
    snprintf(buf + o, sizeof(buf) - o, "...\" (%zu bytes)", len);
  } else {
    snprintf(buf + o, sizeof(buf) - o, "\"");
  }
  if (outlen > 0) snprintf(out, outlen, "%s", buf);
}
