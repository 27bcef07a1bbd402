/* secret.h - the passwords migrate knows, scrubbed from everything it prints */
#ifndef MIGRATE_SECRET_H
#define MIGRATE_SECRET_H

#include <stdio.h>

/*
 * Remember a secret (a password from a connection string, PGPASSWORD, a target's URL):
 * from then on stdout and stderr go through a filter that writes "***" in its place, so
 * every output path - logs, plans in every format, SQL echoed by --dry-run or rehearse,
 * server messages - is scrubbed the same way. NULL and "" are ignored.
 */
void secret_add(const char *s);
/* A copy of msg with every known secret replaced by "***" (never NULL). */
char *secret_scrub(const char *msg);
/* isatty for a stream, also once stdout/stderr are filtered (their fileno is then -1). */
int stream_isatty(FILE *f);

#endif
