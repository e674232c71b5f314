/*
 * run_outputs.c - what `mgsim run` writes about a run besides its trace:
 * --timeline (a sequence diagram, timeline.c), --pcap (a capture, pcap.c)
 * and --peer-bytes (what each peer's TCP streams carried, peer_bytes.c).
 *
 * Each watches the run through the runner's watchers (scn_watch), so any
 * of them can be given together. Each is for one simulated run, and its
 * file must be writable before anything runs: a run is not worth starting
 * when what it was asked to write cannot be written.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "native.h"
#include "pcap.h"
#include "peer_bytes.h"
#include "run_outputs.h"
#include "timeline.h"

/* ---- --timeline FILE: the first run drawn -------------------------------- */

/* Only a run of one simulated scenario is drawn, and the file must be
 * writable before anything runs. Says why and returns -1 otherwise. */
static int timeline_open(struct timeline_out *to, int run, size_t nfiles) {
  if ((to->html = timeline_format(to->path)) < 0) {
    fprintf(stderr, "mgsim: --timeline wants a file name ending in .html or .svg, not '%s'\n",
            to->path);
    return -1;
  }
  if (!run || scn_native) {
    fprintf(stderr, "mgsim: --timeline draws a simulated run: it is for run, without --native\n");
    return -1;
  }
  if (nfiles != 1) {
    fprintf(stderr, "mgsim: --timeline draws one run: give one scenario file, not %zu\n",
            nfiles);
    return -1;
  }
  if ((to->fp = fopen(to->path, "w")) == NULL) {
    fprintf(stderr, "mgsim: cannot write %s: %s\n", to->path, strerror(errno));
    return -1;
  }
  to->watcher.wire = timeline_on_wire;
  to->watcher.failed = timeline_on_failed;
  to->watcher.ended = timeline_on_ended;
  to->tl = timeline_new();
  to->watcher.arg = to->tl;
  if (to->tl == NULL || scn_watch(&to->watcher) != 0) {
    fprintf(stderr, "mgsim: --timeline: out of memory\n");
    timeline_free(to->tl);
    fclose(to->fp);
    remove(to->path);
    return -1;
  }
  return 0;
}

static void timeline_draw(struct timeline_out *to, const struct scn *sc, uint64_t seed,
                          const struct scn_result *res) {
  if (to == NULL || to->fp == NULL) return;
  if (timeline_write(to->tl, to->fp, to->html, sc, seed, res) != 0) {
    fprintf(stderr, "mgsim: cannot draw %s: out of memory\n", to->path);
    to->bad = 1;
  }
  if (mgsim_close_output(to->fp, to->path) != 0) to->bad = 1;
  to->fp = NULL;
}

/* -1 when the picture could not be written. A file that never got one (a
 * malformed scenario) is not left behind empty. */
static int timeline_close(struct timeline_out *to) {
  if (to->path == NULL || to->tl == NULL) return 0;
  scn_unwatch(&to->watcher);
  timeline_free(to->tl);
  to->tl = NULL;
  if (to->fp != NULL) {
    fclose(to->fp);
    to->fp = NULL;
    remove(to->path);
  }
  return to->bad ? -1 : 0;
}

/* ---- --pcap FILE: the packets of the first run ---------------------------- */


static void pcap_ended(void *pw, struct scn_ctx *ctx) {
  (void) ctx;
  pcap_finish((struct pcap_writer *) pw);
}

/* Like --timeline: one simulated scenario, and a file that can be written
 * before anything runs. Says why and returns -1 otherwise. */
static int pcap_out_open(struct pcap_out *po, int run, size_t nfiles) {
  if (!run || scn_native) {
    fprintf(stderr, "mgsim: --pcap captures a simulated run: it is for run, without --native\n");
    return -1;
  }
  if (nfiles != 1) {
    fprintf(stderr, "mgsim: --pcap captures one run: give one scenario file, not %zu\n",
            nfiles);
    return -1;
  }
  if ((po->pw = pcap_open(po->path)) == NULL) {
    fprintf(stderr, "mgsim: cannot write %s: %s\n", po->path, strerror(errno));
    return -1;
  }
  po->watcher.wire = pcap_on_wire;
  po->watcher.ended = pcap_ended;
  po->watcher.arg = po->pw;
  if (scn_watch(&po->watcher) != 0) {
    fprintf(stderr, "mgsim: --pcap: too many watchers\n");
    pcap_close(po->pw);
    po->pw = NULL;
    remove(po->path);
    return -1;
  }
  return 0;
}

/* ---- --peer-bytes FILE: what the capture's TCP streams must carry -------- */


static int peer_bytes_out_open(struct bytes_out *po, int run, size_t nfiles) {
  if (!run || scn_native || nfiles != 1) {
    fprintf(stderr, "mgsim: --peer-bytes records one simulated run: it is for run with one "
                    "scenario file, without --native\n");
    return -1;
  }
  if (peer_bytes_open(po->path) != 0) {
    fprintf(stderr, "mgsim: cannot write %s: %s\n", po->path, strerror(errno));
    return -1;
  }
  po->watcher.ended = peer_bytes_ended;
  if (scn_watch(&po->watcher) != 0) {
    fprintf(stderr, "mgsim: --peer-bytes: too many watchers\n");
    peer_bytes_close();
    remove(po->path);
    return -1;
  }
  po->open = 1;
  return 0;
}

static int peer_bytes_out_close(struct bytes_out *po) {
  if (!po->open) return 0;
  scn_unwatch(&po->watcher);
  po->open = 0;
  if (peer_bytes_close() == 0) return 0;
  fprintf(stderr, "mgsim: cannot write %s: %s\n", po->path, strerror(errno));
  return -1;
}

/* -1 when the capture could not be written whole. */
static int pcap_out_close(struct pcap_out *po) {
  int rc;
  if (po->pw == NULL) return 0;
  scn_unwatch(&po->watcher);
  rc = pcap_close(po->pw);
  po->pw = NULL;
  if (rc != 0) fprintf(stderr, "mgsim: cannot write %s: %s\n", po->path, strerror(errno));
  return rc;
}


int run_outputs_open(struct run_outputs *o, int run, size_t nfiles) {
  if (o->timeline.path != NULL && timeline_open(&o->timeline, run, nfiles) != 0) return -1;
  if ((o->pcap.path != NULL && pcap_out_open(&o->pcap, run, nfiles) != 0) ||
      (o->bytes.path != NULL && peer_bytes_out_open(&o->bytes, run, nfiles) != 0)) {
    timeline_close(&o->timeline);
    if (o->pcap.pw != NULL) { /* made just now: nothing ran */
      pcap_out_close(&o->pcap);
      remove(o->pcap.path);
    }
    return -1;
  }
  return 0;
}

void run_outputs_ran(struct run_outputs *o, const struct scn *sc, uint64_t seed,
                     const struct scn_result *res) {
  if (o->timeline.path != NULL) timeline_draw(&o->timeline, sc, seed, res);
}

int run_outputs_close(struct run_outputs *o) {
  int rc = 0;
  if (timeline_close(&o->timeline) != 0) rc = -1;
  if (pcap_out_close(&o->pcap) != 0) rc = -1;
  if (peer_bytes_out_close(&o->bytes) != 0) rc = -1;
  return rc;
}
