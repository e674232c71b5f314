/*
 * A device's settings page: GET / shows the current values in a form
 * (HTML-escaped), POST /save updates them and redirects back to /.
 * GET /settings.txt gives them as plain "key=value" lines.
 *
 *   device_settings ADDRESS
 */
#include "mongoose.h"

struct setting {
  const char *name;
  char value[100];
};

static struct setting s_settings[] = {
    {"device_name", "my device"},
    {"location", "lab"},
    {"interval", "60"},
};

static volatile sig_atomic_t s_exit_flag;

static void on_signal(int sig) { s_exit_flag = sig; }

/* mg_printf_html_escape() writes plain bytes (not a chunk), so the page
 * goes out without a length and ends when the connection closes. */
static void show_settings(struct mg_connection *nc) {
  size_t i;
  mg_printf(nc, "%s",
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/html; charset=utf-8\r\n"
            "Cache-Control: no-cache\r\n"
            "Connection: close\r\n\r\n"
            "<html><body><h1>Settings</h1>\n"
            "<form method=\"POST\" action=\"/save\">\n");
  for (i = 0; i < ARRAY_SIZE(s_settings); i++) {
    mg_printf(nc, "<label>%s</label> <input name=\"%s\" value=\"",
              s_settings[i].name, s_settings[i].name);
    mg_printf_html_escape(nc, "%s", s_settings[i].value);
    mg_printf(nc, "\">\n");
  }
  mg_printf(nc, "<input type=\"submit\" value=\"Save\">\n</form></body></html>\n");
  nc->flags |= MG_F_SEND_AND_CLOSE;
}

static void save_settings(struct mg_connection *nc, struct http_message *hm) {
  size_t i;
  int changed = 0;
  for (i = 0; i < ARRAY_SIZE(s_settings); i++) {
    char buf[sizeof(s_settings[i].value)];
    if (mg_get_http_var(&hm->body, s_settings[i].name, buf, sizeof(buf)) >= 0) {
      memcpy(s_settings[i].value, buf, sizeof(buf));
      changed++;
    }
  }
  printf("saved %d settings\n", changed);
  fflush(stdout);
  mg_http_send_redirect(nc, 302, mg_mk_str("/"), mg_mk_str(NULL));
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev != MG_EV_HTTP_REQUEST) return;
  if (mg_vcmp(&hm->uri, "/save") == 0 && mg_vcmp(&hm->method, "POST") == 0) {
    save_settings(nc, hm);
  } else if (mg_vcmp(&hm->uri, "/") == 0) {
    show_settings(nc);
  } else if (mg_vcmp(&hm->uri, "/settings.txt") == 0) {
    size_t i;
    mg_send_head(nc, 200, -1, "Content-Type: text/plain");
    for (i = 0; i < ARRAY_SIZE(s_settings); i++) {
      mg_printf_http_chunk(nc, "%s=%s\n", s_settings[i].name, s_settings[i].value);
    }
    mg_send_http_chunk(nc, "", 0);
  } else {
    mg_http_send_error(nc, 404, NULL);
  }
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  const char *addr = argc > 1 ? argv[1] : "127.0.0.1:8000";

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGPIPE, SIG_IGN);

  mg_mgr_init(&mgr, NULL);
  if ((nc = mg_bind(&mgr, addr, ev_handler)) == NULL) {
    fprintf(stderr, "Cannot bind to %s\n", addr);
    return EXIT_FAILURE;
  }
  mg_set_protocol_http_websocket(nc);
  printf("settings page on http://%s/\n", addr);
  fflush(stdout);
  while (!s_exit_flag) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return 0;
}
