/*
 * HTTP Basic authentication done by the application:
 *
 *   GET /public         anyone
 *   GET /private        200 "Welcome, USER" for a known user/password,
 *                       401 with WWW-Authenticate otherwise
 *   GET /whoami         the user name from the Authorization header, if any
 *
 *   basic_auth_server ADDRESS
 */
#include "mongoose.h"

static volatile sig_atomic_t s_exit_flag;

static const char *s_accounts[][2] = {
    {"alice", "wonderland"},
    {"bob", "b0b:with:colons"},
};

static void on_signal(int sig) { s_exit_flag = sig; }

static int authorized(struct http_message *hm, char *user, size_t user_len) {
  char pass[100];
  size_t i;
  if (mg_get_http_basic_auth(hm, user, user_len, pass, sizeof(pass)) != 0) {
    return 0;
  }
  for (i = 0; i < ARRAY_SIZE(s_accounts); i++) {
    if (strcmp(user, s_accounts[i][0]) == 0 && strcmp(pass, s_accounts[i][1]) == 0) {
      return 1;
    }
  }
  return 0;
}

static void reply(struct mg_connection *nc, int code, const char *extra,
                  const char *text) {
  mg_send_head(nc, code, (int64_t) strlen(text), extra);
  mg_send(nc, text, (int) strlen(text));
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  char user[100], msg[200];

  if (ev != MG_EV_HTTP_REQUEST) return;
  if (mg_vcmp(&hm->uri, "/public") == 0) {
    reply(nc, 200, "Content-Type: text/plain", "public page\n");
  } else if (mg_vcmp(&hm->uri, "/private") == 0) {
    if (authorized(hm, user, sizeof(user))) {
      snprintf(msg, sizeof(msg), "Welcome, %s\n", user);
      reply(nc, 200, "Content-Type: text/plain", msg);
    } else {
      reply(nc, 401,
            "Content-Type: text/plain\r\n"
            "WWW-Authenticate: Basic realm=\"compat\"",
            "authentication required\n");
    }
  } else if (mg_vcmp(&hm->uri, "/whoami") == 0) {
    struct mg_str *hdr = mg_get_http_header(hm, "Authorization");
    char pass[100];
    if (hdr != NULL &&
        mg_parse_http_basic_auth(hdr, user, sizeof(user), pass, sizeof(pass)) == 0) {
      snprintf(msg, sizeof(msg), "user=%s pass-length=%d\n", user, (int) strlen(pass));
    } else {
      snprintf(msg, sizeof(msg), "anonymous\n");
    }
    reply(nc, 200, "Content-Type: text/plain", msg);
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
  printf("basic auth server on %s\n", addr);
  fflush(stdout);
  while (!s_exit_flag) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return 0;
}
