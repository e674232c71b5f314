/*
 * apps.c - the apps a scenario can run in the engine, and their registry.
 *
 *   app echo ADDRESS                    every byte (or datagram) comes back
 *   app timer EVERY [COUNT [CONNS]]     socketless connections ticking
 *   app raw listen ADDRESS              connections that do nothing by
 *   app raw connect ADDRESS               themselves but consume what they
 *   app raw socketless                    receive; the script drives them
 *
 * and the examples' handlers (apps_examples.c): http-static, ws-echo,
 * ws-chat, http-client, ws-client; and http-upload (app_upload.c). Programs add their own with
 * scn_register_app() before mgsim_main().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "world.h"

#define MAX_APPS 64

static struct {
  const char *name;
  scn_app_start start;
} s_apps[MAX_APPS];
static int s_napps;

int scn_register_app(const char *name, scn_app_start start) {
  int i;
  for (i = 0; i < s_napps; i++) {
    if (strcmp(s_apps[i].name, name) == 0) {
      s_apps[i].start = start;
      return 0;
    }
  }
  if (s_napps == MAX_APPS) return -1;
  s_apps[s_napps].name = name;
  s_apps[s_napps].start = start;
  s_napps++;
  return 0;
}

scn_app_start scn_find_app(const char *name) {
  int i;
  for (i = 0; i < s_napps; i++) {
    if (strcmp(s_apps[i].name, name) == 0) return s_apps[i].start;
  }
  return NULL;
}

static int check_address(const char *addr, int need_numeric, char *err,
                         size_t errlen) {
  union socket_address sa;
  char host[256];
  int proto, rc = mg_parse_address(addr, &sa, &proto, host, sizeof(host));
  if (rc < 0 || (need_numeric && rc == 0)) {
    snprintf(err, errlen, "bad address '%s'", addr);
    return -1;
  }
  return 0;
}

static int bind_or_fail(struct mg_mgr *mgr, const char *addr,
                        mg_event_handler_t h, char *err, size_t errlen) {
  const char *e = NULL;
  struct mg_bind_opts opts;
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &e;
  if (mg_bind_opt(mgr, addr, h, opts) == NULL) {
    snprintf(err, errlen, "cannot listen on %s: %s", addr, e);
    return -1;
  }
  return 0;
}

/* ---- echo ---------------------------------------------------------------- */

static void echo_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_RECV) {
    mg_send(nc, nc->recv_mbuf.buf, (int) nc->recv_mbuf.len);
    mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
  }
}

static int echo_start(struct mg_mgr *mgr, int argc, char **argv, char *err,
                      size_t errlen) {
  if (argc != 1) {
    snprintf(err, errlen, "usage: app echo ADDRESS");
    return -1;
  }
  if (mgr == NULL) return check_address(argv[0], 1, err, errlen);
  return bind_or_fail(mgr, argv[0], echo_handler, err, errlen);
}

/* ---- timer --------------------------------------------------------------- */

struct ticker {
  double every;
  long left; /* ticks to go; 0: forever */
};

static void timer_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct ticker *t = (struct ticker *) nc->user_data;
  if (ev == MG_EV_TIMER) {
    if (t->left > 0 && --t->left == 0) {
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    } else {
      mg_set_timer(nc, *(double *) ev_data + t->every);
    }
  } else if (ev == MG_EV_CLOSE) {
    free(t);
    nc->user_data = NULL;
  }
}

static int timer_start(struct mg_mgr *mgr, int argc, char **argv, char *err,
                       size_t errlen) {
  int64_t us;
  long count = 0, conns = 1, i;
  char *end = NULL;
  if (argc < 1 || argc > 3 || scn_parse_duration(argv[0], &us) != 0 || us == 0 ||
      (argc >= 2 && ((count = strtol(argv[1], &end, 10)) <= 0 || *end != '\0')) ||
      (argc == 3 && ((conns = strtol(argv[2], &end, 10)) <= 0 || *end != '\0' ||
                     conns > 100000))) {
    snprintf(err, errlen,
             "usage: app timer EVERY [COUNT [CONNS]]  (e.g. app timer 1s 5)");
    return -1;
  }
  if (mgr == NULL) return 0;
  /* All connections share one stamp: CONNS timers due in the same poll. */
  for (i = 0; i < conns; i++) {
    struct ticker *t = (struct ticker *) calloc(1, sizeof(*t));
    struct mg_connection *nc;
    if (t == NULL || (nc = mg_add_sock(mgr, INVALID_SOCKET, timer_handler)) == NULL) {
      free(t);
      snprintf(err, errlen, "out of memory");
      return -1;
    }
    t->every = (double) us / 1e6;
    t->left = count;
    nc->user_data = t;
    mg_set_timer(nc, mg_time() + t->every);
  }
  return 0;
}

/* ---- raw ----------------------------------------------------------------- */

/* user_data holds what to consume: 0 all on RECV, -1 nothing, N per POLL. */
static void raw_handler(struct mg_connection *nc, int ev, void *ev_data) {
  intptr_t mode = (intptr_t) nc->user_data;
  (void) ev_data;
  if (ev == MG_EV_RECV && mode == 0) {
    mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
  } else if (ev == MG_EV_POLL && mode > 0) {
    mbuf_remove(&nc->recv_mbuf, (size_t) mode);
  }
}

int scn_is_raw_conn(struct scn_ctx *ctx, struct mg_connection *nc) {
  return nc->handler == raw_handler || scn_conn(ctx, w_conn_id(ctx, nc))->orig == raw_handler;
}

static int raw_start(struct mg_mgr *mgr, int argc, char **argv, char *err,
                     size_t errlen) {
  int listen = argc == 2 && strcmp(argv[0], "listen") == 0;
  int connect = argc == 2 && strcmp(argv[0], "connect") == 0;
  int socketless = argc == 1 && strcmp(argv[0], "socketless") == 0;
  const char *e = NULL;
  if (!listen && !connect && !socketless) {
    snprintf(err, errlen, "usage: app raw listen ADDRESS | connect ADDRESS | socketless");
    return -1;
  }
  if (mgr == NULL) return socketless ? 0 : check_address(argv[1], listen, err, errlen);
  if (listen) return bind_or_fail(mgr, argv[1], raw_handler, err, errlen);
  if (socketless) {
    if (mg_add_sock(mgr, INVALID_SOCKET, raw_handler) != NULL) return 0;
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  {
    struct mg_connect_opts opts;
    memset(&opts, 0, sizeof(opts));
    opts.error_string = &e;
    if (mg_connect_opt(mgr, argv[1], raw_handler, opts) != NULL) return 0;
    snprintf(err, errlen, "cannot connect to %s: %s", argv[1], e);
    return -1;
  }
}

void scn_register_example_apps(void);
void scn_register_upload_app(void);

/* A program's own app of the same name takes precedence. */
void scn_register_builtin_apps(void) {
  scn_register_example_apps();
  scn_register_upload_app();
  if (scn_find_app("echo") == NULL) scn_register_app("echo", echo_start);
  if (scn_find_app("timer") == NULL) scn_register_app("timer", timer_start);
  if (scn_find_app("raw") == NULL) scn_register_app("raw", raw_start);
}
