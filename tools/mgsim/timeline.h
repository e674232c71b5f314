/*
 * timeline.h - `mgsim run FILE --timeline OUT.html|OUT.svg`: one run drawn
 * as a sequence diagram. A lane per engine connection and per peer, virtual
 * time downwards (one band of rows per instant, long idle stretches marked
 * rather than drawn to scale), arrows for what crossed the simulated wire,
 * the handler events on the engine's lanes, and the failure in red.
 *
 * The timeline watches one run (the first it sees: with --repeat the runs
 * are identical) and is drawn from it once the run is over.
 */
#ifndef TIMELINE_H
#define TIMELINE_H

#include <stdio.h>

#include "scn.h"

struct timeline;
struct scn_ctx;

/* NULL: out of memory. */
struct timeline *timeline_new(void);
void timeline_free(struct timeline *tl);

/* What the runner tells it (scn_watcher's members, see scn_internal.h). */
void timeline_on_wire(void *tl, const struct sim_wire *w);
void timeline_on_failed(void *tl, struct scn_ctx *ctx, int line, const char *why);
void timeline_on_ended(void *tl, struct scn_ctx *ctx);

/* 1 for a name ending in .html or .htm, 0 for .svg, -1 for anything else. */
int timeline_format(const char *path);
/* Draws the run that was watched to fp: SVG, or an HTML page around it.
 * Returns 0, or -1 when out of memory (write errors show on fp). */
int timeline_write(struct timeline *tl, FILE *fp, int html, const struct scn *sc,
                   uint64_t seed, const struct scn_result *res);

#endif
