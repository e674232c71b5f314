#!/usr/bin/env bash
# Fails if any object of the core refers to a socket, clock, random, thread
# or name-lookup function: those belong behind the iface vtable.
# Usage: ci/check-core.sh OBJ...
set -eu
forbidden='^(socket|socketpair|bind|listen|accept|accept4|connect|shutdown|send|sendto|sendmsg|recv|recvfrom|recvmsg|read|write|close|poll|ppoll|select|pselect|epoll_[a-z_]+|setsockopt|getsockopt|getsockname|getpeername|fcntl|ioctl|time|gettimeofday|clock_gettime|clock|rand|random|srand|srandom|rand_r|drand48|getrandom|arc4random|getaddrinfo|gethostbyname|getnameinfo|pthread_[a-z_]+|usleep|nanosleep|sleep)$'
bad=0
for obj in "$@"; do
  hits=$(nm -u "$obj" | awk '{print $NF}' | sed 's/@.*//' | grep -E "$forbidden" || true)
  if [ -n "$hits" ]; then
    echo "core purity: $(basename "$obj") calls $(echo $hits | tr '\n' ' ')"
    bad=1
  fi
done
if [ "$bad" = 0 ]; then
  echo "core purity: $# objects, no socket/clock/random/thread call"
fi
exit "$bad"
