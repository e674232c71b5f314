/*
 * A WebSocket client: sends each message as a text frame, prints every
 * frame that comes back, and closes (1000) once as many have come back.
 * Exits 0 when they all did; any failure is said on stderr, with its
 * reason, and exits 1 (2 for a command line or URL it cannot use).
 *
 *   build/examples/websocket_client [-t SECONDS] URL MESSAGE...
 *
 * -t (default 30) bounds the connect, name resolution included, and then
 * every wait for the server: the handshake's reply and each echo.
 *
 * What the client was asked and how far it got travel with its connection,
 * as its user_data: one program can run several clients at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mongoose.h"

#define DEFAULT_TIMEOUT 30.0

enum phase { CONNECTING, HANDSHAKE, OPEN };

struct ws_client {
  char **messages;
  int count, received, done;
  char error[512];  /* why it failed, "" while it has not */
  char host[300];   /* "host:port", for messages */
  char name[260];   /* the host alone */
  double timeout;   /* seconds; 0: none (the scenario app's default) */
  enum phase phase;
  int resolving;    /* the host was a name to resolve */
  int quiet;        /* as a scenario app: the trace shows the frames */
};

static void arm(struct mg_connection *nc, const struct ws_client *c) {
  if (c->timeout > 0) mg_set_timer(nc, mg_time() + c->timeout);
}

/* A name that failed to resolve leaves the address unset. */
static int unresolved(const struct mg_connection *nc, const struct ws_client *c) {
  return c->resolving && nc->sa.sa.sa_family == AF_INET && nc->sa.sin.sin_addr.s_addr == 0;
}

/* Why the connection closed before every echo came back. */
static void explain_close(const struct mg_connection *nc, struct ws_client *c) {
  if (c->phase == OPEN) {
    snprintf(c->error, sizeof(c->error), "%s closed the connection after %d of %d replies%s%s",
             c->host, c->received, c->count, nc->err != 0 ? ": " : "",
             nc->err != 0 ? strerror(nc->err) : "");
    return;
  }
  switch (nc->err) {
    case 0:
      snprintf(c->error, sizeof(c->error),
               "%s closed the connection without answering the handshake", c->host);
      break;
    case EPROTO:
      snprintf(c->error, sizeof(c->error),
               "WebSocket handshake with %s failed: bad reply (not HTTP, or a wrong "
               "Sec-WebSocket-Accept)", c->host);
      break;
    case EPIPE:
      snprintf(c->error, sizeof(c->error),
               "WebSocket handshake with %s failed: truncated reply", c->host);
      break;
    default:
      snprintf(c->error, sizeof(c->error), "WebSocket handshake with %s failed: %s", c->host,
               strerror(nc->err));
      break;
  }
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct ws_client *c = (struct ws_client *) nc->user_data;
  switch (ev) {
    case MG_EV_CONNECT: {
      int err = *(int *) ev_data;
      if (err == 0) {
        c->phase = HANDSHAKE;
        arm(nc, c);
      } else if (unresolved(nc, c)) {
        snprintf(c->error, sizeof(c->error), "cannot resolve %s", c->name);
      } else {
        snprintf(c->error, sizeof(c->error), "cannot connect to %s: %s", c->host,
                 strerror(err));
      }
      break;
    }
    case MG_EV_RECV:
      arm(nc, c);
      break;
    case MG_EV_TIMER:
      if (nc->flags & MG_F_RESOLVING) {
        snprintf(c->error, sizeof(c->error), "cannot resolve %s: timed out", c->name);
      } else if (c->phase == CONNECTING) {
        snprintf(c->error, sizeof(c->error), "timed out connecting to %s", c->host);
      } else {
        snprintf(c->error, sizeof(c->error), "timed out waiting for the reply from %s%s",
                 c->host, c->phase == HANDSHAKE ? " to the handshake" : "");
      }
      nc->err = ETIMEDOUT;
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
      break;
    case MG_EV_WEBSOCKET_HANDSHAKE_DONE: {
      struct http_message *hm = (struct http_message *) ev_data;
      int i;
      if (hm->resp_code != 101) { /* refused: the engine closes */
        snprintf(c->error, sizeof(c->error),
                 "WebSocket handshake with %s failed: HTTP status %d %.*s", c->host,
                 hm->resp_code, (int) hm->resp_status_msg.len, hm->resp_status_msg.p);
        mg_set_timer(nc, 0);
        break;
      }
      c->phase = OPEN;
      for (i = 0; i < c->count; i++) {
        mg_send_websocket_frame(nc, WEBSOCKET_OP_TEXT, c->messages[i],
                                strlen(c->messages[i]));
      }
      break;
    }
    case MG_EV_WEBSOCKET_FRAME: {
      struct websocket_message *wm = (struct websocket_message *) ev_data;
      if (!c->quiet) printf("%.*s\n", (int) wm->size, (const char *) wm->data);
      if (++c->received == c->count) {
        mg_set_timer(nc, 0);
        mg_send_websocket_frame(nc, WEBSOCKET_OP_CLOSE, "\x03\xe8", 2);
      }
      break;
    }
    case MG_EV_CLOSE:
      if (c->received < c->count && c->error[0] == '\0') explain_close(nc, c);
      c->done = 1;
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
static int describe_url(struct ws_client *c, const char *url) {
  struct mg_str scheme, user, host, path, query, frag;
  unsigned int port = 0;
  char *full = NULL;
  int tls = 0;
  c->host[0] = c->name[0] = '\0';
  if (mg_asprintf(&full, 0, "%s%s", strstr(url, "://") == NULL ? "ws://" : "", url) < 0) {
    return 0;
  }
  if (mg_parse_uri(mg_mk_str(full), &scheme, &user, &host, &port, &path, &query, &frag) ==
      0) {
    tls = mg_vcasecmp(&scheme, "wss") == 0 || mg_vcasecmp(&scheme, "https") == 0;
    if (port == 0) port = tls ? 443 : 80;
    snprintf(c->name, sizeof(c->name), "%.*s", (int) host.len, host.p);
    snprintf(c->host, sizeof(c->host), "%.*s:%u", (int) host.len, host.p, port);
  }
  free(full);
  return tls;
}

static struct mg_connection *start(struct mg_mgr *mgr, const char *url,
                                   mg_event_handler_t handler, struct ws_client *c,
                                   const char **err) {
  struct mg_connect_opts opts;
  struct mg_connection *nc;
  memset(&opts, 0, sizeof(opts));
  opts.user_data = c;
  opts.error_string = err;
  if (c->timeout > 0) opts.resolve_timeout = c->timeout;
  nc = mg_connect_ws_opt(mgr, handler, opts, url, NULL, NULL);
  if (nc != NULL) {
    c->resolving = (nc->flags & MG_F_RESOLVING) != 0;
    arm(nc, c);
  }
  return nc;
}

#ifdef MG_EXAMPLE_APP
/* mgsim's "app ws-client [-t SECONDS] URL MESSAGE...": no timeout unless
 * asked for. Each app line is a client of its own, with copies of its
 * messages (the scenario's arguments do not outlive the call), freed when
 * its connection closes. */
#define MAX_MESSAGES 32
struct ws_client_app {
  struct ws_client client; /* first: it is the connection's user_data */
  char *copies[MAX_MESSAGES];
};

static void free_app(struct ws_client_app *app) {
  int i;
  for (i = 0; i < MAX_MESSAGES; i++) free(app->copies[i]);
  free(app);
}

static void app_handler(struct mg_connection *nc, int ev, void *ev_data) {
  ev_handler(nc, ev, ev_data);
  if (ev == MG_EV_CLOSE) free_app((struct ws_client_app *) nc->user_data);
}

int websocket_client_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                         size_t errlen);
int websocket_client_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                         size_t errlen) {
  struct ws_client_app *app;
  const char *e = "bad URL";
  double timeout = 0;
  int i;
  if (take_timeout(&argc, &argv, &timeout) != 0 || argc < 2) {
    snprintf(err, errlen, "usage: app ws-client [-t SECONDS] URL MESSAGE...");
    return -1;
  }
  if (argc > MAX_MESSAGES + 1) {
    snprintf(err, errlen, "at most %d messages", MAX_MESSAGES);
    return -1;
  }
  if (mgr == NULL) return 0;
  if ((app = (struct ws_client_app *) calloc(1, sizeof(*app))) == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (i = 0; i < argc - 1; i++) {
    if ((app->copies[i] = strdup(argv[i + 1])) == NULL) {
      free_app(app);
      snprintf(err, errlen, "out of memory");
      return -1;
    }
  }
  app->client.messages = app->copies;
  app->client.count = argc - 1;
  app->client.timeout = timeout;
  app->client.quiet = 1;
  describe_url(&app->client, argv[0]);
  if (start(mgr, argv[0], app_handler, &app->client, &e) == NULL) {
    free_app(app);
    snprintf(err, errlen, "bad URL %s: %s", argv[0], e);
    return -1;
  }
  return 0;
}
#else
int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct ws_client client;
  const char *prog = argv[0], *err = "cannot parse url";
  argc--;
  argv++;
  memset(&client, 0, sizeof(client));
  client.timeout = DEFAULT_TIMEOUT;
  if (take_timeout(&argc, &argv, &client.timeout) != 0 || argc < 2) {
    fprintf(stderr, "usage: %s [-t SECONDS] URL MESSAGE...\n", prog);
    return 2;
  }
  client.messages = argv + 1;
  client.count = argc - 1;
  if (describe_url(&client, argv[0])) {
    fprintf(stderr, "%s: %s: TLS is not supported\n", prog, argv[0]);
    return 2;
  }
  mg_mgr_init(&mgr, NULL);
  if (start(&mgr, argv[0], ev_handler, &client, &err) == NULL) {
    fprintf(stderr, "%s: %s: %s\n", prog, argv[0], err);
    mg_mgr_free(&mgr);
    return 2;
  }
  while (!client.done) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  fflush(stdout);
  if (client.error[0] != '\0') {
    fprintf(stderr, "%s: %s\n", prog, client.error);
    return 1;
  }
  return client.received == client.count ? 0 : 1;
}
#endif
