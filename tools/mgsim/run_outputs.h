/*
 * run_outputs.h - the files `mgsim run` writes about a run besides its
 * trace (--timeline, --pcap, --peer-bytes): see run_outputs.c.
 */
#ifndef MGSIM_RUN_OUTPUTS_H
#define MGSIM_RUN_OUTPUTS_H

#include <stdio.h>

#include "scn_internal.h"

struct timeline;
struct pcap_writer;

/* --timeline FILE: the first run drawn (timeline.h). */
struct timeline_out {
  const char *path;
  FILE *fp;
  struct timeline *tl;
  struct scn_watcher watcher;
  int html, bad;
};

/* --pcap FILE: the packets of the first run (pcap.h). */
struct pcap_out {
  const char *path;
  struct pcap_writer *pw;
  struct scn_watcher watcher;
};

/* --peer-bytes FILE: what the capture's TCP streams must carry (peer_bytes.h). */
struct bytes_out {
  const char *path;
  int open;
  struct scn_watcher watcher;
};

/* Each with a path (NULL: not asked for). */
struct run_outputs {
  struct timeline_out timeline;
  struct pcap_out pcap;
  struct bytes_out bytes;
};

/* Opens what was asked for, for a run (not check or compare) of nfiles
 * scenarios: 0, or -1 when one cannot be written or does not apply (said
 * on stderr; nothing is left behind). */
int run_outputs_open(struct run_outputs *o, int run, size_t nfiles);
/* A scenario ran (the first run of --repeat): the timeline is drawn. */
void run_outputs_ran(struct run_outputs *o, const struct scn *sc, uint64_t seed,
                     const struct scn_result *res);
/* 0, or -1 when something could not be written whole (said on stderr). */
int run_outputs_close(struct run_outputs *o);

#endif
