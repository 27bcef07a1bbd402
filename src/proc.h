/* proc.h - run a program (pg_dump, psql) without a shell */
#ifndef MIGRATE_PROC_H
#define MIGRATE_PROC_H

#include <sys/types.h>

/* The child running now (0 when none), for a signal handler to pass a signal on. */
extern volatile pid_t proc_running;

/*
 * Run argv[0] (looked up in PATH) with argv, the extra environment env
 * ("NAME=value", NULL-terminated, may be NULL), stdin from /dev/null and
 * stdout to stdout_path (created mode 0600; NULL: /dev/null). Its stderr is
 * returned in *err (caller frees; never NULL). Returns the exit status,
 * 128 + the signal that ended it, or -1 when it could not be started.
 */
int proc_run(char *const argv[], char *const env[], const char *stdout_path, char **err);

#endif
