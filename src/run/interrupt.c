/* interrupt.c - SIGINT and SIGTERM during a run: the handler only does what is
 * async-signal-safe (PQcancel, which libpq documents as such, kill, write,
 * _exit); the runner sees the flag, waits for the rollback and records it */
#include "run/interrupt.h"
#include "base/proc.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_FORWARD 256
#define MAX_WATCH 8

static volatile sig_atomic_t got;          /* the first signal; 0: none */
static volatile sig_atomic_t depth;        /* arm and hold in force */
static PGcancel *volatile watched[MAX_WATCH]; /* connections whose statement to cancel */
static volatile sig_atomic_t nwatched;
static volatile pid_t forward_to[MAX_FORWARD];
static volatile sig_atomic_t nforward;
static volatile pid_t forwarder;           /* the process that forwards (not its workers) */
static char second_msg[512];               /* what a second signal says */
static struct sigaction old_int, old_term;
static int installed;

static void say(const char *s)
{
	ssize_t w = write(STDERR_FILENO, s, strlen(s));
	(void)w;
}

static void forward(int sig)
{
	int i;

	if (forwarder != getpid())
		return;
	for (i = 0; i < nforward; i++)
		if (forward_to[i] > 0)
			kill(forward_to[i], sig);
}

static void on_signal(int sig)
{
	char err[256];
	int i;

	if (got) {
		forward(sig);
		say(second_msg);
		_exit(128 + got);
	}
	if (!depth) {
		/* nothing of ours in flight: the usual effect of the signal */
		sigaction(sig, sig == SIGINT ? &old_int : &old_term, NULL);
		raise(sig);
		return;
	}
	got = sig;
	forward(sig);
	for (i = 0; i < nwatched; i++)
		if (watched[i] && !PQcancel(watched[i], err, sizeof(err)))
			say("migrate: could not send the cancel request to the server\n");
	if (proc_running > 0)
		kill(proc_running, SIGTERM); /* pg_dump, psql: they end their own sessions */
	say(sig == SIGINT ? "migrate: interrupted (SIGINT): cancelling, waiting for the rollback "
			    "(a second signal exits at once)\n"
			  : "migrate: terminated (SIGTERM): cancelling, waiting for the rollback "
			    "(a second signal exits at once)\n");
}

static void install(void)
{
	struct sigaction sa;

	if (installed)
		return;
	installed = 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: a sleep or a wait wakes up to look at the flag */
	sigaction(SIGINT, NULL, &old_int);
	sigaction(SIGTERM, NULL, &old_term);
	/* ignored by whoever started us (a background job of a script): left ignored */
	if (old_int.sa_handler != SIG_IGN)
		sigaction(SIGINT, &sa, NULL);
	if (old_term.sa_handler != SIG_IGN)
		sigaction(SIGTERM, &sa, NULL);
}

/* Run fn with both signals blocked: the handler never sees a half-made change. */
static void blocked(void (*fn)(void *), void *arg)
{
	sigset_t set, old;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);
	fn(arg);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void do_watch(void *arg)
{
	if (nwatched < MAX_WATCH) {
		watched[nwatched] = arg;
		nwatched = nwatched + 1;
	} else {
		PQfreeCancel(arg);
	}
}

void interrupt_watch(PGconn *conn)
{
	install();
	if (conn)
		blocked(do_watch, PQgetCancel(conn));
}

static void do_depth(void *arg)
{
	depth = depth + *(int *)arg;
}

static void add_depth(int d)
{
	blocked(do_depth, &d);
}

void interrupt_arm(PGconn *conn, const char *what)
{
	snprintf(second_msg, sizeof(second_msg),
		 "migrate: second signal: exiting at once; %s may still be running on the server "
		 "(pg_stat_activity shows it; \"migrate status\" tells what committed)\n", what);
	interrupt_watch(conn);
	add_depth(1);
}

static void do_unwatch(void *arg)
{
	int keep = *(int *)arg;

	while (nwatched > keep) {
		nwatched = nwatched - 1;
		PQfreeCancel(watched[nwatched]);
		watched[nwatched] = NULL;
	}
}

void interrupt_disarm(void)
{
	int keep = nwatched > 0 ? nwatched - 1 : 0;

	add_depth(-1);
	blocked(do_unwatch, &keep);
}

static void do_hold(void *arg)
{
	(void)arg;
	forwarder = getpid();
	depth = depth + 1;
}

void interrupt_hold(const char *what)
{
	install();
	snprintf(second_msg, sizeof(second_msg), "migrate: second signal: exiting at once; %s\n",
		 what);
	blocked(do_hold, NULL);
}

static void do_release(void *arg)
{
	int keep = 0;

	(void)arg;
	depth = depth - 1;
	nforward = 0;
	do_unwatch(&keep);
}

void interrupt_release(void)
{
	blocked(do_release, NULL);
}

static void do_forward(void *arg)
{
	pid_t pid = *(pid_t *)arg;
	int i;

	for (i = 0; i < nforward; i++)
		if (forward_to[i] == pid || forward_to[i] == 0) {
			forward_to[i] = pid;
			return;
		}
	if (nforward < MAX_FORWARD) {
		forward_to[nforward] = pid;
		nforward = nforward + 1;
	}
}

void interrupt_forward(pid_t pid)
{
	blocked(do_forward, &pid);
	if (got)
		kill(pid, got); /* started as the signal came */
}

static void do_unforward(void *arg)
{
	pid_t pid = *(pid_t *)arg;
	int i;

	for (i = 0; i < nforward; i++)
		if (forward_to[i] == pid)
			forward_to[i] = 0;
}

void interrupt_unforward(pid_t pid)
{
	blocked(do_unforward, &pid);
}

static void do_child(void *arg)
{
	int keep = 0;

	(void)arg;
	nforward = 0;
	forwarder = 0;
	depth = 0;
	do_unwatch(&keep);
}

void interrupt_child(void)
{
	/* the terminal's Ctrl-C reaches the parent only, which passes it on once */
	setpgid(0, 0);
	blocked(do_child, NULL);
}

int interrupt_signal(void)
{
	return got;
}

int interrupt_exit_code(void)
{
	return got ? 128 + got : 0;
}
