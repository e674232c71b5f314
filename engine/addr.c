/*
 * addr.c - address strings: "8000", ":8000", "1.2.3.4:8000", "[::1]:8000",
 * "host.name:80", each optionally prefixed by "tcp://" or "udp://", and the
 * reverse, socket addresses to text. Pure parsing: names are resolved
 * elsewhere (the iface), so this file never touches the network.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int parse_port(const char *s, size_t len, in_port_t *port) {
  unsigned long v = 0;
  size_t i;
  if (len == 0 || len > 5) return 0;
  for (i = 0; i < len; i++) {
    if (!isdigit((unsigned char) s[i])) return 0;
    v = v * 10 + (unsigned long) (s[i] - '0');
  }
  if (v > 65535) return 0;
  *port = htons((in_port_t) v);
  return 1;
}

/* Letters, digits, '-', '_' and dots; a last label of only digits would make
 * a malformed IPv4 address ("1.2.3.4.5") look like a name, so it is refused. */
static int valid_host_name(const char *s, size_t len) {
  size_t i;
  int last_label_numeric = 1;
  if (len == 0 || len > 253) return 0;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char) s[i];
    if (!isalnum(c) && c != '-' && c != '.' && c != '_') return 0;
    if (c == '.') {
      last_label_numeric = 1;
    } else if (!isdigit(c)) {
      last_label_numeric = 0;
    }
  }
  return !last_label_numeric;
}

int mg_parse_address(const char *str, union socket_address *sa, int *proto,
                     char *host, size_t host_len) {
  const char *colon, *port_str;
  char buf[256];
  size_t hlen;

  memset(sa, 0, sizeof(*sa));
  *proto = SOCK_STREAM;
  if (strncmp(str, "udp://", 6) == 0) {
    *proto = SOCK_DGRAM;
    str += 6;
  } else if (strncmp(str, "tcp://", 6) == 0) {
    str += 6;
  }

  if (*str == '[') {
    const char *end = strchr(str, ']');
    if (end == NULL || end[1] != ':' || (size_t) (end - str - 1) >= sizeof(buf)) {
      return -1;
    }
    memcpy(buf, str + 1, (size_t) (end - str - 1));
    buf[end - str - 1] = '\0';
    sa->sin6.sin6_family = AF_INET6;
    if (inet_pton(AF_INET6, buf, &sa->sin6.sin6_addr) != 1) return -1;
    return parse_port(end + 2, strlen(end + 2), &sa->sin6.sin6_port) ? 1 : -1;
  }

  sa->sin.sin_family = AF_INET;
  colon = strrchr(str, ':');
  if (colon == NULL) { /* just a port: every local address */
    sa->sin.sin_addr.s_addr = htonl(INADDR_ANY);
    return parse_port(str, strlen(str), &sa->sin.sin_port) ? 1 : -1;
  }
  port_str = colon + 1;
  if (!parse_port(port_str, strlen(port_str), &sa->sin.sin_port)) return -1;
  hlen = (size_t) (colon - str);
  if (hlen == 0) {
    sa->sin.sin_addr.s_addr = htonl(INADDR_ANY);
    return 1;
  }
  if (hlen >= sizeof(buf)) return -1;
  memcpy(buf, str, hlen);
  buf[hlen] = '\0';
  if (inet_pton(AF_INET, buf, &sa->sin.sin_addr) == 1) return 1;
  if (strcmp(buf, "localhost") == 0) {
    sa->sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return 1;
  }
  if (!valid_host_name(buf, hlen) || host == NULL || hlen >= host_len) return -1;
  memcpy(host, buf, hlen + 1);
  return 0;
}

int mg_sock_addr_to_str(const union socket_address *sa, char *buf, size_t len,
                        int flags) {
  char ip[INET6_ADDRSTRLEN] = "";
  int is6 = sa->sa.sa_family == AF_INET6, n;
  unsigned port = ntohs(is6 ? sa->sin6.sin6_port : sa->sin.sin_port);
  if (len == 0) return -1;
  buf[0] = '\0';
  if (flags & MG_SOCK_STRINGIFY_IP) {
    const void *addr = is6 ? (const void *) &sa->sin6.sin6_addr
                           : (const void *) &sa->sin.sin_addr;
    if (inet_ntop(is6 ? AF_INET6 : AF_INET, addr, ip, sizeof(ip)) == NULL) {
      return -1;
    }
  }
  if ((flags & MG_SOCK_STRINGIFY_IP) && (flags & MG_SOCK_STRINGIFY_PORT)) {
    n = snprintf(buf, len, is6 ? "[%s]:%u" : "%s:%u", ip, port);
  } else if (flags & MG_SOCK_STRINGIFY_PORT) {
    n = snprintf(buf, len, "%u", port);
  } else {
    n = snprintf(buf, len, "%s", ip);
  }
  return n >= 0 && (size_t) n < len ? n : -1;
}

int mg_conn_addr_to_str(struct mg_connection *nc, char *buf, size_t len,
                        int flags) {
  union socket_address sa;
  memset(&sa, 0, sizeof(sa));
  nc->iface->vtable->get_conn_addr(nc, (flags & MG_SOCK_STRINGIFY_REMOTE) != 0,
                                   &sa);
  return mg_sock_addr_to_str(&sa, buf, len, flags);
}
