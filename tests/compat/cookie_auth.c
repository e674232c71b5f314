/*
 * Cookie-based login. Passwords are kept as SHA-1 hex digests; a successful
 * login gets a session cookie
 *
 *   session=USER.EXPIRES.HMAC      HMAC = hex HMAC-SHA1(key, "USER.EXPIRES")
 *
 * where key = SHA-1("cookie-key:" SECRET). The server keeps no session
 * table: a cookie is valid when its HMAC matches and it has not expired.
 *
 *   cookie_auth ADDRESS SECRET
 *
 *   GET  /login.html   the login form
 *   POST /login        user, pass -> 302 to / with Set-Cookie, or 403
 *   GET  /             "Hello, USER!" with a valid cookie, else 302 to the form
 *   GET  /logout       clears the cookie
 */
#include "mongoose.h"

#define SESSION_COOKIE "session"
#define SESSION_TTL 3600

struct user {
  const char *name;
  const char *password;
  char sha1_hex[41];
};

static struct user s_users[] = {
    {"admin", "admin-pass", ""},
    {"guest", "guest", ""},
};

static volatile sig_atomic_t s_exit_flag;
static unsigned char s_key[20];

static void on_signal(int sig) { s_exit_flag = sig; }

static void sha1_hex(const char *s, size_t len, char out[41]) {
  cs_sha1_ctx ctx;
  unsigned char digest[20];
  cs_sha1_init(&ctx);
  cs_sha1_update(&ctx, (const unsigned char *) s, (uint32_t) len);
  cs_sha1_final(digest, &ctx);
  cs_to_hex(out, digest, sizeof(digest));
}

static void make_cookie(const char *user, long expires, char *buf, size_t len) {
  char payload[128], hex[41];
  unsigned char mac[20];
  int n = snprintf(payload, sizeof(payload), "%s.%ld", user, expires);
  cs_hmac_sha1(s_key, sizeof(s_key), (const unsigned char *) payload,
               (size_t) n, mac);
  cs_to_hex(hex, mac, sizeof(mac));
  snprintf(buf, len, "%s.%s", payload, hex);
}

/* The user a valid session cookie names, or NULL. */
static const struct user *check_cookie(struct http_message *hm) {
  struct mg_str *hdr = mg_get_http_header(hm, "Cookie");
  char value[256], user[64], expected[256];
  const char *dot;
  long expires;
  size_t i, ulen;
  int n;

  if (hdr == NULL) return NULL;
  n = mg_http_parse_header(hdr, SESSION_COOKIE, value, sizeof(value));
  if (n <= 0) return NULL;
  if (value[n - 1] == ';') value[n - 1] = '\0';
  if ((dot = strchr(value, '.')) == NULL) return NULL;
  ulen = (size_t) (dot - value);
  if (ulen == 0 || ulen >= sizeof(user)) return NULL;
  memcpy(user, value, ulen);
  user[ulen] = '\0';
  expires = strtol(dot + 1, NULL, 10);
  if (expires < (long) time(NULL)) return NULL;
  make_cookie(user, expires, expected, sizeof(expected));
  if (strcmp(expected, value) != 0) return NULL;
  for (i = 0; i < ARRAY_SIZE(s_users); i++) {
    if (strcmp(s_users[i].name, user) == 0) return &s_users[i];
  }
  return NULL;
}

static void send_text(struct mg_connection *nc, int code, const char *text) {
  mg_send_head(nc, code, (int64_t) strlen(text), "Content-Type: text/plain");
  mg_printf(nc, "%s", text);
}

static void handle_login(struct mg_connection *nc, struct http_message *hm) {
  char user[64], pass[64], pass_hex[41], cookie[256], headers[400];
  size_t i;

  if (mg_get_http_var(&hm->body, "user", user, sizeof(user)) <= 0 ||
      mg_get_http_var(&hm->body, "pass", pass, sizeof(pass)) < 0) {
    send_text(nc, 400, "user and pass required\n");
    return;
  }
  sha1_hex(pass, strlen(pass), pass_hex);
  for (i = 0; i < ARRAY_SIZE(s_users); i++) {
    if (strcmp(s_users[i].name, user) == 0 &&
        strcmp(s_users[i].sha1_hex, pass_hex) == 0) {
      make_cookie(user, (long) time(NULL) + SESSION_TTL, cookie, sizeof(cookie));
      snprintf(headers, sizeof(headers),
               "Set-Cookie: " SESSION_COOKIE "=%s; Path=/; HttpOnly", cookie);
      mg_http_send_redirect(nc, 302, mg_mk_str("/"), mg_mk_str(headers));
      printf("login %s ok\n", user);
      fflush(stdout);
      return;
    }
  }
  printf("login %s refused\n", user);
  fflush(stdout);
  send_text(nc, 403, "wrong user or password\n");
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  const struct user *u;

  if (ev != MG_EV_HTTP_REQUEST) return;
  if (mg_vcmp(&hm->uri, "/login.html") == 0) {
    send_text(nc, 200,
              "<form method=\"POST\" action=\"/login\">"
              "<input name=\"user\"><input name=\"pass\" type=\"password\">"
              "<input type=\"submit\"></form>\n");
  } else if (mg_vcmp(&hm->uri, "/login") == 0 &&
             mg_vcmp(&hm->method, "POST") == 0) {
    handle_login(nc, hm);
  } else if (mg_vcmp(&hm->uri, "/logout") == 0) {
    mg_http_send_redirect(
        nc, 302, mg_mk_str("/login.html"),
        mg_mk_str("Set-Cookie: " SESSION_COOKIE "=; Path=/; Max-Age=0"));
  } else if (mg_vcmp(&hm->uri, "/") == 0) {
    if ((u = check_cookie(hm)) == NULL) {
      mg_http_send_redirect(nc, 302, mg_mk_str("/login.html"), mg_mk_str(NULL));
    } else {
      char msg[100];
      snprintf(msg, sizeof(msg), "Hello, %s!\n", u->name);
      send_text(nc, 200, msg);
    }
  } else {
    mg_http_send_error(nc, 404, NULL);
  }
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  cs_sha1_ctx ctx;
  size_t i;

  if (argc != 3) {
    fprintf(stderr, "usage: %s ADDRESS SECRET\n", argv[0]);
    return EXIT_FAILURE;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGPIPE, SIG_IGN);

  for (i = 0; i < ARRAY_SIZE(s_users); i++) {
    sha1_hex(s_users[i].password, strlen(s_users[i].password),
             s_users[i].sha1_hex);
  }
  cs_sha1_init(&ctx);
  cs_sha1_update(&ctx, (const unsigned char *) "cookie-key:", 11);
  cs_sha1_update(&ctx, (const unsigned char *) argv[2], (uint32_t) strlen(argv[2]));
  cs_sha1_final(s_key, &ctx);

  mg_mgr_init(&mgr, NULL);
  if ((nc = mg_bind(&mgr, argv[1], ev_handler)) == NULL) {
    fprintf(stderr, "Cannot bind to %s\n", argv[1]);
    return EXIT_FAILURE;
  }
  mg_set_protocol_http_websocket(nc);
  printf("cookie auth server on %s\n", argv[1]);
  fflush(stdout);
  while (!s_exit_flag) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return 0;
}
