/*
 * scn_cmd.c - the scenario commands. Each is one function that either
 * checks its arguments (dry, while parsing) or does what it says (running),
 * so that what the parser accepts and what the runner does cannot drift.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peer_bytes.h"
#include "world.h"

static int parse_size(const struct tok *t, size_t *out) {
  uint64_t v;
  if (t->type != T_WORD || scn_parse_uint(t->s, SIZE_MAX, &v) != 0) return -1;
  *out = (size_t) v;
  return 0;
}

static int parse_prob(const struct tok *t, double *out) {
  char *end;
  double v;
  if (t->type != T_WORD) return -1;
  v = strtod(t->s, &end);
  if (*end != '\0' || end == t->s || !(v >= 0 && v <= 1)) return -1;
  *out = v;
  return 0;
}

static int parse_dur(const struct tok *t, int64_t *out) {
  return t->type == T_WORD ? scn_parse_duration(t->s, out) : -1;
}

/* KNOB VALUE pairs, for "net" and "peer NAME set". */
static int set_knobs(struct sim_knobs *k, const struct tok *t, int n, char *err,
                     size_t errlen) {
  int i;
  if (n == 0 || n % 2 != 0) FAIL("knobs come in pairs: KNOB VALUE");
  for (i = 0; i < n; i += 2) {
    const char *name = t[i].type == T_WORD ? t[i].s : "";
    int ok;
    if (strcmp(name, "delay") == 0) {
      ok = parse_dur(&t[i + 1], &k->delay_us) == 0;
    } else if (strcmp(name, "jitter") == 0) {
      ok = parse_dur(&t[i + 1], &k->jitter_us) == 0;
    } else if (strcmp(name, "connect-timeout") == 0) {
      ok = parse_dur(&t[i + 1], &k->connect_timeout_us) == 0;
    } else if (strcmp(name, "send-limit") == 0) {
      ok = parse_size(&t[i + 1], &k->send_limit) == 0;
    } else if (strcmp(name, "read-split") == 0) {
      ok = parse_size(&t[i + 1], &k->read_split) == 0;
    } else if (strcmp(name, "window") == 0) {
      ok = parse_size(&t[i + 1], &k->window) == 0;
    } else if (strcmp(name, "peer-window") == 0) {
      ok = parse_size(&t[i + 1], &k->peer_window) == 0;
    } else if (strcmp(name, "loss") == 0) {
      ok = parse_prob(&t[i + 1], &k->loss) == 0;
    } else if (strcmp(name, "dup") == 0) {
      ok = parse_prob(&t[i + 1], &k->dup) == 0;
    } else {
      FAIL("unknown knob '%s' (delay, jitter, connect-timeout, send-limit, "
           "read-split, window, peer-window, loss, dup)", name);
    }
    if (!ok) FAIL("bad value '%s' for %s", t[i + 1].s, name);
  }
  return 0;
}

static int cmd_net(struct scn_ctx *ctx, const struct tok *t, int n, int dry,
                   char *err, size_t errlen) {
  struct sim_knobs scratch;
  memset(&scratch, 0, sizeof(scratch));
  if (set_knobs(dry ? &scratch : w_knobs(ctx), t + 1, n - 1, err, errlen) != 0) return -1;
  if (!dry) w_knobs_changed(ctx);
  return 0;
}

static int cmd_dns(struct scn_ctx *ctx, const struct tok *t, int n, int dry,
                   char *err, size_t errlen) {
  int64_t delay = 0;
  if (n < 3 || t[1].type != T_WORD || t[2].type != T_WORD) {
    FAIL("usage: dns NAME (IP | fail | silent) [delay DURATION]");
  }
  if (n == 5 && is_word(&t[3], "delay")) {
    if (parse_dur(&t[4], &delay) != 0) FAIL("bad delay '%s'", t[4].s);
  } else if (n != 3) {
    FAIL("usage: dns NAME (IP | fail | silent) [delay DURATION]");
  }
  if (is_word(&t[2], "silent")) {
    if (n != 3) FAIL("a silent name has no delay");
    return dry ? 0 : w_dns_silent(ctx, t[1].s);
  }
  if (is_word(&t[2], "fail")) return dry ? 0 : w_dns_fail(ctx, t[1].s, delay);
  if (dry) {
    union socket_address sa;
    char buf[300];
    int proto;
    snprintf(buf, sizeof(buf), strchr(t[2].s, ':') ? "[%s]:1" : "%s:1", t[2].s);
    if (mg_parse_address(buf, &sa, &proto, NULL, 0) != 1) {
      FAIL("'%s' is not an IP address", t[2].s);
    }
    return 0;
  }
  if (w_dns_answer(ctx, t[1].s, t[2].s, delay) != 0) {
    FAIL("%s", w_error(ctx));
  }
  return 0;
}

/* ---- app ------------------------------------------------------------------ */

static int cmd_app(struct scn_ctx *ctx, const struct tok *t, int n, int dry,
                   char *err, size_t errlen) {
  scn_app_start start;
  char *argv[32];
  int argc = 0, i, first_on = n;
  struct app_inst inst;
  if (n < 2 || t[1].type != T_WORD) FAIL("usage: app NAME ARGS... [on EVENT ACTION...]");
  if ((start = scn_find_app(t[1].s)) == NULL) FAIL("unknown app '%s'", t[1].s);
  for (i = 2; i < n; i++) {
    if (is_word(&t[i], "on")) {
      first_on = i;
      break;
    }
    if (t[i].type == T_CONN) FAIL("app arguments are words, not '%s'", t[i].s);
    if (argc == (int) (sizeof(argv) / sizeof(argv[0]))) FAIL("too many app arguments");
    argv[argc++] = t[i].s;
  }
  memset(&inst, 0, sizeof(inst));
  /* on EVENT ACTION ARGS... on EVENT ... */
  for (i = first_on; i < n;) {
    int j = i + 2, ev;
    struct rule *r;
    if (i + 2 >= n || t[i + 1].type != T_WORD) {
      free(inst.rules);
      FAIL("usage: on EVENT ACTION [ARGS]");
    }
    if ((ev = scn_event_by_name(t[i + 1].s)) < 0) {
      free(inst.rules);
      FAIL("unknown event '%s'", t[i + 1].s);
    }
    while (j < n && !is_word(&t[j], "on")) j++;
    if (scn_conn_action(ctx, NULL, &t[i + 2], j - i - 2, 1, err, errlen) != 0) {
      free(inst.rules);
      return -1;
    }
    r = (struct rule *) realloc(inst.rules, (size_t) (inst.nrules + 1) * sizeof(*r));
    if (r == NULL) {
      free(inst.rules);
      FAIL("out of memory");
    }
    inst.rules = r;
    r[inst.nrules].ev = ev;
    r[inst.nrules].toks = &t[i + 2];
    r[inst.nrules].ntoks = j - i - 2;
    inst.nrules++;
    i = j;
  }
  if (dry) {
    free(inst.rules);
    return scn_check_app(ctx->sc, start, argc, argv, err, errlen);
  }
  {
    struct app_inst *apps = (struct app_inst *) realloc(
        ctx->apps, (size_t) (ctx->napps + 1) * sizeof(*apps));
    if (apps == NULL) {
      free(inst.rules);
      FAIL("out of memory");
    }
    ctx->apps = apps;
    ctx->apps[ctx->napps++] = inst;
  }
  scn_adopt_new_conns(ctx, -1); /* whatever existed before is not this app's */
  if (start(&ctx->mgr, argc, argv, err, errlen) != 0) return -1;
  scn_adopt_new_conns(ctx, ctx->napps - 1);
  return 0;
}

/* ---- peer ----------------------------------------------------------------- */

static int cmd_peer(struct scn_ctx *ctx, const struct tok *t, int n, int dry,
                    char *err, size_t errlen) {
  struct world_peer *p = NULL;
  const char *verb;
  struct mbuf data;
  int rc = 0, used;
  if (n < 3 || t[1].type != T_WORD || t[2].type != T_WORD) {
    FAIL("usage: peer NAME VERB [ARGS]");
  }
  verb = t[2].s;
  if (!dry) {
    p = w_peer_find(ctx, t[1].s);
    if (p == NULL && (p = w_peer_new(ctx, t[1].s)) == NULL) {
      FAIL("%s", w_error(ctx));
    }
  }
  if (strcmp(verb, "set") == 0) {
    struct sim_knobs scratch;
    memset(&scratch, 0, sizeof(scratch));
    return set_knobs(dry ? &scratch : w_peer_knobs(ctx, p), t + 3, n - 3, err, errlen);
  }
  if (strcmp(verb, "close") == 0 || strcmp(verb, "reset") == 0 ||
      strcmp(verb, "stop-reading") == 0 || strcmp(verb, "resume-reading") == 0) {
    if (n != 3) FAIL("usage: peer NAME %s", verb);
    if (dry) return 0;
    if (strcmp(verb, "close") == 0) rc = w_peer_close(ctx, p);
    if (strcmp(verb, "reset") == 0) rc = w_peer_reset(ctx, p);
    if (strcmp(verb, "stop-reading") == 0) w_peer_reading(ctx, p, 0);
    if (strcmp(verb, "resume-reading") == 0) w_peer_reading(ctx, p, 1);
  } else if (strcmp(verb, "addr") == 0 || strcmp(verb, "connect") == 0 ||
             strcmp(verb, "udp") == 0 || strcmp(verb, "listen") == 0) {
    union socket_address sa;
    int proto;
    enum sim_listen_mode mode = SIM_ACCEPT;
    if (n < 4 || t[3].type != T_WORD ||
        mg_parse_address(t[3].s, &sa, &proto, NULL, 0) != 1) {
      FAIL("usage: peer NAME %s IP:PORT", verb);
    }
    if (strcmp(verb, "listen") == 0 && n == 5) {
      if (is_word(&t[4], "refuse")) {
        mode = SIM_REFUSE;
      } else if (is_word(&t[4], "silent")) {
        mode = SIM_SILENT;
      } else if (!is_word(&t[4], "accept")) {
        FAIL("listen mode is accept, refuse or silent, not '%s'", t[4].s);
      }
    } else if (n != 4) {
      FAIL("usage: peer NAME %s IP:PORT", verb);
    }
    if (dry) return 0;
    if (strcmp(verb, "addr") == 0) rc = w_peer_set_addr(ctx, p, t[3].s);
    if (strcmp(verb, "connect") == 0) rc = w_peer_connect(ctx, p, t[3].s);
    if (strcmp(verb, "udp") == 0) rc = w_peer_udp_bind(ctx, p, t[3].s);
    if (strcmp(verb, "listen") == 0) rc = w_peer_listen(ctx, p, t[3].s, mode);
  } else if (strcmp(verb, "send") == 0 || strcmp(verb, "sendto") == 0) {
    int first = strcmp(verb, "sendto") == 0 ? 4 : 3;
    union socket_address sa;
    int proto;
    if (first == 4 && (n < 5 || t[3].type != T_WORD ||
                       mg_parse_address(t[3].s, &sa, &proto, NULL, 0) != 1)) {
      FAIL("usage: peer NAME sendto IP:PORT DATA");
    }
    mbuf_init(&data, 0);
    used = scn_data(ctx->sc, t + first, n - first, dry ? NULL : &data, err, errlen);
    if (used < 0 || first + used != n) {
      mbuf_free(&data);
      if (used >= 0) FAIL("unexpected '%s' after the data", t[first + used].s);
      return -1;
    }
    if (!dry) {
      rc = first == 4 ? w_peer_sendto(ctx, p, t[3].s, data.buf, data.len)
                      : w_peer_send(ctx, p, data.buf, data.len);
      if (rc == 0 && first == 3) peer_bytes_sent(t[1].s, data.buf, data.len);
    }
    mbuf_free(&data);
  } else {
    FAIL("unknown peer verb '%s' (connect, listen, udp, addr, set, send, "
         "sendto, close, reset, stop-reading, resume-reading)", verb);
  }
  if (rc != 0) FAIL("%s", w_error(ctx));
  return 0;
}

/* ---- conn ----------------------------------------------------------------- */

int scn_conn_action(struct scn_ctx *ctx, struct mg_connection *nc,
                    const struct tok *t, int n, int dry, char *err,
                    size_t errlen) {
  const char *verb;
  size_t v;
  int i;
  if (n < 1 || t[0].type != T_WORD) FAIL("an action expected");
  verb = t[0].s;
  if (strcmp(verb, "send") == 0) {
    struct mbuf data;
    int used;
    mbuf_init(&data, 0);
    used = scn_data(ctx->sc, t + 1, n - 1, dry ? NULL : &data, err, errlen);
    if (used >= 0 && used + 1 != n) {
      mbuf_free(&data);
      FAIL("unexpected '%s' after the data", t[used + 1].s);
    }
    if (used >= 0 && !dry) mg_send(nc, data.buf, (int) data.len);
    mbuf_free(&data);
    return used < 0 ? -1 : 0;
  }
  if (strcmp(verb, "ws-send") == 0) {
    /* Framed by the engine, as a handler's frame is: a rule can then show
     * where the handler's reply lands among the engine's own frames. */
    static const struct {
      const char *name;
      int op;
    } ops[] = {{"text", WEBSOCKET_OP_TEXT}, {"binary", WEBSOCKET_OP_BINARY},
               {"ping", WEBSOCKET_OP_PING}, {"pong", WEBSOCKET_OP_PONG},
               {"close", WEBSOCKET_OP_CLOSE}};
    struct mbuf data;
    int used, op = -1;
    for (i = 0; n >= 2 && i < (int) (sizeof(ops) / sizeof(ops[0])); i++) {
      if (is_word(&t[1], ops[i].name)) op = ops[i].op;
    }
    if (op < 0) FAIL("usage: ws-send text|binary|ping|pong|close DATA");
    mbuf_init(&data, 0);
    used = scn_data(ctx->sc, t + 2, n - 2, dry ? NULL : &data, err, errlen);
    if (used >= 0 && used + 2 != n) {
      mbuf_free(&data);
      FAIL("unexpected '%s' after the data", t[used + 2].s);
    }
    if (used >= 0 && !dry) mg_send_websocket_frame(nc, op, data.buf, data.len);
    mbuf_free(&data);
    return used < 0 ? -1 : 0;
  }
  if (strcmp(verb, "flag") == 0) {
    if (n < 2) FAIL("usage: flag +NAME|-NAME...");
    for (i = 1; i < n; i++) {
      unsigned long f = t[i].type == T_WORD && (t[i].s[0] == '+' || t[i].s[0] == '-')
                            ? scn_flag_by_name(t[i].s + 1)
                            : 0;
      if (f == 0) FAIL("'%s' is not +FLAG or -FLAG", t[i].s);
      if (dry) continue;
      if (t[i].s[0] == '+') {
        nc->flags |= f;
      } else {
        nc->flags &= ~f;
      }
    }
    return 0;
  }
  if (strcmp(verb, "close") == 0) {
    if (n != 1) FAIL("usage: close");
    if (!dry) nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    return 0;
  }
  if (strcmp(verb, "http") == 0) {
    if (n != 1) FAIL("usage: http");
    if (!dry) mg_set_protocol_http_websocket(nc);
    return 0;
  }
  if (strcmp(verb, "timer") == 0) {
    if (n != 2) FAIL("usage: timer +DURATION | @TIME | 0");
    if (t[1].type == T_TIME_REL) {
      /* From whole microseconds, as the clock counts: exact, never late. */
      if (!dry) mg_set_timer(nc, SIM_EPOCH + (double) (w_now(ctx) + t[1].us) / 1e6);
    } else if (t[1].type == T_TIME_ABS) {
      if (!dry) mg_set_timer(nc, SIM_EPOCH + (double) t[1].us / 1e6);
    } else if (is_word(&t[1], "0")) {
      if (!dry) mg_set_timer(nc, 0);
    } else {
      FAIL("usage: timer +DURATION | @TIME | 0");
    }
    return 0;
  }
  if (strcmp(verb, "recv-limit") == 0 || strcmp(verb, "send-limit") == 0) {
    if (n != 2 || parse_size(&t[1], &v) != 0) FAIL("usage: %s BYTES", verb);
    if (!dry && verb[0] == 'r') nc->recv_mbuf_limit = v;
    if (!dry && verb[0] == 's') nc->send_mbuf_limit = v;
    return 0;
  }
  if (strcmp(verb, "consume") == 0) {
    intptr_t mode;
    if (n != 2) FAIL("usage: consume all | none | BYTES-PER-POLL");
    if (is_word(&t[1], "all")) {
      mode = 0;
    } else if (is_word(&t[1], "none")) {
      mode = -1;
    } else if (parse_size(&t[1], &v) == 0 && v > 0 && v < (size_t) INTPTR_MAX) {
      mode = (intptr_t) v;
    } else {
      FAIL("usage: consume all | none | BYTES-PER-POLL");
    }
    /* The raw app reads it from user_data, which other apps keep their
     * own state in. */
    if (!dry && !scn_is_raw_conn(ctx, nc)) FAIL("consume acts on the raw app's connections");
    if (!dry) nc->user_data = (void *) mode;
    return 0;
  }
  FAIL("unknown action '%s' (send, ws-send, flag, close, http, timer, "
       "recv-limit, send-limit, consume)", verb);
}

static int cmd_conn(struct scn_ctx *ctx, const struct tok *t, int n, int dry,
                    char *err, size_t errlen) {
  struct mg_connection *nc = NULL;
  if (n < 3 || t[1].type != T_CONN) FAIL("usage: conn #ID ACTION [ARGS]");
  if (!dry && (nc = scn_find_conn(ctx, (int) t[1].n)) == NULL) {
    FAIL("connection #%lld does not exist (any more)", t[1].n);
  }
  return scn_conn_action(ctx, nc, t + 2, n - 2, dry, err, errlen);
}

/* ---- mgr ------------------------------------------------------------------ */

static struct scn_ctx *s_bcast_ctx;

/* The broadcast callback: each connection sees it and, if it is a stream,
 * passes the message on to its peer. */
static void on_broadcast(struct mg_connection *nc, int ev, void *ev_data) {
  const struct mbuf *msg = (const struct mbuf *) ev_data;
  char who[16];
  (void) ev;
  snprintf(who, sizeof(who), "#%d", w_conn_id(s_bcast_ctx, nc));
  scn_record(s_bcast_ctx, w_conn_id(s_bcast_ctx, nc), SCN_EV_BROADCAST, (long long) msg->len);
  w_trace(s_bcast_ctx, who, "BROADCAST %zu", msg->len);
  if (!(nc->flags & (MG_F_LISTENING | MG_F_UDP))) {
    mg_send(nc, msg->buf, (int) msg->len);
  }
}

static int cmd_mgr(struct scn_ctx *ctx, const struct tok *t, int n, int dry,
                   char *err, size_t errlen) {
  if (n >= 2 && is_word(&t[1], "free")) {
    if (n != 2) FAIL("usage: mgr free");
    if (!dry && ctx->mgr_live) w_mgr_free(ctx);
    return 0;
  }
  if (n >= 2 && is_word(&t[1], "broadcast")) {
    struct mbuf data;
    int used;
    mbuf_init(&data, 0);
    used = scn_data(ctx->sc, t + 2, n - 2, dry ? NULL : &data, err, errlen);
    if (used >= 0 && used + 2 != n) {
      mbuf_free(&data);
      FAIL("unexpected '%s' after the data", t[used + 2].s);
    }
    if (used >= 0 && !dry && ctx->mgr_live) {
      s_bcast_ctx = ctx;
      mg_broadcast(&ctx->mgr, on_broadcast, &data, sizeof(data));
    }
    mbuf_free(&data);
    return used < 0 ? -1 : 0;
  }
  FAIL("usage: mgr free | mgr broadcast DATA");
}

int scn_exec(struct scn_ctx *ctx, const struct scn_line *ln, int dry,
             char *err, size_t errlen) {
  const struct tok *t = ln->toks;
  int n = ln->ntoks;
  if (t[0].type != T_WORD) FAIL("a command expected, not '%s'", t[0].s);
  if (!dry && !ctx->mgr_live && strcmp(t[0].s, "expect") != 0 &&
      strcmp(t[0].s, "peer") != 0 && strcmp(t[0].s, "net") != 0 &&
      strcmp(t[0].s, "dns") != 0) {
    FAIL("'%s' after mgr free: the manager is gone", t[0].s);
  }
  if (strcmp(t[0].s, "net") == 0) return cmd_net(ctx, t, n, dry, err, errlen);
  if (strcmp(t[0].s, "dns") == 0) return cmd_dns(ctx, t, n, dry, err, errlen);
  if (strcmp(t[0].s, "app") == 0) return cmd_app(ctx, t, n, dry, err, errlen);
  if (strcmp(t[0].s, "peer") == 0) return cmd_peer(ctx, t, n, dry, err, errlen);
  if (strcmp(t[0].s, "conn") == 0) return cmd_conn(ctx, t, n, dry, err, errlen);
  if (strcmp(t[0].s, "mgr") == 0) return cmd_mgr(ctx, t, n, dry, err, errlen);
  if (strcmp(t[0].s, "expect") == 0) return scn_expect(ctx, ln, dry, err, errlen);
  FAIL("unknown command '%s' (net, dns, app, peer, conn, mgr, expect, seed)",
       t[0].s);
}
