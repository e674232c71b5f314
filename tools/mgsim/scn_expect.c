/*
 * scn_expect.c - expectations: events handlers received, bytes and FIN/RST a
 * peer saw, connection counts and flags, and "nothing else happens".
 *
 * Events are matched per connection, in order: "expect event #2 RECV 5"
 * takes the first RECV of #2 after the last one matched. Events nobody
 * matched are allowed until "expect nothing" says otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "world.h"
#include "scn_regex.h"

/* A pattern from the scenario, compiled; a refused one (malformed, or over
 * a limit of scn_regex.h) makes the line malformed. */
static struct scn_re *compile_re(const struct tok *t, char *err, size_t errlen) {
  struct scn_re *re;
  char why[200], shown[300];
  if (scn_re_compile(&re, t->s, t->len, why, sizeof(why)) != SCN_RE_OK) {
    scn_re_quote(t->s, t->len, shown, sizeof(shown));
    snprintf(err, errlen, "bad regular expression %s: %s", shown, why);
  }
  return re;
}

static const char s_over_budget[] =
    "matching regular expressions took the run over its work bound; the scenario "
    "asks for more simulated work than mgsim does (--max-work MILLIONS raises the limit)";

/* 1 match, 0 none, -1 the run's matching budget is spent (the run then
 * ends as at any other bound). */
static int search(struct scn_ctx *ctx, struct scn_re *re, const char *s, size_t len,
                  size_t *eo) {
  int rc;
  if (scn_max_work_millions == 0) return scn_re_search(re, s, len, NULL, eo);
  rc = scn_re_search_budget(re, s, len, NULL, eo, &ctx->re_steps);
  if (rc < 0) w_stop(ctx, "%s", s_over_budget);
  return rc;
}

static int parse_ll(const struct tok *t, long long *out) {
  char *end;
  if (t->type != T_WORD) return -1;
  *out = strtoll(t->s, &end, 10);
  return *end == '\0' && end != t->s ? 0 : -1;
}

/* "#2: ACCEPT@100 RECV 5@300 ..." for a failure message. */
static void describe(const struct scn_ctx *ctx, int id, size_t from, char *buf,
                     size_t len) {
  size_t i, o = 0;
  int shown = 0;
  o += (size_t) snprintf(buf, len, "events of #%d from there on:", id);
  for (i = from; i < ctx->nevs && o + 40 < len; i++) {
    const struct ev_rec *r = &ctx->evs[i];
    if (r->conn != id) continue;
    o += (size_t) snprintf(buf + o, len - o, " %s %lld@%lldus", scn_event_name(r->ev),
                           r->arg, (long long) r->t);
    shown++;
  }
  if (shown == 0) snprintf(buf + o, len - o, " none");
}

static int arg_for(int ev, const struct tok *t, long long *arg) {
  if (ev == MG_EV_CONNECT || ev == MG_EV_CLOSE) {
    return t->type == T_WORD ? scn_errno_by_name(t->s, arg) : -1;
  }
  if (ev == MG_EV_TIMER) {
    if (t->type == T_TIME_ABS) {
      *arg = t->us;
      return 0;
    }
    return -1;
  }
  return parse_ll(t, arg);
}

/* Simulated times are exact. Natively the kernel delivers at once where the
 * simulation takes its delay (an event comes up to a few delays early),
 * and with a time scale the scheduler adds its noise (late). */
static int64_t time_early(struct scn_ctx *ctx) {
  int64_t early, late;
  scn_time_tolerance(w_knobs(ctx)->delay_us, &early, &late);
  return early;
}

static int time_agrees(struct scn_ctx *ctx, int64_t got, int64_t want) {
  int64_t early, late;
  if (ctx->nat == NULL) return got == want;
  scn_time_tolerance(w_knobs(ctx)->delay_us, &early, &late);
  return got >= want - early && got <= want + late;
}

/* expect event #N KIND [ARG] [at TIME] */
static int expect_event(struct scn_ctx *ctx, const struct scn_line *ln, int dry,
                        char *err, size_t errlen) {
  const struct tok *t = ln->toks;
  int n = ln->ntoks, ev, id, i = 4, has_arg = 0, has_at = 0;
  long long arg = 0;
  int64_t when = 0;
  struct conn_info *ci;
  size_t k;
  char what[400];
  if (n < 4 || t[2].type != T_CONN || t[3].type != T_WORD) {
    FAIL("usage: expect event #ID KIND [ARG] [at TIME]");
  }
  if ((ev = scn_event_by_name(t[3].s)) < 0) FAIL("unknown event '%s'", t[3].s);
  if (i < n && !is_word(&t[i], "at")) {
    if (arg_for(ev, &t[i], &arg) != 0) FAIL("bad %s argument '%s'", t[3].s, t[i].s);
    has_arg = 1;
    i++;
  }
  if (i < n && is_word(&t[i], "at")) {
    if (i + 2 != n || (t[i + 1].type != T_TIME_ABS && t[i + 1].type != T_TIME_REL)) {
      FAIL("usage: ... at @TIME | at +DURATION (from this line's time)");
    }
    when = t[i + 1].type == T_TIME_ABS ? t[i + 1].us : ln->at + t[i + 1].us;
    has_at = 1;
    i += 2;
  }
  if (i != n) FAIL("unexpected '%s'", t[i].s);
  if (dry) return 0;
  id = (int) t[2].n;
  ci = scn_conn(ctx, id);
  for (k = ci->cursor; k < ctx->nevs; k++) {
    if (ctx->evs[k].conn == id && ctx->evs[k].ev == ev) break;
  }
  /* Natively the kernel cuts and joins the bytes as it likes: a RECV or
   * SEND is matched by kind, order and time, its size by the sums. */
  if (ctx->nat != NULL && (ev == MG_EV_RECV || ev == MG_EV_SEND)) has_arg = 0;
  if (k == ctx->nevs) {
    describe(ctx, id, ci->cursor, what, sizeof(what));
    FAIL("expected #%d %s, but it has not happened; %s", id, t[3].s, what);
  }
  if (has_arg && ctx->evs[k].arg != arg) {
    describe(ctx, id, ci->cursor, what, sizeof(what));
    FAIL("expected #%d %s %s, got %s %lld; %s", id, t[3].s, t[4].s, t[3].s,
         ctx->evs[k].arg, what);
  }
  if (has_at && !time_agrees(ctx, ctx->evs[k].t, when)) {
    FAIL("expected #%d %s at %lld us, it happened at %lld us", id, t[3].s,
         (long long) when, (long long) ctx->evs[k].t);
  }
  ctx->evs[k].matched = 1;
  ci->cursor = k + 1;
  return 0;
}

/* expect count|sum #N KIND VALUE: over every such event so far. */
static int expect_total(struct scn_ctx *ctx, const struct tok *t, int n, int dry,
                        char *err, size_t errlen) {
  long long want, got = 0;
  int ev, id, sum = is_word(&t[1], "sum");
  size_t k;
  if (n != 5 || t[2].type != T_CONN || t[3].type != T_WORD ||
      parse_ll(&t[4], &want) != 0) {
    FAIL("usage: expect %s #ID KIND NUMBER", t[1].s);
  }
  if ((ev = scn_event_by_name(t[3].s)) < 0) FAIL("unknown event '%s'", t[3].s);
  if (dry) return 0;
  /* Natively only the sum of a RECV or SEND run is the kernel's to keep. */
  if (!sum && ctx->nat != NULL && (ev == MG_EV_RECV || ev == MG_EV_SEND)) return 0;
  id = (int) t[2].n;
  for (k = 0; k < ctx->nevs; k++) {
    if (ctx->evs[k].conn != id || ctx->evs[k].ev != ev) continue;
    got += sum ? ctx->evs[k].arg : 1;
    ctx->evs[k].matched = 1;
  }
  if (got != want) {
    FAIL("expected %s of #%d %s to be %lld, it is %lld", sum ? "the sum" : "the count",
         id, t[3].s, want, got);
  }
  return 0;
}

static int expect_nothing(struct scn_ctx *ctx, int dry, char *err, size_t errlen) {
  size_t k, o = 0;
  int shown = 0;
  char list[300];
  if (dry) return 0;
  list[0] = '\0';
  for (k = 0; k < ctx->nevs; k++) {
    const struct ev_rec *r = &ctx->evs[k];
    if (r->matched) continue;
    if (ctx->nat != NULL && (r->ev == MG_EV_RECV || r->ev == MG_EV_SEND)) continue;
    if (shown++ < 6 && o + 60 < sizeof(list)) {
      o += (size_t) snprintf(list + o, sizeof(list) - o, " #%d %s %lld@%lldus", r->conn,
                             scn_event_name(r->ev), r->arg, (long long) r->t);
    }
  }
  if (shown > 0) FAIL("expected nothing else, but %d events were not expected:%s", shown, list);
  return 0;
}

/* expect quiet until TIME: runs to TIME; nothing at all may happen. */
static int expect_quiet(struct scn_ctx *ctx, const struct scn_line *ln, int dry,
                        char *err, size_t errlen) {
  const struct tok *t = ln->toks;
  int64_t until;
  size_t before;
  uint64_t activity;
  if (ln->ntoks != 4 || !is_word(&t[2], "until") ||
      (t[3].type != T_TIME_ABS && t[3].type != T_TIME_REL)) {
    FAIL("usage: expect quiet until @TIME | +DURATION");
  }
  until = t[3].type == T_TIME_ABS ? t[3].us : ln->at + t[3].us;
  if (until < ln->at) FAIL("'until' is before this line's time");
  if (dry) return 0;
  /* Natively what comes early must not count against the quiet: the end
   * of the quiet is as early as an event may be. */
  if (ctx->nat != NULL) {
    int64_t early = time_early(ctx);
    until = until - early > ln->at ? until - early : ln->at;
  }
  before = w_trace_len(ctx);
  activity = w_activity(ctx);
  if (scn_run_to(ctx, until, err, errlen) != 0) return -1;
  if (!scn_tracing && w_activity(ctx) != activity) {
    FAIL("expected quiet until %lld us, but something happened", (long long) until);
  }
  if (w_trace_len(ctx) != before) {
    const char *first = w_trace_text(ctx) + before;
    const char *nl = strchr(first, '\n');
    FAIL("expected quiet until %lld us, but: %.*s", (long long) until,
         (int) (nl != NULL ? nl - first : (long) strlen(first)), first);
  }
  return 0;
}

static int expect_peer(struct scn_ctx *ctx, const struct tok *t, int n, int dry,
                       char *err, size_t errlen) {
  struct world_peer *p = NULL;
  const char *what;
  const struct mbuf *rx = NULL;
  size_t *cur = NULL, unread = 0;
  if (n < 4 || t[2].type != T_WORD || t[3].type != T_WORD) {
    FAIL("usage: expect peer NAME (got DATA | got-bytes N | got-match RE | "
         "got-nothing | total N | fin | no-fin | rst | no-rst | connected | "
         "dgram DATA | no-dgram)");
  }
  what = t[3].s;
  if (!dry) {
    if ((p = w_peer_find(ctx, t[2].s)) == NULL) {
      FAIL("there is no peer '%s'", t[2].s);
    }
    rx = w_peer_received(ctx, p);
    cur = w_peer_cursor(ctx, p);
    unread = rx->len - *cur;
  }
  if (strcmp(what, "got") == 0 || strcmp(what, "dgram") == 0) {
    struct mbuf want;
    int used, rc = 0;
    mbuf_init(&want, 0);
    used = scn_data(ctx->sc, t + 4, n - 4, dry ? NULL : &want, err, errlen);
    if (used < 0 || used + 4 != n) {
      mbuf_free(&want);
      if (used >= 0) FAIL("unexpected '%s' after the data", t[used + 4].s);
      return -1;
    }
    if (!dry && what[0] == 'g') {
      size_t same = 0;
      while (same < want.len && same < unread &&
             rx->buf[*cur + same] == want.buf[same]) {
        same++;
      }
      if (same < want.len) {
        snprintf(err, errlen,
                 "peer %s: expected %zu more bytes, it has %zu unread; they differ "
                 "at byte %zu (offset %zu of all received)",
                 t[2].s, want.len, unread, same, *cur + same);
        rc = -1;
      } else {
        *cur += want.len;
      }
    } else if (!dry) {
      const char *d;
      size_t len;
      if (!w_peer_next_dgram(ctx, p, &d, &len)) {
        snprintf(err, errlen, "peer %s: expected a datagram, none is left", t[2].s);
        rc = -1;
      } else if (len != want.len || (len > 0 && memcmp(d, want.buf, len) != 0)) {
        snprintf(err, errlen, "peer %s: the next datagram (%zu bytes) is not the "
                 "expected one (%zu bytes)", t[2].s, len, want.len);
        rc = -1;
      }
    }
    mbuf_free(&want);
    return rc;
  }
  if (strcmp(what, "got-bytes") == 0 || strcmp(what, "total") == 0) {
    long long v;
    if (n != 5 || parse_ll(&t[4], &v) != 0 || v < 0) FAIL("usage: %s BYTES", what);
    if (dry) return 0;
    if (what[0] == 't' && (long long) rx->len != v) {
      FAIL("peer %s: expected %lld bytes received in all, it has %zu", t[2].s, v, rx->len);
    }
    if (what[0] == 'g') {
      if ((long long) unread < v) {
        FAIL("peer %s: expected %lld more bytes, it has %zu unread", t[2].s, v, unread);
      }
      *cur += (size_t) v;
    }
    return 0;
  }
  if (strcmp(what, "got-match") == 0) {
    struct scn_re *re;
    size_t eo = 0;
    int rc = 0;
    if (n != 5 || t[4].type != T_STR) FAIL("usage: got-match \"REGEX\"");
    if ((re = compile_re(&t[4], err, errlen)) == NULL) return -1;
    if (!dry) {
      /* All the unread bytes, NULs included; the match's end is POSIX
       * leftmost-longest, and where the next check starts. */
      rc = search(ctx, re, unread > 0 ? rx->buf + *cur : "", unread, &eo);
    }
    scn_re_free(re);
    if (dry) return 0;
    if (rc < 0) FAIL("%s", s_over_budget);
    if (rc == 0) FAIL("peer %s: the %zu unread bytes do not match", t[2].s, unread);
    *cur += eo;
    return 0;
  }
  if (n != 4) FAIL("unexpected '%s'", t[4].s);
  if (dry) {
    if (strcmp(what, "got-nothing") && strcmp(what, "fin") && strcmp(what, "no-fin") &&
        strcmp(what, "rst") && strcmp(what, "no-rst") && strcmp(what, "connected") &&
        strcmp(what, "no-dgram")) {
      FAIL("unknown peer expectation '%s'", what);
    }
    return 0;
  }
  if (strcmp(what, "got-nothing") == 0 && unread != 0) {
    FAIL("peer %s: expected nothing unread, it has %zu bytes", t[2].s, unread);
  }
  if (strcmp(what, "fin") == 0 && !w_peer_got_fin(ctx, p)) FAIL("peer %s saw no FIN", t[2].s);
  if (strcmp(what, "no-fin") == 0 && w_peer_got_fin(ctx, p)) FAIL("peer %s saw a FIN", t[2].s);
  if (strcmp(what, "rst") == 0 && !w_peer_got_rst(ctx, p)) FAIL("peer %s saw no RST", t[2].s);
  if (strcmp(what, "no-rst") == 0 && w_peer_got_rst(ctx, p)) FAIL("peer %s saw a RST", t[2].s);
  if (strcmp(what, "connected") == 0 && !w_peer_connected(ctx, p)) {
    FAIL("peer %s is not connected", t[2].s);
  }
  if (strcmp(what, "no-dgram") == 0) {
    const char *d;
    size_t len;
    if (w_peer_next_dgram(ctx, p, &d, &len)) {
      FAIL("peer %s: expected no more datagrams, one of %zu bytes is left", t[2].s, len);
    }
  }
  return 0;
}

/* expect order "RE" "RE"...: trace lines matching each regular expression
 * appear in this order (each after the previous one's line). */
static int expect_order(struct scn_ctx *ctx, const struct tok *t, int n, int dry,
                        char *err, size_t errlen) {
  const char *line = dry ? "" : w_trace_text(ctx);
  int i;
  if (n < 4) FAIL("usage: expect order \"REGEX\" \"REGEX\"...");
  for (i = 2; i < n; i++) {
    struct scn_re *re;
    int found = 0;
    if (t[i].type != T_STR) FAIL("expect order takes quoted regular expressions");
    if ((re = compile_re(&t[i], err, errlen)) == NULL) return -1;
    /* Each line in place, however long: the matcher takes a length. */
    while (!dry && *line != '\0' && !found) {
      const char *nl = strchr(line, '\n');
      size_t len = nl != NULL ? (size_t) (nl - line) : strlen(line);
      found = search(ctx, re, line, len, NULL);
      line += len + (nl != NULL);
    }
    scn_re_free(re);
    if (found < 0) FAIL("%s", s_over_budget);
    if (!dry && !found) {
      char shown[300];
      scn_re_quote(t[i].s, t[i].len, shown, sizeof(shown));
      FAIL("no trace line matching %s after the lines matched by the "
           "patterns before it", shown);
    }
  }
  return 0;
}

static int expect_conns(struct scn_ctx *ctx, const struct tok *t, int n, int dry,
                        char *err, size_t errlen) {
  long long want, got = 0;
  struct mg_connection *nc;
  if (n != 3 || parse_ll(&t[2], &want) != 0) FAIL("usage: expect conns N");
  if (dry) return 0;
  for (nc = mg_next(&ctx->mgr, NULL); ctx->mgr_live && nc != NULL;
       nc = mg_next(&ctx->mgr, nc)) {
    got++;
  }
  if (got != want) FAIL("expected %lld connections, there are %lld", want, got);
  return 0;
}

static int expect_flags(struct scn_ctx *ctx, const struct tok *t, int n, int dry,
                        char *err, size_t errlen) {
  struct mg_connection *nc = NULL;
  int i;
  if (n < 4 || t[2].type != T_CONN) FAIL("usage: expect flags #ID +FLAG -FLAG...");
  if (!dry && (nc = scn_find_conn(ctx, (int) t[2].n)) == NULL) {
    FAIL("connection #%lld does not exist (any more)", t[2].n);
  }
  for (i = 3; i < n; i++) {
    unsigned long f = t[i].type == T_WORD && (t[i].s[0] == '+' || t[i].s[0] == '-')
                          ? scn_flag_by_name(t[i].s + 1)
                          : 0;
    if (f == 0) FAIL("'%s' is not +FLAG or -FLAG", t[i].s);
    if (dry) continue;
    if (t[i].s[0] == '+' && !(nc->flags & f)) FAIL("#%lld lacks %s", t[2].n, t[i].s + 1);
    if (t[i].s[0] == '-' && (nc->flags & f)) FAIL("#%lld has %s", t[2].n, t[i].s + 1);
  }
  return 0;
}

/* Natively, an expectation of a kind the scenario loosened is counted but
 * not checked (a quiet one still waits out its time). */
static int loosened(struct scn_ctx *ctx, const struct scn_line *ln, int dry, char *err,
                    size_t errlen) {
  int k;
  if (dry || ctx->nat == NULL || ctx->sc->native_loose == 0) return 0;
  for (k = 0; k < SCN_X_KINDS; k++) {
    if ((ctx->sc->native_loose & (1u << k)) && is_word(&ln->toks[1], scn_expect_kind_names[k])) {
      break;
    }
  }
  if (k == SCN_X_KINDS) return 0;
  ctx->loosened++;
  if (k == SCN_X_QUIET && ln->ntoks == 4) {
    const struct tok *t = &ln->toks[3];
    int64_t until = t->type == T_TIME_ABS ? t->us : ln->at + t->us;
    if (scn_run_to(ctx, until, err, errlen) != 0) return -1;
  }
  return 1;
}

int scn_expect(struct scn_ctx *ctx, const struct scn_line *ln, int dry,
               char *err, size_t errlen) {
  const struct tok *t = ln->toks;
  int n = ln->ntoks, rc;
  if (n < 2 || t[1].type != T_WORD) FAIL("usage: expect WHAT ...");
  if (!dry) ctx->expectations++;
  if ((rc = loosened(ctx, ln, dry, err, errlen)) != 0) return rc < 0 ? -1 : 0;
  if (strcmp(t[1].s, "event") == 0) return expect_event(ctx, ln, dry, err, errlen);
  if (strcmp(t[1].s, "count") == 0 || strcmp(t[1].s, "sum") == 0) {
    return expect_total(ctx, t, n, dry, err, errlen);
  }
  if (strcmp(t[1].s, "nothing") == 0) {
    if (n != 2) FAIL("usage: expect nothing");
    return expect_nothing(ctx, dry, err, errlen);
  }
  if (strcmp(t[1].s, "quiet") == 0) return expect_quiet(ctx, ln, dry, err, errlen);
  if (strcmp(t[1].s, "peer") == 0) return expect_peer(ctx, t, n, dry, err, errlen);
  if (strcmp(t[1].s, "order") == 0) return expect_order(ctx, t, n, dry, err, errlen);
  if (strcmp(t[1].s, "conns") == 0) return expect_conns(ctx, t, n, dry, err, errlen);
  if (strcmp(t[1].s, "flags") == 0) return expect_flags(ctx, t, n, dry, err, errlen);
  FAIL("unknown expectation '%s' (event, count, sum, nothing, quiet, order, "
       "peer, conns, flags)", t[1].s);
}
