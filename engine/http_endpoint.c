/*
 * http_endpoint.c - mg_register_http_endpoint: which handler a request
 * reaches.
 *
 * A pattern is a path or a glob. It matches a prefix of the URI: '*' stands
 * for any run of bytes but '/', '**' for any run at all, '?' for one byte,
 * '$' for the end of the URI, and '|' separates alternatives. The prefix
 * must end at a segment boundary (the URI's end, before a '/', or after one
 * the pattern took), so "/api" takes "/api" and "/api/x" but not "/apix".
 * Among the patterns that match, the one that takes the longest prefix wins.
 */
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

static void free_list(struct http_endpoint *e) {
  while (e != NULL) {
    struct http_endpoint *next = e->next;
    free(e->path);
    free(e);
    e = next;
  }
}

void mg_http_free_endpoints(struct http_pd *pd) {
  free_list(pd->endpoints);
  pd->endpoints = NULL;
}

void mg_register_http_endpoint(struct mg_connection *nc, const char *uri_path,
                               mg_event_handler_t handler) {
  /* Endpoints may come before mg_set_protocol_http_websocket: they wait in
   * protocol state that is not yet in charge of the connection. */
  struct http_pd *pd = mg_http_pd_any(nc, 1);
  struct http_endpoint *e;
  if (pd == NULL || uri_path == NULL) return;
  /* A pattern registered again gets the new handler. */
  for (e = pd->endpoints; e != NULL; e = e->next) {
    if (strcmp(e->path, uri_path) == 0) {
      e->handler = handler;
      return;
    }
  }
  if ((e = (struct http_endpoint *) calloc(1, sizeof(*e))) == NULL) return;
  e->len = strlen(uri_path);
  if ((e->path = (char *) malloc(e->len + 1)) == NULL) {
    free(e);
    return;
  }
  memcpy(e->path, uri_path, e->len + 1);
  e->handler = handler;
  e->next = pd->endpoints;
  pd->endpoints = e;
}

void mg_http_copy_endpoints(struct mg_connection *nc, const struct http_pd *from) {
  const struct http_endpoint *e;
  for (e = from->endpoints; e != NULL; e = e->next) {
    mg_register_http_endpoint(nc, e->path, e->handler);
  }
}

/* One alternative p[0..pn) against a prefix of s[0..sn): the bytes of s it
 * takes, or -1. A star tries its longest run first and gives bytes back
 * until the rest of the pattern matches; patterns come from the program and
 * hold few stars, so the backtracking stays small. */
static long match_alt(const char *p, size_t pn, const char *s, size_t sn) {
  size_t i = 0, j = 0;
  while (i < pn) {
    if (p[i] == '*') {
      int any = i + 1 < pn && p[i + 1] == '*';
      size_t rest = i + (any ? 2 : 1), k = j;
      while (k < sn && (any || s[k] != '/')) k++;
      for (;;) {
        long r = match_alt(p + rest, pn - rest, s + k, sn - k);
        if (r >= 0) return (long) k + r;
        if (k == j) return -1;
        k--;
      }
    }
    if (p[i] == '$' && i + 1 == pn) return j == sn ? (long) j : -1;
    if (j >= sn || (p[i] != '?' && p[i] != s[j])) return -1;
    i++;
    j++;
  }
  return (long) j;
}

long mg_http_match_prefix(const char *pattern, size_t plen, const char *s,
                          size_t slen) {
  long best = -1;
  for (;;) {
    const char *bar = (const char *) memchr(pattern, '|', plen);
    size_t n = bar != NULL ? (size_t) (bar - pattern) : plen;
    long m = match_alt(pattern, n, s, slen);
    if (m > best) best = m;
    if (bar == NULL) return best;
    pattern += n + 1;
    plen -= n + 1;
  }
}

mg_event_handler_t mg_http_find_endpoint(const struct http_pd *pd,
                                         const struct mg_str *uri) {
  const struct http_endpoint *e, *best = NULL;
  long best_len = -1;
  for (e = pd->endpoints; e != NULL; e = e->next) {
    long m = mg_http_match_prefix(e->path, e->len, uri->p, uri->len);
    size_t at = (size_t) m;
    if (m < 0) continue;
    if (at > 0 && at < uri->len && uri->p[at] != '/' && uri->p[at - 1] != '/') {
      continue; /* not at a segment boundary */
    }
    if (m > best_len) {
      best = e;
      best_len = m;
    }
  }
  return best != NULL ? best->handler : NULL;
}
