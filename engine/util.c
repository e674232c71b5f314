/*
 * util.c - small helpers of Mongoose 6's common library that belong to no
 * protocol: byte order and UTC calendar arithmetic.
 */
#include <stdint.h>
#include <string.h>

#include "mongoose.h"

int mg_is_big_endian(void) {
  const uint16_t probe = 0x0102;
  unsigned char first;
  memcpy(&first, &probe, 1);
  return first == 0x01;
}

/* Division rounding toward minus infinity: C's rounds toward zero, which
 * would shift every count below year 0 or month 0 by one. */
static long long div_floor(long long a, long long b) {
  long long q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Leap years of the proleptic Gregorian calendar from year 1 through y;
 * for y < 1 the same formula counts backwards, so differences still give
 * the leap days between two years. */
static long long leap_years_through(long long y) {
  return div_floor(y, 4) - div_floor(y, 100) + div_floor(y, 400);
}

static int is_leap(long long y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* timegm() is not C11, and mktime() would apply the local time zone: the
 * days are counted here. */
double cs_timegm(const struct tm *tm) {
  static const int days_before_month[12] = {0,   31,  59,  90,  120, 151,
                                            181, 212, 243, 273, 304, 334};
  long long year = 1900LL + tm->tm_year + div_floor(tm->tm_mon, 12);
  int mon = (int) (tm->tm_mon - 12 * div_floor(tm->tm_mon, 12));
  long long days = 365 * (year - 1970) + leap_years_through(year - 1) -
                   leap_years_through(1969) + days_before_month[mon] +
                   (mon > 1 && is_leap(year)) + tm->tm_mday - 1;
  return (double) (((days * 24 + tm->tm_hour) * 60 + tm->tm_min) * 60 +
                   tm->tm_sec);
}
