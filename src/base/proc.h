/* proc.h - run a PostgreSQL client program (pg_dump, pg_restore, psql): execvp
 * with an argument vector, never a shell; the password only in the child's
 * environment. Used by backups and restore, and by rehearse's scratch copies. */
#ifndef MIGRATE_PROC_H
#define MIGRATE_PROC_H

#include "base/strbuf.h"

#include <sys/types.h>

struct proc {
	const char *const *argv;  /* argv[0] is looked up on PATH (execvp) */
	const char *password;     /* PGPASSWORD for the child only; NULL: leave the environment */
	int stdout_fd;            /* the child's stdout; -1: captured into out */
	/* called about every 200 ms while the child runs (progress), may be NULL */
	void (*tick)(void *ud);
	void *ud;
};

/*
 * Run p->argv and wait for it. The child's stdin is /dev/null, its stderr is
 * captured into err and, when stdout_fd is -1, its stdout into out (either may
 * be NULL to discard). The child dies with us (a killed migrate leaves no
 * pg_dump behind). Returns the exit status (128 + signal when killed), or -1
 * when the program could not be started (errno set).
 */
int proc_run(const struct proc *p, struct strbuf *out, struct strbuf *err);

/* The child running now (0 when none), for a signal handler to pass a signal on. */
extern volatile pid_t proc_running;

#endif
