/*
 * dump.c - mgr->hexdump_file: a readable record of a connection's traffic,
 * one header line per RECV or SEND followed by a hex dump of the bytes.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void mg_hexdump_connection(struct mg_connection *nc, const char *path,
                           const void *buf, int num_bytes, int ev) {
  char local[64] = "?", remote[64] = "?", *text;
  int to_stream = strcmp(path, "-") == 0 || strcmp(path, "--") == 0;
  size_t cap;
  FILE *fp;

  if (num_bytes < 0) return;
  fp = strcmp(path, "-") == 0    ? stdout
       : strcmp(path, "--") == 0 ? stderr
                                 : fopen(path, "a");
  if (fp == NULL) return;
  mg_conn_addr_to_str(nc, local, sizeof(local),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  mg_conn_addr_to_str(nc, remote, sizeof(remote),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT |
                          MG_SOCK_STRINGIFY_REMOTE);
  fprintf(fp, "%s %s %s %d\n", local, ev == MG_EV_RECV ? "<-" : "->", remote,
          num_bytes);
  /* A 16-byte line takes at most 80 characters in mg_hexdump's format. */
  cap = ((size_t) num_bytes / 16 + 2) * 80;
  if (cap <= INT_MAX && (text = (char *) malloc(cap)) != NULL) {
    mg_hexdump(buf, num_bytes, text, (int) cap);
    fputs(text, fp);
    free(text);
  }
  if (to_stream) {
    fflush(fp);
  } else {
    fclose(fp);
  }
}
