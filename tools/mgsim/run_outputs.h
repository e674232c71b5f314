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

/* One output: its path (NULL: not asked for) and whether this run made
 * the file (then it goes again when nothing was written to it). */
struct run_output {
  const char *path;
  int created, started;
  struct scn_watcher watcher;
};

struct run_outputs {
  struct run_output timeline, pcap, bytes;
  /* --timeline: where it is drawn, in which form, and whether that failed */
  struct timeline *tl;
  FILE *tl_fp;
  int tl_html, tl_bad;
  struct pcap_writer *pw; /* --pcap */
};

/* Checks what was asked for against a run (not check or compare) of the
 * scenario files inputs[0..n-1]: one simulated run, each file writable and
 * neither an input nor another output. Nothing is truncated yet (a
 * malformed scenario must not cost an existing file its contents). 0, or
 * -1 said on stderr, with nothing left behind. */
int run_outputs_open(struct run_outputs *o, int run, char *const *inputs, size_t n);
/* The scenario parsed and is about to run: the files are started. 0, or -1
 * said on stderr. */
int run_outputs_start(struct run_outputs *o);
/* It ran (the first run of --repeat, the only one watched): the timeline
 * is drawn. */
void run_outputs_ran(struct run_outputs *o, const struct scn *sc, uint64_t seed,
                     const struct scn_result *res);
/* 0, or -1 when something could not be written whole (said on stderr). */
int run_outputs_close(struct run_outputs *o);

#endif
