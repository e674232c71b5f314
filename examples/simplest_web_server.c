/*
 * The simplest web server: files from a document root, with directory
 * listings, Range, ETag and keep-alive.
 *
 *   build/examples/simplest_web_server [ADDRESS [DOCUMENT_ROOT]]
 *   (default 127.0.0.1:8000 and the current directory)
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "mongoose.h"

static struct mg_serve_http_opts s_http_server_opts;

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_HTTP_REQUEST) {
    mg_serve_http(nc, (struct http_message *) ev_data, s_http_server_opts);
  }
}

#ifdef MG_EXAMPLE_APP
/* mgsim's "app http-static ADDRESS DOCUMENT_ROOT [listing yes|no|default]
 * [extra "Name: value"]...": this same handler, with file times fixed so
 * that traces replay on any checkout. Listing is "yes" unless asked, as in
 * main(); "default" leaves the option unset, which must list all the same.
 * Each "extra" is one more line of extra_headers. */
#define STATIC_USAGE                                                       \
  "usage: app http-static ADDRESS DOCUMENT_ROOT [listing yes|no|default] " \
  "[extra \"Name: value\"]..."
int simplest_web_server_app(struct mg_mgr *mgr, int argc, char **argv,
                            char *err, size_t errlen);
int simplest_web_server_app(struct mg_mgr *mgr, int argc, char **argv,
                            char *err, size_t errlen) {
  static char root[512], extra[1024];
  static const char *const listings[] = {"yes", "no", NULL};
  char lines[sizeof(extra)];
  size_t len = 0;
  int i, listing = 0;
  struct mg_connection *nc;
  if (argc < 2) {
    snprintf(err, errlen, STATIC_USAGE);
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
  if (mgr == NULL) return 0;
  snprintf(root, sizeof(root), "%s", argv[1]);
  memcpy(extra, lines, len);
  extra[len] = '\0';
  memset(&s_http_server_opts, 0, sizeof(s_http_server_opts));
  s_http_server_opts.document_root = root;
  s_http_server_opts.enable_directory_listing = listings[listing];
  s_http_server_opts.extra_headers = len > 0 ? extra : NULL;
  s_http_server_opts.hidden_file_pattern = "*.secret";
  s_http_server_opts.fixed_mtime = 1700000000;
  if ((nc = mg_bind(mgr, argv[0], ev_handler)) == NULL) {
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
  const char *address = argc > 1 ? argv[1] : "127.0.0.1:8000";
  cs_stat_t st;

  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  signal(SIGPIPE, SIG_IGN);
  s_http_server_opts.document_root = argc > 2 ? argv[2] : ".";
  s_http_server_opts.enable_directory_listing = "yes";
  if (mg_stat(s_http_server_opts.document_root, &st) != 0) {
    fprintf(stderr, "cannot find the document root %s\n",
            s_http_server_opts.document_root);
    return 1;
  }
  mg_mgr_init(&mgr, NULL);
  if ((nc = mg_bind(&mgr, address, ev_handler)) == NULL) {
    fprintf(stderr, "cannot listen on %s\n", address);
    return 1;
  }
  mg_set_protocol_http_websocket(nc);
  printf("serving %s on %s\n", s_http_server_opts.document_root, address);
  fflush(stdout);
  while (s_signo == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return 0;
}
#endif
