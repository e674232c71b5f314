/*
 * scn_names.c - the names a scenario uses: events, flags, errno values, and
 * the ways to write bytes (strings, hex, files, repeats, patterns).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_internal.h"

/* Largest byte string a data spec may produce. */
#define MAX_DATA_BYTES ((size_t) 64 * 1024 * 1024)

static const struct {
  const char *name;
  int ev;
} s_events[] = {
    {"POLL", MG_EV_POLL},       {"ACCEPT", MG_EV_ACCEPT},
    {"CONNECT", MG_EV_CONNECT}, {"RECV", MG_EV_RECV},
    {"SEND", MG_EV_SEND},       {"CLOSE", MG_EV_CLOSE},
    {"TIMER", MG_EV_TIMER},     {"BROADCAST", SCN_EV_BROADCAST},
    {"HTTP_REQUEST", MG_EV_HTTP_REQUEST},
    {"HTTP_REPLY", MG_EV_HTTP_REPLY},
    {"HTTP_CHUNK", MG_EV_HTTP_CHUNK},
    {"WS_HANDSHAKE_REQUEST", MG_EV_WEBSOCKET_HANDSHAKE_REQUEST},
    {"WS_HANDSHAKE_DONE", MG_EV_WEBSOCKET_HANDSHAKE_DONE},
    {"WS_FRAME", MG_EV_WEBSOCKET_FRAME},
    {"WS_CONTROL", MG_EV_WEBSOCKET_CONTROL_FRAME},
    {"MP_REQUEST", MG_EV_HTTP_MULTIPART_REQUEST},
    {"PART_BEGIN", MG_EV_HTTP_PART_BEGIN},
    {"PART_DATA", MG_EV_HTTP_PART_DATA},
    {"PART_END", MG_EV_HTTP_PART_END},
    {"MP_REQUEST_END", MG_EV_HTTP_MULTIPART_REQUEST_END},
};

int scn_event_by_name(const char *name) {
  size_t i;
  for (i = 0; i < sizeof(s_events) / sizeof(s_events[0]); i++) {
    if (strcmp(s_events[i].name, name) == 0) return s_events[i].ev;
  }
  return -1;
}

const char *scn_event_name(int ev) {
  static char buf[16];
  size_t i;
  for (i = 0; i < sizeof(s_events) / sizeof(s_events[0]); i++) {
    if (s_events[i].ev == ev) return s_events[i].name;
  }
  snprintf(buf, sizeof(buf), "EV%d", ev);
  return buf;
}

static const struct {
  const char *name;
  unsigned long flag;
} s_flags[] = {
    {"LISTENING", MG_F_LISTENING},
    {"UDP", MG_F_UDP},
    {"RESOLVING", MG_F_RESOLVING},
    {"CONNECTING", MG_F_CONNECTING},
    {"SSL", MG_F_SSL},
    {"SSL_HANDSHAKE_DONE", MG_F_SSL_HANDSHAKE_DONE},
    {"WANT_READ", MG_F_WANT_READ},
    {"WANT_WRITE", MG_F_WANT_WRITE},
    {"IS_WEBSOCKET", MG_F_IS_WEBSOCKET},
    {"SEND_AND_CLOSE", MG_F_SEND_AND_CLOSE},
    {"CLOSE_IMMEDIATELY", MG_F_CLOSE_IMMEDIATELY},
    {"WEBSOCKET_NO_DEFRAG", MG_F_WEBSOCKET_NO_DEFRAG},
    {"DELETE_CHUNK", MG_F_DELETE_CHUNK},
    {"ENABLE_BROADCAST", MG_F_ENABLE_BROADCAST},
    {"USER_1", MG_F_USER_1},
    {"USER_2", MG_F_USER_2},
    {"USER_3", MG_F_USER_3},
    {"USER_4", MG_F_USER_4},
    {"USER_5", MG_F_USER_5},
    {"USER_6", MG_F_USER_6},
};

unsigned long scn_flag_by_name(const char *name) {
  size_t i;
  for (i = 0; i < sizeof(s_flags) / sizeof(s_flags[0]); i++) {
    if (strcmp(s_flags[i].name, name) == 0) return s_flags[i].flag;
  }
  return 0;
}

static const struct {
  const char *name;
  int err;
} s_errnos[] = {
    {"ECONNREFUSED", ECONNREFUSED}, {"ETIMEDOUT", ETIMEDOUT},
    {"ECONNRESET", ECONNRESET},     {"EHOSTUNREACH", EHOSTUNREACH},
    {"ENOBUFS", ENOBUFS},           {"ENOMEM", ENOMEM},
    {"EPIPE", EPIPE},               {"EBADF", EBADF},
    {"EADDRINUSE", EADDRINUSE},     {"EAFNOSUPPORT", EAFNOSUPPORT},
};

int scn_errno_by_name(const char *name, long long *out) {
  size_t i;
  char *end;
  for (i = 0; i < sizeof(s_errnos) / sizeof(s_errnos[0]); i++) {
    if (strcmp(s_errnos[i].name, name) == 0) {
      *out = s_errnos[i].err;
      return 0;
    }
  }
  *out = strtoll(name, &end, 10);
  return *name != '\0' && *end == '\0' ? 0 : -1;
}

const char *scn_errno_name(long long err) {
  static char buf[24];
  size_t i;
  for (i = 0; i < sizeof(s_errnos) / sizeof(s_errnos[0]); i++) {
    if (s_errnos[i].err == err) return s_errnos[i].name;
  }
  snprintf(buf, sizeof(buf), "%lld", err);
  return buf;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int parse_count(const struct tok *t, size_t *n) {
  char *end;
  unsigned long long v;
  if (t->type != T_WORD || t->s[0] == '-') return -1;
  v = strtoull(t->s, &end, 10);
  if (*end != '\0' || end == t->s) return -1;
  *n = (size_t) v;
  return 0;
}

static int read_file(const struct scn *sc, const char *name, struct mbuf *out,
                     char *err, size_t errlen) {
  char path[1024];
  FILE *fp;
  char buf[8192];
  size_t n;
  if (name[0] == '/') {
    snprintf(path, sizeof(path), "%s", name);
  } else {
    snprintf(path, sizeof(path), "%s/%s", sc->basedir, name);
  }
  if ((fp = fopen(path, "rb")) == NULL) {
    snprintf(err, errlen, "cannot open file '%s'", path);
    return -1;
  }
  while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
    if (out->len + n > MAX_DATA_BYTES || mbuf_append(out, buf, n) != n) {
      fclose(fp);
      snprintf(err, errlen, "file '%s' is too large", path);
      return -1;
    }
  }
  fclose(fp);
  return 0;
}

int scn_data(const struct scn *sc, const struct tok *t, int n, struct mbuf *out,
             char *err, size_t errlen) {
  size_t count, i;
  if (n < 1) {
    snprintf(err, errlen, "data expected: \"text\", hex HEX, file PATH, "
                          "repeat N \"text\" or pattern N");
    return -1;
  }
  if (t[0].type == T_STR) {
    mbuf_append(out, t[0].s, t[0].len);
    return 1;
  }
  if (t[0].type != T_WORD || n < 2) {
    snprintf(err, errlen, "data expected, not '%s'", t[0].s);
    return -1;
  }
  if (strcmp(t[0].s, "hex") == 0) {
    /* Decoded in pieces, appended a piece at a time: byte-sized appends
     * cost most of a fuzzed scenario's parse. */
    const char *p = t[1].s;
    char piece[256];
    size_t k = 0;
    while (*p != '\0') {
      int hi, lo;
      if (*p == ' ' || *p == ':') {
        p++;
        continue;
      }
      hi = hexval(p[0]);
      lo = hi >= 0 ? hexval(p[1]) : -1;
      if (lo < 0) {
        snprintf(err, errlen, "bad hex data near '%s'", p);
        return -1;
      }
      piece[k++] = (char) (hi * 16 + lo);
      if (k == sizeof(piece)) {
        mbuf_append(out, piece, k);
        k = 0;
      }
      p += 2;
    }
    mbuf_append(out, piece, k);
    return 2;
  }
  if (strcmp(t[0].s, "file") == 0) {
    return read_file(sc, t[1].s, out, err, errlen) == 0 ? 2 : -1;
  }
  if (strcmp(t[0].s, "pattern") == 0) {
    if (parse_count(&t[1], &count) != 0 || count > MAX_DATA_BYTES) {
      snprintf(err, errlen, "pattern wants a byte count up to %zu", MAX_DATA_BYTES);
      return -1;
    }
    {
      size_t at = out->len;
      if (count > 0 && mbuf_append(out, NULL, count) != count) {
        snprintf(err, errlen, "out of memory");
        return -1;
      }
      for (i = 0; i < count; i++) out->buf[at + i] = (char) ('a' + i % 26);
    }
    return 2;
  }
  if (strcmp(t[0].s, "repeat") == 0) {
    if (n < 3 || parse_count(&t[1], &count) != 0 || t[2].type != T_STR ||
        (t[2].len > 0 && count > MAX_DATA_BYTES / t[2].len)) {
      snprintf(err, errlen, "usage: repeat N \"text\" (up to %zu bytes)",
               MAX_DATA_BYTES);
      return -1;
    }
    {
      size_t at = out->len, total = count * t[2].len;
      if (total > 0 && mbuf_append(out, NULL, total) != total) {
        snprintf(err, errlen, "out of memory");
        return -1;
      }
      for (i = 0; i < count; i++) memcpy(out->buf + at + i * t[2].len, t[2].s, t[2].len);
    }
    return 3;
  }
  snprintf(err, errlen, "data expected, not '%s'", t[0].s);
  return -1;
}
