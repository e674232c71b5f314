/*
 * The simplest web server: files from a document root, with directory
 * listings, Range, ETag and keep-alive.
 *
 *   build/examples/simplest_web_server [ADDRESS [DOCUMENT_ROOT]]
 *   (default 127.0.0.1:8000 and the current directory)
 *
 * The serving options are the listener's user_data, which every connection
 * it accepts inherits: servers with other options can share one manager.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "mongoose.h"

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_HTTP_REQUEST) {
    struct mg_serve_http_opts *opts = (struct mg_serve_http_opts *) nc->user_data;
    mg_serve_http(nc, (struct http_message *) ev_data, *opts);
  }
}

/* A root that cannot be listed serves nothing but errors: say so at once. */
static int readable_dir(const char *path) {
  DIR *dir = opendir(path);
  if (dir == NULL) return 0;
  closedir(dir);
  return 1;
}

#ifdef MG_EXAMPLE_APP
/* mgsim's "app http-static ADDRESS DOCUMENT_ROOT [listing yes|no|default]
 * [extra "Name: value"]...": this same handler, with file times fixed so
 * that traces replay on any checkout. Listing is "yes" unless asked, as in
 * main(); "default" leaves the option unset, which must list all the same.
 * Each "extra" is one more line of extra_headers. Each app line has its own
 * options, freed when the last of its connections (the listener or one it
 * accepted) has closed. */
#define STATIC_USAGE                                                       \
  "usage: app http-static ADDRESS DOCUMENT_ROOT [listing yes|no|default] " \
  "[extra \"Name: value\"]..."
struct static_app {
  struct mg_serve_http_opts opts; /* first: it is the connections' user_data */
  long conns;
  char root[512], extra[1024];
};

static void app_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct static_app *app = (struct static_app *) nc->user_data;
  ev_handler(nc, ev, ev_data);
  if (ev == MG_EV_ACCEPT) app->conns++;
  if (ev == MG_EV_CLOSE && --app->conns == 0) free(app);
}

int simplest_web_server_app(struct mg_mgr *mgr, int argc, char **argv,
                            char *err, size_t errlen);
int simplest_web_server_app(struct mg_mgr *mgr, int argc, char **argv,
                            char *err, size_t errlen) {
  static const char *const listings[] = {"yes", "no", NULL};
  struct static_app *app;
  struct mg_bind_opts opts;
  char lines[sizeof(app->extra)];
  size_t len = 0;
  int i, listing = 0;
  struct mg_connection *nc;
  if (argc < 2) {
    snprintf(err, errlen, STATIC_USAGE);
    return -1;
  }
  if (strlen(argv[1]) >= sizeof(app->root)) {
    snprintf(err, errlen, "the document root is %zu bytes at most", sizeof(app->root) - 1);
    return -1;
  }
  for (i = 2; i < argc; i += 2) {
    const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(opt, "listing") != 0 && strcmp(opt, "extra") != 0) {
      snprintf(err, errlen, STATIC_USAGE " (not '%s')", opt);
      return -1;
    }
    if (val == NULL) {
      snprintf(err, errlen, "%s wants a value: " STATIC_USAGE, opt);
      return -1;
    }
    if (strcmp(opt, "listing") == 0) {
      if (strcmp(val, "yes") == 0) {
        listing = 0;
      } else if (strcmp(val, "no") == 0) {
        listing = 1;
      } else if (strcmp(val, "default") == 0) {
        listing = 2;
      } else {
        snprintf(err, errlen, "listing is yes, no or default, not '%s'", val);
        return -1;
      }
    } else {
      size_t n = strlen(val);
      /* An empty line would end the reply's head early. */
      if (n == 0) {
        snprintf(err, errlen, "extra wants a header line, not an empty one");
        return -1;
      }
      if (len + n + 3 > sizeof(lines)) {
        snprintf(err, errlen, "extra header lines are %zu bytes at most in all",
                 sizeof(lines) - 3);
        return -1;
      }
      if (len > 0) {
        memcpy(lines + len, "\r\n", 2);
        len += 2;
      }
      memcpy(lines + len, val, n);
      len += n;
    }
  }
  /* Checked while the scenario is parsed too, from its folder, which the
   * root is relative to. */
  if (!readable_dir(argv[1])) {
    snprintf(err, errlen, "document root '%s' is not a readable directory", argv[1]);
    return -1;
  }
  if (mgr == NULL) return 0;
  if ((app = (struct static_app *) calloc(1, sizeof(*app))) == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  snprintf(app->root, sizeof(app->root), "%s", argv[1]);
  memcpy(app->extra, lines, len);
  app->extra[len] = '\0';
  app->opts.document_root = app->root;
  app->opts.enable_directory_listing = listings[listing];
  app->opts.extra_headers = len > 0 ? app->extra : NULL;
  app->opts.hidden_file_pattern = "*.secret";
  app->opts.fixed_mtime = 1700000000;
  app->conns = 1;
  memset(&opts, 0, sizeof(opts));
  opts.user_data = app;
  if ((nc = mg_bind_opt(mgr, argv[0], app_handler, opts)) == NULL) {
    free(app);
    snprintf(err, errlen, "cannot listen on %s", argv[0]);
    return -1;
  }
  mg_set_protocol_http_websocket(nc);
  return 0;
}
#else
static volatile sig_atomic_t s_signo;
static void on_signal(int signo) { s_signo = signo; }

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  struct mg_bind_opts bind_opts;
  struct mg_serve_http_opts http_opts;
  const char *address = argc > 1 ? argv[1] : "127.0.0.1:8000";

  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  signal(SIGPIPE, SIG_IGN);
  memset(&http_opts, 0, sizeof(http_opts));
  http_opts.document_root = argc > 2 ? argv[2] : ".";
  http_opts.enable_directory_listing = "yes";
  if (!readable_dir(http_opts.document_root)) {
    fprintf(stderr, "the document root %s is not a readable directory\n",
            http_opts.document_root);
    return 1;
  }
  mg_mgr_init(&mgr, NULL);
  memset(&bind_opts, 0, sizeof(bind_opts));
  bind_opts.user_data = &http_opts;
  if ((nc = mg_bind_opt(&mgr, address, ev_handler, bind_opts)) == NULL) {
    fprintf(stderr, "cannot listen on %s\n", address);
    return 1;
  }
  mg_set_protocol_http_websocket(nc);
  printf("serving %s on %s\n", http_opts.document_root, address);
  fflush(stdout);
  while (s_signo == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return 0;
}
#endif
