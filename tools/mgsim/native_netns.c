/*
 * native_netns.c - a network namespace of the run's own: its loopback is
 * up and takes the scenario's addresses (10.0.0.1, 192.0.2.2, ...), so that
 * the apps bind, and the peers connect to, exactly what the scenario says
 * (a Host header keeps its address), and any port is free. Nothing in it
 * can be reached from outside the namespace.
 *
 * Unprivileged, a user namespace comes first (we are root inside it); the
 * kernel must allow that (Debian does by default).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "native.h"

static int s_user_ns; /* entered once; each run makes a network namespace */
static int s_aliases;
static struct in_addr s_added[256];
static int s_nadded;

/* A user namespace maps our ids to root inside it. */
static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC), ok;
  if (fd < 0) return -1;
  ok = write(fd, text, strlen(text)) == (ssize_t) strlen(text);
  close(fd);
  return ok ? 0 : -1;
}

static int enter_user_ns(char *err, size_t errlen) {
  char map[64];
  uid_t uid = getuid();
  gid_t gid = getgid();
  if (unshare(CLONE_NEWUSER) != 0) {
    snprintf(err, errlen, "cannot make a user namespace: %s", strerror(errno));
    return -1;
  }
  (void) write_file("/proc/self/setgroups", "deny");
  snprintf(map, sizeof(map), "0 %u 1\n", (unsigned) uid);
  if (write_file("/proc/self/uid_map", map) != 0) {
    snprintf(err, errlen, "cannot map the user id: %s", strerror(errno));
    return -1;
  }
  snprintf(map, sizeof(map), "0 %u 1\n", (unsigned) gid);
  (void) write_file("/proc/self/gid_map", map);
  return 0;
}

static int lo_up(char *err, size_t errlen) {
  struct ifreq ifr;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;
  if (fd < 0) {
    snprintf(err, errlen, "socket: %s", strerror(errno));
    return -1;
  }
  memset(&ifr, 0, sizeof(ifr));
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) {
    rc = -1;
  } else {
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) rc = -1;
  }
  if (rc != 0) snprintf(err, errlen, "cannot bring the loopback up: %s", strerror(errno));
  close(fd);
  return rc;
}

int native_isolate(char *err, size_t errlen) {
  err[0] = '\0';
  if (unshare(CLONE_NEWNET) != 0) {
    if (s_user_ns || (errno != EPERM && errno != EINVAL)) {
      snprintf(err, errlen, "cannot make a network namespace: %s", strerror(errno));
      return -1;
    }
    if (enter_user_ns(err, errlen) != 0) return -1;
    s_user_ns = 1;
    if (unshare(CLONE_NEWNET) != 0) {
      snprintf(err, errlen, "cannot make a network namespace: %s", strerror(errno));
      return -1;
    }
  }
  s_aliases = 0;
  s_nadded = 0;
  return lo_up(err, errlen);
}

int native_add_address(const char *ip, char *err, size_t errlen) {
  struct ifreq ifr;
  struct sockaddr_in *sin = (struct sockaddr_in *) (void *) &ifr.ifr_addr;
  struct in_addr a;
  int fd, rc = 0;
  if (inet_pton(AF_INET, ip, &a) != 1) {
    snprintf(err, errlen, "'%s' is not an IPv4 address", ip);
    return -1;
  }
  if ((ntohl(a.s_addr) >> 24) == 127 || a.s_addr == htonl(INADDR_ANY)) return 0;
  for (rc = 0; rc < s_nadded; rc++) {
    if (s_added[rc].s_addr == a.s_addr) return 0;
  }
  rc = 0;
  if (s_nadded == (int) (sizeof(s_added) / sizeof(s_added[0]))) {
    snprintf(err, errlen, "more than %d addresses", s_nadded);
    return -1;
  }
  if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
    snprintf(err, errlen, "socket: %s", strerror(errno));
    return -1;
  }
  memset(&ifr, 0, sizeof(ifr));
  snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo:%d", s_aliases++);
  sin->sin_family = AF_INET;
  sin->sin_addr = a;
  if (ioctl(fd, SIOCSIFADDR, &ifr) != 0) rc = -1;
  if (rc == 0) {
    sin->sin_addr.s_addr = htonl(0xffffffffu);
    if (ioctl(fd, SIOCSIFNETMASK, &ifr) != 0) rc = -1;
  }
  if (rc != 0) {
    snprintf(err, errlen, "cannot give the loopback %s: %s", ip, strerror(errno));
  } else {
    s_added[s_nadded++] = a;
  }
  close(fd);
  return rc;
}
