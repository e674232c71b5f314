/*
 * record.h - mgsim record: a real client's session, through a proxy, as a
 * scenario that replays it against an app in simulation (record.c).
 */
#ifndef RECORD_H
#define RECORD_H

/* argv[1] is "record"; returns the exit status (0 written, 2 otherwise). */
int mgsim_record(int argc, char **argv);

#endif
