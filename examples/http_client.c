/*
 * An HTTP client: fetches a URL (POSTs the data, if given), writes the
 * reply's body to stdout as it arrives and exits 0 for a 2xx or 3xx status.
 * Any failure is said on stderr, with its reason, and exits 1 (2 for a
 * command line or URL it cannot use).
 *
 *   build/examples/http_client [-t SECONDS] URL [POST_DATA]
 *
 * -t (default 30) bounds the connect, name resolution included, and then
 * every wait for more of the reply: a server that accepts and never answers
 * cannot hold the client for ever.
 *
 * The fetch's settings and outcome travel with its connection, as its
 * user_data: one program can run several fetches at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mongoose.h"

#define DEFAULT_TIMEOUT 30.0

enum phase { CONNECTING, WAITING };

struct fetch {
  int done;
  int status;       /* the reply's status, 0 until it is complete */
  char reason[64];  /* and its reason phrase */
  char error[512];  /* why the fetch failed, "" while it has not */
  char host[300];   /* "host:port", for messages */
  char name[260];   /* the host alone */
  double timeout;   /* seconds; 0: none (the scenario app's default) */
  enum phase phase;
  int resolving;    /* the host was a name to resolve */
  int quiet;        /* as a scenario app: the trace shows the reply */
};

static void arm(struct mg_connection *nc, const struct fetch *f) {
  if (f->timeout > 0) mg_set_timer(nc, mg_time() + f->timeout);
}

/* A name that failed to resolve leaves the address unset: nothing was
 * connected to, whatever errno the failure carries. */
static int unresolved(const struct mg_connection *nc, const struct fetch *f) {
  return f->resolving && nc->sa.sa.sa_family == AF_INET && nc->sa.sin.sin_addr.s_addr == 0;
}

/* Why a connection closed before its reply was complete. */
static void explain_close(const struct mg_connection *nc, struct fetch *f) {
  switch (nc->err) {
    case 0:
      snprintf(f->error, sizeof(f->error), "%s closed the connection without replying",
               f->host);
      break;
    case EPROTO:
      snprintf(f->error, sizeof(f->error), "bad reply from %s: not valid HTTP", f->host);
      break;
    case EPIPE:
      snprintf(f->error, sizeof(f->error),
               "truncated reply from %s: the connection closed before its end", f->host);
      break;
    case EMSGSIZE:
      snprintf(f->error, sizeof(f->error), "the reply from %s is too large to keep", f->host);
      break;
    case ECONNRESET:
      snprintf(f->error, sizeof(f->error),
               "connection reset by %s before the reply was complete", f->host);
      break;
    default:
      snprintf(f->error, sizeof(f->error), "connection to %s failed: %s", f->host,
               strerror(nc->err));
      break;
  }
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct fetch *f = (struct fetch *) nc->user_data;
  struct http_message *hm = (struct http_message *) ev_data;
  switch (ev) {
    case MG_EV_CONNECT: {
      int err = *(int *) ev_data;
      if (err == 0) {
        f->phase = WAITING;
        arm(nc, f);
      } else if (unresolved(nc, f)) {
        snprintf(f->error, sizeof(f->error), "cannot resolve %s", f->name);
      } else {
        snprintf(f->error, sizeof(f->error), "cannot connect to %s: %s", f->host,
                 strerror(err));
      }
      break;
    }
    case MG_EV_RECV:
      arm(nc, f); /* the server is alive: the wait starts again */
      break;
    case MG_EV_TIMER:
      if (nc->flags & MG_F_RESOLVING) {
        snprintf(f->error, sizeof(f->error), "cannot resolve %s: timed out", f->name);
      } else if (f->phase == CONNECTING) {
        snprintf(f->error, sizeof(f->error), "timed out connecting to %s", f->host);
      } else {
        snprintf(f->error, sizeof(f->error), "timed out waiting for the reply from %s",
                 f->host);
      }
      nc->err = ETIMEDOUT;
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
      break;
    case MG_EV_HTTP_CHUNK:
      /* Every byte of the body comes by here once: written and dropped, a
       * body of any size streams through a bounded recv_mbuf. The scenario
       * app keeps it, so that the trace shows the whole body. */
      if (!f->quiet) {
        fwrite(hm->body.p, 1, hm->body.len, stdout);
        nc->flags |= MG_F_DELETE_CHUNK;
      }
      break;
    case MG_EV_HTTP_REPLY:
      f->status = hm->resp_code;
      snprintf(f->reason, sizeof(f->reason), "%.*s", (int) hm->resp_status_msg.len,
               hm->resp_status_msg.p);
      mg_set_timer(nc, 0);
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
      break;
    case MG_EV_CLOSE:
      if (f->status == 0 && f->error[0] == '\0') explain_close(nc, f);
      f->done = 1;
      break;
    default:
      break;
  }
}

/* Takes "-t SECONDS" off the front of the arguments; -1 if it is bad. */
static int take_timeout(int *argc, char ***argv, double *timeout) {
  char *end;
  if (*argc < 1 || strcmp((*argv)[0], "-t") != 0) return 0;
  if (*argc < 2) return -1;
  *timeout = strtod((*argv)[1], &end);
  if (end == (*argv)[1] || *end != '\0' || !(*timeout > 0 && *timeout < 1e9)) return -1;
  *argc -= 2;
  *argv += 2;
  return 0;
}

/* The host and port a URL names, for messages; whether it asks for TLS. */
static int describe_url(struct fetch *f, const char *url) {
  struct mg_str scheme, user, host, path, query, frag;
  unsigned int port = 0;
  char *full = NULL;
  int tls = 0;
  f->host[0] = f->name[0] = '\0';
  if (mg_asprintf(&full, 0, "%s%s", strstr(url, "://") == NULL ? "http://" : "", url) < 0) {
    return 0;
  }
  if (mg_parse_uri(mg_mk_str(full), &scheme, &user, &host, &port, &path, &query, &frag) ==
      0) {
    tls = mg_vcasecmp(&scheme, "https") == 0 || mg_vcasecmp(&scheme, "wss") == 0;
    if (port == 0) port = tls ? 443 : 80;
    snprintf(f->name, sizeof(f->name), "%.*s", (int) host.len, host.p);
    snprintf(f->host, sizeof(f->host), "%.*s:%u", (int) host.len, host.p, port);
  }
  free(full);
  return tls;
}

static struct mg_connection *start(struct mg_mgr *mgr, const char *url, const char *post,
                                   mg_event_handler_t handler, struct fetch *f,
                                   const char **err) {
  struct mg_connect_opts opts;
  struct mg_connection *nc;
  memset(&opts, 0, sizeof(opts));
  opts.user_data = f;
  opts.error_string = err;
  if (f->timeout > 0) opts.resolve_timeout = f->timeout;
  nc = mg_connect_http_opt(mgr, handler, opts, url, NULL, post);
  if (nc != NULL) {
    f->resolving = (nc->flags & MG_F_RESOLVING) != 0;
    arm(nc, f);
  }
  return nc;
}

#ifdef MG_EXAMPLE_APP
/* mgsim's "app http-client [-t SECONDS] URL [POST_DATA]": no timeout
 * unless asked for. Each app line is a fetch of its own, freed when its
 * connection closes. */
static void app_handler(struct mg_connection *nc, int ev, void *ev_data) {
  ev_handler(nc, ev, ev_data);
  if (ev == MG_EV_CLOSE) free(nc->user_data);
}

int http_client_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                    size_t errlen);
int http_client_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                    size_t errlen) {
  struct fetch *f;
  const char *e = "bad URL";
  double timeout = 0;
  if (take_timeout(&argc, &argv, &timeout) != 0 || argc < 1 || argc > 2) {
    snprintf(err, errlen, "usage: app http-client [-t SECONDS] URL [POST_DATA]");
    return -1;
  }
  if (mgr == NULL) return 0;
  if ((f = (struct fetch *) calloc(1, sizeof(*f))) == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  f->timeout = timeout;
  f->quiet = 1;
  describe_url(f, argv[0]);
  if (start(mgr, argv[0], argc > 1 ? argv[1] : NULL, app_handler, f, &e) == NULL) {
    free(f);
    snprintf(err, errlen, "cannot fetch %s: %s", argv[0], e);
    return -1;
  }
  return 0;
}
#else
int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct fetch fetch;
  const char *prog = argv[0], *err = "cannot parse url";
  argc--;
  argv++;
  memset(&fetch, 0, sizeof(fetch));
  fetch.timeout = DEFAULT_TIMEOUT;
  if (take_timeout(&argc, &argv, &fetch.timeout) != 0 || argc < 1 || argc > 2) {
    fprintf(stderr, "usage: %s [-t SECONDS] URL [POST_DATA]\n", prog);
    return 2;
  }
  if (describe_url(&fetch, argv[0])) {
    fprintf(stderr, "%s: %s: TLS is not supported\n", prog, argv[0]);
    return 2;
  }
  mg_mgr_init(&mgr, NULL);
  if (start(&mgr, argv[0], argc > 1 ? argv[1] : NULL, ev_handler, &fetch, &err) == NULL) {
    fprintf(stderr, "%s: %s: %s\n", prog, argv[0], err);
    mg_mgr_free(&mgr);
    return 2;
  }
  while (!fetch.done) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  fflush(stdout);
  if (fetch.error[0] != '\0') {
    fprintf(stderr, "%s: %s\n", prog, fetch.error);
    return 1;
  }
  if (fetch.status < 200 || fetch.status >= 400) {
    fprintf(stderr, "%s: %s answered %d %s\n", prog, fetch.host, fetch.status, fetch.reason);
    return 1;
  }
  return 0;
}
#endif
