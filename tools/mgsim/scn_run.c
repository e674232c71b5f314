/*
 * scn_run.c - running a scenario: the manager on a fresh simulation, every
 * handler wrapped so that each event is recorded, traced and checked against
 * the invariants (nothing after CLOSE, mbufs in bounds, engine flags intact),
 * the lines executed at their times, and the verdict with its evidence.
 */
#include <ctype.h>
#include <math.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "native.h"
#include "world.h"

/* Simulation is single-threaded: one scenario runs at a time. */
static struct scn_ctx *s_ctx;

struct scn_ctx *scn_current(void) { return s_ctx; }

static struct scn_watcher s_watchers[SCN_MAX_WATCHERS];
static int s_nwatchers;

int scn_watch(const struct scn_watcher *w) {
  if (s_nwatchers == SCN_MAX_WATCHERS) return -1;
  s_watchers[s_nwatchers++] = *w;
  return 0;
}

void scn_unwatch(const struct scn_watcher *w) {
  int i;
  for (i = 0; i < s_nwatchers; i++) {
    if (s_watchers[i].arg == w->arg && s_watchers[i].wire == w->wire &&
        s_watchers[i].failed == w->failed && s_watchers[i].ended == w->ended) {
      memmove(&s_watchers[i], &s_watchers[i + 1],
              (size_t) (s_nwatchers - i - 1) * sizeof(s_watchers[0]));
      s_nwatchers--;
      return;
    }
  }
}

/* The simulation's one wire observer, shared by every watcher. */
static void wire_to_watchers(void *arg, const struct sim_wire *w) {
  int i;
  (void) arg;
  for (i = 0; i < s_nwatchers; i++) {
    if (s_watchers[i].wire != NULL) s_watchers[i].wire(s_watchers[i].arg, w);
  }
}

static void failed_to_watchers(struct scn_ctx *ctx, int line, const char *why) {
  int i;
  for (i = 0; i < s_nwatchers; i++) {
    if (s_watchers[i].failed != NULL) s_watchers[i].failed(s_watchers[i].arg, ctx, line, why);
  }
}

static void ended_to_watchers(struct scn_ctx *ctx) {
  int i;
  for (i = 0; i < s_nwatchers; i++) {
    if (s_watchers[i].ended != NULL) s_watchers[i].ended(s_watchers[i].arg, ctx);
  }
}

void scn_time_tolerance(int64_t delay_us, int64_t *early, int64_t *late) {
  *early = 8 * delay_us < 1000 ? 1000 : 8 * delay_us;
  *late = 1000 + (scn_time_scale > 0 ? (int64_t) (50000 / scn_time_scale) : 0);
}

long scn_poll_limit = 10000000L;
int scn_tracing = 1;
int scn_native = 0;
double scn_time_scale = 0;
/* The largest scenario in scenarios/ keeps 7 MB of trace and 200,000
 * events, and none polls connections a million times: these bounds leave
 * room for far bigger ones, while a runaway stops within seconds, short of
 * half a gigabyte. */
size_t scn_max_trace_mib = 256;
unsigned long scn_max_work_millions = 50;

/* Recorded events allowed per MiB of trace allowed: a run stopped by either
 * keeps about as much of both (an event costs 24 bytes, a trace line 30). */
#define EVENTS_PER_MIB 16384

/* How much trace a failure shows. */
#define TRACE_TAIL_LINES 20

/* Paths in app arguments are relative to the scenario file, at parse time
 * as in the run, so that a missing one is found before anything runs. */
int scn_check_app(const struct scn *sc, scn_app_start start, int argc,
                  char **argv, char *err, size_t errlen) {
  char cwd[1024];
  int moved = getcwd(cwd, sizeof(cwd)) != NULL && chdir(sc->basedir) == 0;
  int rc = start(NULL, argc, argv, err, errlen);
  if (moved && chdir(cwd) != 0 && rc == 0) {
    snprintf(err, errlen, "cannot return to %s", cwd);
    rc = -1;
  }
  return rc;
}

struct conn_info *scn_conn(struct scn_ctx *ctx, int id) {
  static struct conn_info nowhere;
  if (id <= 0) {
    memset(&nowhere, 0, sizeof(nowhere));
    return &nowhere;
  }
  if ((size_t) id >= ctx->nconns) {
    size_t n = (size_t) id * 2 + 8;
    struct conn_info *c = (struct conn_info *) realloc(ctx->conns, n * sizeof(*c));
    if (c == NULL) abort();
    memset(c + ctx->nconns, 0, (n - ctx->nconns) * sizeof(*c));
    ctx->conns = c;
    ctx->nconns = n;
  }
  return &ctx->conns[id];
}

struct mg_connection *scn_find_conn(struct scn_ctx *ctx, int id) {
  return ctx->mgr_live ? w_conn_by_id(ctx, id) : NULL;
}

static void adopt(struct scn_ctx *ctx, struct mg_connection *nc, int app) {
  struct conn_info *ci;
  if (nc == NULL || nc->handler == scn_handler) return;
  ci = scn_conn(ctx, w_conn_id(ctx, nc));
  ci->known = 1;
  ci->orig = nc->handler;
  ci->app = app;
  nc->handler = scn_handler;
}

/* Connections an app created since the last look join that app. Ids grow
 * with every connection made, so only those past the last look are new:
 * a look costs what it finds, not what exists. */
void scn_adopt_new_conns(struct scn_ctx *ctx, int app) {
  int id, last = w_conn_count(ctx);
  if (!ctx->mgr_live) return;
  for (id = ctx->conns_seen + 1; id <= last; id++) {
    adopt(ctx, w_conn_by_id(ctx, id), app);
  }
  ctx->conns_seen = last;
}

void scn_record(struct scn_ctx *ctx, int id, int ev, long long arg) {
  struct ev_rec *r;
  size_t most = scn_max_trace_mib * EVENTS_PER_MIB;
  if (most > 0 && ctx->nevs >= most) {
    w_stop(ctx, "the run recorded over %zu handler events by t=%lld us", most,
             (long long) w_now(ctx));
    return;
  }
  if (ctx->nevs == ctx->cap_evs) {
    size_t cap = ctx->cap_evs ? ctx->cap_evs * 2 : 64;
    struct ev_rec *e;
    if (most > 0 && cap > most) cap = most;
    if ((e = (struct ev_rec *) realloc(ctx->evs, cap * sizeof(*e))) == NULL) abort();
    ctx->evs = e;
    ctx->cap_evs = cap;
  }
  r = &ctx->evs[ctx->nevs++];
  r->t = w_now(ctx);
  r->conn = id;
  r->ev = (short) ev;
  r->arg = arg;
  r->matched = 0;
}

static void preview(const char *data, size_t len, char *out, size_t cap) {
  size_t i, o = 0;
  for (i = 0; i < len && o + 5 < cap; i++) {
    unsigned char c = (unsigned char) data[i];
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out[o++] = (char) c;
    } else {
      o += (size_t) snprintf(out + o, cap - o, c == '\n' ? "\\n" : "\\x%02x", c);
    }
  }
  out[o] = '\0';
  if (i < len) strcat(out, "...");
}

static long long event_arg(struct mg_connection *nc, int ev, void *ev_data) {
  switch (ev) {
    case MG_EV_CONNECT:
    case MG_EV_RECV:
    case MG_EV_SEND:
      return *(int *) ev_data;
    case MG_EV_TIMER:
      return llround((*(double *) ev_data - SIM_EPOCH) * 1e6);
    case MG_EV_CLOSE:
      return nc->err;
    case MG_EV_HTTP_REPLY:
    case MG_EV_WEBSOCKET_HANDSHAKE_DONE: /* a client's: 101, or a refusal */
      return ((struct http_message *) ev_data)->resp_code;
    case MG_EV_HTTP_REQUEST:
    case MG_EV_HTTP_CHUNK:
      return (long long) ((struct http_message *) ev_data)->body.len;
    case MG_EV_WEBSOCKET_FRAME:
      return (long long) ((struct websocket_message *) ev_data)->size;
    case MG_EV_WEBSOCKET_CONTROL_FRAME:
      return ((struct websocket_message *) ev_data)->flags & 0x0f;
    case MG_EV_HTTP_PART_DATA:
      return (long long) ((struct mg_http_multipart_part *) ev_data)->data.len;
    case MG_EV_HTTP_PART_END:
    case MG_EV_HTTP_MULTIPART_REQUEST_END:
      return ((struct mg_http_multipart_part *) ev_data)->status;
    default:
      return 0;
  }
}

static void trace_event(struct scn_ctx *ctx, struct mg_connection *nc, int ev,
                        void *ev_data, long long arg) {
  char who[16], text[200], addr[64];
  if (!w_tracing(ctx)) { /* an event is activity all the same */
    w_touch(ctx);
    return;
  }
  snprintf(who, sizeof(who), "#%d", w_conn_id(ctx, nc));
  switch (ev) {
    case MG_EV_ACCEPT:
      mg_sock_addr_to_str(&nc->sa, addr, sizeof(addr),
                          MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
      w_trace(ctx, who, "ACCEPT %s", addr);
      break;
    case MG_EV_CONNECT:
    case MG_EV_CLOSE:
      if (arg == 0) {
        w_trace(ctx, who, "%s%s", scn_event_name(ev),
                  ev == MG_EV_CONNECT ? " 0" : "");
      } else {
        w_trace(ctx, who, "%s %s", scn_event_name(ev), scn_errno_name(arg));
      }
      break;
    case MG_EV_RECV:
      text[0] = '\0'; /* an empty datagram may come with no buffer at all */
      if (arg > 0) {
        preview(nc->recv_mbuf.buf + nc->recv_mbuf.len - (size_t) arg, (size_t) arg,
                text, 64);
      }
      w_trace(ctx, who, "RECV %lld \"%s\"", arg, text);
      break;
    case MG_EV_SEND:
      w_trace(ctx, who, "SEND %lld", arg);
      break;
    case MG_EV_TIMER:
      w_trace(ctx, who, "TIMER @%lldus", arg);
      break;
    case MG_EV_HTTP_REQUEST:
    case MG_EV_WEBSOCKET_HANDSHAKE_REQUEST: {
      const struct http_message *hm = (const struct http_message *) ev_data;
      preview(hm->uri.p, hm->uri.len, text, 80);
      w_trace(ctx, who, "%s %.*s %s body %zu", scn_event_name(ev),
                (int) (hm->method.len < 16 ? hm->method.len : 16), hm->method.p, text,
                hm->body.len);
      break;
    }
    case MG_EV_HTTP_REPLY:
    case MG_EV_HTTP_CHUNK: {
      const struct http_message *hm = (const struct http_message *) ev_data;
      preview(hm->body.p, hm->body.len, text, 64);
      w_trace(ctx, who, "%s %d body %zu \"%s\"", scn_event_name(ev),
                hm->resp_code, hm->body.len, text);
      break;
    }
    case MG_EV_WEBSOCKET_HANDSHAKE_DONE: {
      /* A client sees the server's status: 101, or the refusal's. */
      const struct http_message *hm = (const struct http_message *) ev_data;
      if (hm->resp_code != 0) {
        w_trace(ctx, who, "%s %d", scn_event_name(ev), hm->resp_code);
      } else {
        w_trace(ctx, who, "%s", scn_event_name(ev));
      }
      break;
    }
    case MG_EV_WEBSOCKET_FRAME:
    case MG_EV_WEBSOCKET_CONTROL_FRAME: {
      const struct websocket_message *wm = (const struct websocket_message *) ev_data;
      preview((const char *) wm->data, wm->size, text, 64);
      w_trace(ctx, who, "%s op %d%s %zu \"%s\"", scn_event_name(ev),
                wm->flags & 0x0f, (wm->flags & 0x80) ? " fin" : "", wm->size, text);
      break;
    }
    default:
      w_trace(ctx, who, "%s", scn_event_name(ev));
      break;
  }
}

static void check_invariants(struct scn_ctx *ctx, struct mg_connection *nc) {
  if (ctx->broken[0] != '\0') return;
  if (nc->recv_mbuf.len > nc->recv_mbuf.size || nc->send_mbuf.len > nc->send_mbuf.size) {
    snprintf(ctx->broken, sizeof(ctx->broken), "#%d: mbuf len exceeds size",
             w_conn_id(ctx, nc));
  } else if ((nc->engine_flags & MG_F_LISTENING) &&
             (nc->engine_flags & (MG_F_CONNECTING | MG_F_RESOLVING))) {
    snprintf(ctx->broken, sizeof(ctx->broken),
             "#%d: engine flags %#lx: listening and connecting at once",
             w_conn_id(ctx, nc), nc->engine_flags);
  } else if ((nc->engine_flags & MG_F_CONNECTING) &&
             (nc->engine_flags & MG_F_RESOLVING)) {
    snprintf(ctx->broken, sizeof(ctx->broken),
             "#%d: engine flags %#lx: resolving and connecting at once",
             w_conn_id(ctx, nc), nc->engine_flags);
  }
}

static void apply_rules(struct scn_ctx *ctx, struct conn_info *ci,
                        struct mg_connection *nc, int ev) {
  const struct app_inst *app;
  char err[200];
  int i;
  if (ci->app < 0 || ci->app >= ctx->napps) return;
  app = &ctx->apps[ci->app];
  for (i = 0; i < app->nrules; i++) {
    if (app->rules[i].ev != ev) continue;
    if (scn_conn_action(ctx, nc, app->rules[i].toks, app->rules[i].ntoks, 0, err,
                        sizeof(err)) != 0 &&
        ctx->broken[0] == '\0') {
      snprintf(ctx->broken, sizeof(ctx->broken), "line %d: %s", app->line, err);
    }
  }
}

void scn_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct scn_ctx *ctx = s_ctx;
  int id = w_conn_id(ctx, nc);
  struct conn_info *ci = scn_conn(ctx, id);
  long long arg;
  if (!ci->known && nc->listener != NULL) {
    /* Accepted: it behaves like its listener. */
    /* The listener's id is smaller: looking it up cannot move the table. */
    const struct conn_info *li = scn_conn(ctx, w_conn_id(ctx, nc->listener));
    ci->known = 1;
    ci->orig = li->orig;
    ci->app = li->app;
  }
  if (ci->closed && ctx->broken[0] == '\0') {
    snprintf(ctx->broken, sizeof(ctx->broken), "#%d got %s after its CLOSE", id,
             scn_event_name(ev));
  }
  if (ev != MG_EV_POLL) {
    arg = event_arg(nc, ev, ev_data);
    scn_record(ctx, id, ev, arg);
    trace_event(ctx, nc, ev, ev_data, arg);
  }
  if (ci->orig != NULL) ci->orig(nc, ev, ev_data);
  apply_rules(ctx, scn_conn(ctx, id), nc, ev);
  ci = scn_conn(ctx, id);
  if (ev == MG_EV_CLOSE) ci->closed = 1;
  check_invariants(ctx, nc);
  /* Only a handler can make connections or swap one's handler: look for
   * that when the simulation made a connection since the last look, or
   * this connection's handler changed, not after every event. */
  if (nc->handler != scn_handler) adopt(ctx, nc, ci->app);
  if (w_conn_count(ctx) != ctx->conns_seen) scn_adopt_new_conns(ctx, ci->app);
}

/* Why the simulation stopped, and for a bound, which option moves it. */
static void sim_failure(struct scn_ctx *ctx, char *err, size_t errlen) {
  enum sim_limit hit = w_limit_hit(ctx);
  if (hit == SIM_LIMIT_NONE) {
    snprintf(err, errlen, "%s", w_error(ctx));
  } else {
    snprintf(err, errlen,
             "%s; the scenario asks for more simulated work than mgsim %s",
             w_error(ctx),
             hit == SIM_LIMIT_WORK ? "does (--max-work MILLIONS raises the limit)"
                                   : "keeps (--max-trace MIB raises the limit)");
  }
}

int scn_run_to(struct scn_ctx *ctx, int64_t t, char *err, size_t errlen) {
  if (ctx->mgr_live) {
    if (w_run_until(ctx, t) != 0) {
      sim_failure(ctx, err, errlen);
      return -1;
    }
  } else {
    w_advance(ctx, t);
  }
  ctx->t = t;
  return 0;
}

/* "path:line: message" and the end of the trace. */
static char *failure(const struct scn_ctx *ctx, int lineno, const char *msg) {
  const char *trace = w_trace_text(ctx), *p = trace + strlen(trace);
  int lines = 0;
  struct mbuf out;
  char head[600];
  while (p > trace && lines <= TRACE_TAIL_LINES) {
    p--;
    if (*p == '\n' && p[1] != '\0') lines++;
  }
  if (lines > TRACE_TAIL_LINES) p++;
  snprintf(head, sizeof(head), "%s:%d: %s\n  trace up to %lld us:\n",
           ctx->sc->path, lineno, msg, (long long) w_now(ctx));
  mbuf_init(&out, strlen(head) + strlen(p) + 64);
  mbuf_append(&out, head, strlen(head));
  for (; *p != '\0'; p++) {
    if (p == trace || p[-1] == '\n') mbuf_append(&out, "    ", 4);
    mbuf_append(&out, p, 1);
  }
  mbuf_append(&out, "", 1);
  return out.buf;
}

static void free_ctx(struct scn_ctx *ctx) {
  int i;
  for (i = 0; i < ctx->napps; i++) free(ctx->apps[i].rules);
  free(ctx->apps);
  free(ctx->evs);
  free(ctx->conns);
  sim_free(ctx->sim);
  native_free(ctx->nat);
  free(ctx);
}

/* Natively, every IPv4 address the scenario names (in app arguments, peer
 * commands, DNS answers) is given to the namespace's loopback, so that it
 * can be bound and reached as written. */
static int add_scenario_addresses(const struct scn *sc, char *err, size_t errlen) {
  int i, k;
  for (i = 0; i < sc->nlines; i++) {
    for (k = 0; k < sc->lines[i].ntoks; k++) {
      const struct tok *t = &sc->lines[i].toks[k];
      size_t j = 0;
      if (t->type != T_WORD && t->type != T_STR) continue;
      while (j < t->len) {
        unsigned a, b, c, d;
        int used = 0;
        char ip[16];
        if ((j > 0 && (isdigit((unsigned char) t->s[j - 1]) || t->s[j - 1] == '.')) ||
            !isdigit((unsigned char) t->s[j]) ||
            sscanf(t->s + j, "%3u.%3u.%3u.%3u%n", &a, &b, &c, &d, &used) != 4 ||
            a > 255 || b > 255 || c > 255 || d > 255) {
          j++;
          continue;
        }
        snprintf(ip, sizeof(ip), "%u.%u.%u.%u", a, b, c, d);
        if (native_add_address(ip, err, errlen) != 0) return -1;
        j += (size_t) used;
      }
    }
  }
  return 0;
}

/* The world the run happens in, with the run's bounds. */
static int make_world(struct scn_ctx *ctx, uint64_t seed, char *err, size_t errlen) {
  if (scn_native) {
    if (native_isolate(err, errlen) != 0) return -1;
    if ((ctx->nat = native_new(seed, scn_time_scale)) == NULL) {
      snprintf(err, errlen, "out of memory");
      return -1;
    }
    native_set_tracing(ctx->nat, scn_tracing);
    native_set_limits(ctx->nat, scn_max_trace_mib << 20,
                      (uint64_t) scn_max_work_millions * 1000000u);
    if (add_scenario_addresses(ctx->sc, err, errlen) != 0) return -1;
    if (native_mgr_init(ctx->nat, &ctx->mgr) != 0) {
      snprintf(err, errlen, "%s", native_error(ctx->nat));
      return -1;
    }
    return 0;
  }
  if ((ctx->sim = sim_new(seed)) == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  if (s_nwatchers > 0) sim_set_wire_observer(ctx->sim, wire_to_watchers, NULL);
  sim_set_poll_limit(ctx->sim, scn_poll_limit);
  sim_set_tracing(ctx->sim, scn_tracing);
  sim_set_limits(ctx->sim, scn_max_trace_mib << 20,
                 (uint64_t) scn_max_work_millions * 1000000u);
  sim_mgr_init(ctx->sim, &ctx->mgr, NULL);
  return 0;
}

void scn_run(const struct scn *sc, uint64_t seed, struct scn_result *res) {
  struct scn_ctx *ctx = (struct scn_ctx *) calloc(1, sizeof(*ctx));
  char err[400];
  int i, lineno = 0, settled = 0, told = 0;
  memset(res, 0, sizeof(*res));
  if (ctx == NULL) {
    res->message = NULL;
    return;
  }
  ctx->sc = sc;
  s_ctx = ctx;
  ctx->re_steps = scn_max_work_millions * SCN_RE_STEPS_PER_WORK;
  /* Paths in app arguments are relative to the scenario file. */
  if (getcwd(ctx->cwd, sizeof(ctx->cwd)) == NULL || chdir(sc->basedir) != 0) {
    ctx->cwd[0] = '\0';
  }
  err[0] = '\0';
  if (scn_native && sc->native_skip != NULL) {
    res->skipped = 1;
    res->trace = strdup("");
    s_ctx = NULL;
    if (ctx->cwd[0] != '\0' && chdir(ctx->cwd) != 0) ctx->cwd[0] = '\0';
    free_ctx(ctx);
    return;
  }
  if (make_world(ctx, seed, err, sizeof(err)) != 0) {
    char msg[600];
    snprintf(msg, sizeof(msg), "%s: %s", sc->path, err);
    res->message = strdup(msg);
    res->trace = strdup("");
    s_ctx = NULL;
    if (ctx->cwd[0] != '\0' && chdir(ctx->cwd) != 0) ctx->cwd[0] = '\0';
    free_ctx(ctx);
    return;
  }
  ctx->mgr_live = 1;
  for (i = 0; i < sc->nlines && err[0] == '\0'; i++) {
    const struct scn_line *ln = &sc->lines[i];
    lineno = ln->lineno;
    /* The engine was left idle at ctx->t by the line before: a line at the
     * same instant need not poll it again first. */
    if (!(settled && ln->at == ctx->t) && scn_run_to(ctx, ln->at, err, sizeof(err)) != 0) {
      break;
    }
    /* A command, then the engine reacts at this same instant before the
     * next line (a bare time has nothing to react to). */
    if (ln->ntoks > 0 && (scn_exec(ctx, ln, 0, err, sizeof(err)) != 0 ||
                          scn_run_to(ctx, ctx->t, err, sizeof(err)) != 0)) {
      break;
    }
    settled = 1;
    if (ctx->broken[0] != '\0') snprintf(err, sizeof(err), "%s", ctx->broken);
  }
  /* Watchers see the failure where it happened, before the teardown. */
  if (err[0] != '\0') {
    failed_to_watchers(ctx, lineno, err);
    told = 1;
  }
  if (err[0] == '\0' && ctx->mgr_live) {
    lineno = sc->nlines > 0 ? sc->lines[sc->nlines - 1].lineno : 0;
    w_mgr_free(ctx);
    if (ctx->broken[0] != '\0') snprintf(err, sizeof(err), "%s", ctx->broken);
  } else if (ctx->mgr_live) {
    w_mgr_free(ctx);
  }
  /* A bound reached where no poll followed to report it. */
  if (err[0] == '\0' && w_limit_hit(ctx) != SIM_LIMIT_NONE) {
    sim_failure(ctx, err, sizeof(err));
  }
  /* Every connection a handler saw got exactly one CLOSE. */
  for (i = 1; err[0] == '\0' && (size_t) i < ctx->nconns; i++) {
    if (ctx->conns[i].known && !ctx->conns[i].closed) {
      snprintf(err, sizeof(err), "#%d never got CLOSE", i);
    }
  }
  res->passed = err[0] == '\0';
  res->over_bound = w_limit_hit(ctx) != SIM_LIMIT_NONE;
  res->expectations = ctx->expectations;
  res->loosened = ctx->loosened;
  res->delay_us = w_knobs(ctx)->delay_us;
  res->end_us = w_now(ctx);
  if (!res->passed) res->message = failure(ctx, lineno, err);
  if (!res->passed && !told) failed_to_watchers(ctx, lineno, err);
  ended_to_watchers(ctx);
  res->trace = w_trace_take(ctx);
  s_ctx = NULL;
  if (ctx->cwd[0] != '\0' && chdir(ctx->cwd) != 0) ctx->cwd[0] = '\0';
  free_ctx(ctx);
}

void scn_result_free(struct scn_result *res) {
  free(res->trace);
  free(res->message);
  res->trace = res->message = NULL;
}
