/*
 * http_endpoint.c - mg_register_http_endpoint: which handler a request
 * reaches.
 *
 * A pattern is a path or a glob (glob.c) matching a prefix of the URI,
 * byte for byte: '*' stands for any run of bytes but '/', '**' for any run
 * at all, '?' for one byte, '$' for the end of the URI, and '|' separates
 * alternatives. The prefix must end at a segment boundary (the URI's end,
 * before a '/', or after one the pattern took), so "/api" takes "/api" and
 * "/api/x" but not "/apix".
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

static void drop_endpoint(struct mg_connection *nc, const char *uri_path) {
  struct http_pd *pd = mg_http_pd_any(nc, 0);
  struct http_endpoint **link;
  if (pd == NULL || uri_path == NULL) return;
  for (link = &pd->endpoints; *link != NULL; link = &(*link)->next) {
    struct http_endpoint *e = *link;
    if (strcmp(e->path, uri_path) == 0) {
      *link = e->next;
      e->next = NULL;
      free_list(e);
      return;
    }
  }
}

/* Digest authentication is out of scope, so an endpoint that asks for it
 * is not registered at all, and one registered before under the same
 * pattern goes: serving it unprotected would expose what the program meant
 * to guard, while leaving it out sends its requests to the connection's own
 * handler, as for any URI no endpoint takes. The error log says why. */
void mg_register_http_endpoint_opt(struct mg_connection *nc,
                                   const char *uri_path,
                                   mg_event_handler_t handler,
                                   struct mg_http_endpoint_opts opts) {
  if (opts.auth_file != NULL && opts.auth_file[0] != '\0') {
    MG_CS_LOG(LL_ERROR, ("endpoint %s not registered: auth_file needs "
                         "digest authentication, which this engine does "
                         "not have",
                         uri_path != NULL ? uri_path : "(null)"));
    drop_endpoint(nc, uri_path);
    return;
  }
  mg_register_http_endpoint(nc, uri_path, handler);
}

void mg_http_copy_endpoints(struct mg_connection *nc, const struct http_pd *from) {
  const struct http_endpoint *e;
  for (e = from->endpoints; e != NULL; e = e->next) {
    mg_register_http_endpoint(nc, e->path, e->handler);
  }
}

mg_event_handler_t mg_http_find_endpoint(const struct http_pd *pd,
                                         const struct mg_str *uri) {
  const struct http_endpoint *e, *best = NULL;
  long best_len = -1;
  for (e = pd->endpoints; e != NULL; e = e->next) {
    long m = mg_glob_match(e->path, e->len, uri->p, uri->len, 0);
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
