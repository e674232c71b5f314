/*
 * explore.h - the scenarios mgsim explore makes from seeds (explore_gen.c)
 * and the roles they put apps in.
 */
#ifndef EXPLORE_H
#define EXPLORE_H

#include <stdint.h>

enum explore_role {
  ROLE_ECHO,
  ROLE_WS,
  ROLE_HTTP,
  ROLE_TIMER,
  ROLE_UDP,
  ROLE_CHAT,
  ROLE_HTTP_CLIENT,
  ROLE_WS_CLIENT,
  ROLE_RAW,
  EXPLORE_NROLES
};

/* The roles' names, as --apps and --as spell them. */
extern const char *const explore_role_names[EXPLORE_NROLES];

/* The scenario of one seed (heap, NUL-terminated; NULL: out of memory):
 * apps in some of the roles allowed (a bit per role), each started as
 * role_app[role], with peers, a schedule and the oracles as expectations. */
char *explore_generate(uint64_t seed, unsigned roles_allowed,
                       const char *const role_app[EXPLORE_NROLES]);

#endif
