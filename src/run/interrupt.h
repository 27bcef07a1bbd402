/* interrupt.h - SIGINT and SIGTERM during a run: cancel the statement in
 * flight, let the runner wait for the rollback and record it; a second
 * signal exits at once */
#ifndef MIGRATE_INTERRUPT_H
#define MIGRATE_INTERRUPT_H

#include <libpq-fe.h>
#include <sys/types.h>

/*
 * While a step runs on conn: the first SIGINT or SIGTERM cancels the
 * statement in flight on the server (PQcancel, from the handler) and is
 * remembered; the runner then rolls back, records the attempt and returns
 * interrupt_exit_code(). `what` names the work for the message of a second
 * signal, which exits at once. Outside arm/disarm (and hold/release) a first
 * signal has its usual effect: nothing of ours is in flight then.
 */
void interrupt_arm(PGconn *conn, const char *what);
void interrupt_disarm(void);

/* Another connection whose statement a signal cancels (until release/disarm). */
void interrupt_watch(PGconn *conn);

/*
 * Handle signals until release, outside a step too: a fleet parent (signals
 * are passed on to the workers added, which handle them, and waited for) or
 * rehearse (the watched connections are cancelled, the running client program
 * stopped, the scratch database dropped). `what` is what a second signal,
 * which exits at once, leaves behind. Release frees what was watched.
 */
void interrupt_hold(const char *what);
void interrupt_release(void);
void interrupt_forward(pid_t pid);
void interrupt_unforward(pid_t pid);
/* In a freshly forked worker: its own process group (signals come from the
 * parent, once), and no inherited forwarding. */
void interrupt_child(void);

/* The first signal received (0: none). */
int interrupt_signal(void);
/* 128 + the signal: 130 for SIGINT, 143 for SIGTERM (docs/exit-codes.md); 0: none. */
int interrupt_exit_code(void);

#endif
