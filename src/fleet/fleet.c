/* fleet.c - one command on many targets. The parent resolves the targets and
 * checks their migration files once; then a pool of --jobs worker processes,
 * one fork per target, each running the single-target command with its own
 * connection, history table and runner lock. A worker's output comes back
 * through a pipe and is printed with the target's name; its result comes back
 * as one record on a shared pipe. The targets are the only state: a second run
 * does only what each target still lacks. */
#include "fleet/fleet.h"
#include "run/events.h"
#include "base/cli.h"
#include "sql/migration.h"
#include "run/runner.h"
#include "run/interrupt.h"
#include "run/session.h"
#include "base/strbuf.h"
#include "fleet/targets.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_JOBS 4
#define MAX_JOBS 256

/* A worker brackets a shared report with these lines: "\036<hash>" ... "\036". */


void fleet_opts_init(struct fleet_opts *fo, enum fleet_op op)
{
	memset(fo, 0, sizeof(*fo));
	fo->op = op;
	fo->jobs = DEFAULT_JOBS;
}

void fleet_opts_release(struct fleet_opts *fo)
{
	free(fo->names);
	free(fo->patterns);
	fo->names = fo->patterns = NULL;
	fo->nnames = fo->npatterns = 0;
}

int fleet_option(struct fleet_opts *fo, int id, const char *arg)
{
	int64_t v;

	switch (id) {
	case FO_TARGET:
		ALLOC_GROW(fo->names, fo->nnames + 1, fo->names_alloc);
		fo->names[fo->nnames++] = (char *)arg;
		return 1;
	case FO_ONLY:
		ALLOC_GROW(fo->patterns, fo->npatterns + 1, fo->patterns_alloc);
		fo->patterns[fo->npatterns++] = (char *)arg;
		return 1;
	case FO_JOBS:
		v = parse_int64(arg);
		if (v < 1 || v > MAX_JOBS) {
			log_error("invalid --jobs \"%s\" (1 to %d)", arg, MAX_JOBS);
			return -1;
		}
		fo->jobs = (int)v;
		return 1;
	case FO_FAIL_FAST:
		fo->fail_fast = 1;
		return 1;
	case FO_ALLOW_EMPTY:
		fo->allow_empty = 1;
		return 1;
	default:
		return 0;
	}
}

int fleet_wanted(const struct fleet_opts *fo)
{
	return fo->all || fo->nnames || fo->npatterns;
}

int fleet_format(struct fleet_opts *fo, const char *format, const char *the_switch)
{
	if (!format)
		return 0;
	if (cli_check_format(CLI_DONE, format) == CLI_ERROR)
		return -1;
	if (!fleet_wanted(fo)) {
		log_error("--format is for a run on every target (%s, --target, --only)", the_switch);
		return -1;
	}
	fo->json = !strcmp(format, "json");
	return 0;
}

int fleet_or_one(struct app *app, struct fleet_opts *fo, fleet_fn fn, void *arg)
{
	return fleet_wanted(fo) ? fleet_run(app, fo, fn, arg) : fn(app, arg, NULL);
}

static const char *op_name(enum fleet_op op)
{
	return op == FLEET_UP ? "up" : op == FLEET_DOWN ? "down" : "status";
}

static const char *run_name(const struct fleet_opts *fo)
{
	return fo->label ? fo->label : op_name(fo->op);
}

/* --- checking the files once ------------------------------------------------ */

/* Every distinct migrations directory loads cleanly, and (for up) every up
 * section prepares: a broken file stops the run before any target starts. */
static int preflight(const struct target_list *tl, enum fleet_op op)
{
	size_t i, j, k;
	int rc = EXIT_OK;

	for (i = 0; i < tl->n; i++) {
		struct migration_set set;

		for (j = 0; j < i; j++)
			if (!strcmp(tl->items[j].dir, tl->items[i].dir))
				break;
		if (j < i)
			continue;
		memset(&set, 0, sizeof(set));
		if (migration_set_load(&set, tl->items[i].dir, op != FLEET_UP) < 0) {
			log_error("%d problem%s in migrations directory \"%s\"", set.errors,
				  set.errors == 1 ? "" : "s", shown(tl->items[i].dir));
			rc = EXIT_USAGE;
		} else if (op == FLEET_UP) {
			for (k = 0; k < set.n; k++) {
				struct migration *m = &set.items[k];
				struct step st;

				memset(&st, 0, sizeof(st));
				if (step_prepare(&st, m->up.sql, m->up.path, m->up.line_base, &m->up.dir) < 0)
					rc = EXIT_USAGE;
				step_release(&st);
			}
		}
		migration_set_release(&set);
	}
	return rc;
}

/* --- the pool ----------------------------------------------------------------- */

enum row_state { ROW_WAITING, ROW_RUNNING, ROW_DONE, ROW_SKIPPED };

struct row {
	enum row_state state;
	struct target_result res;
	int got_result;
	int64_t ms;
	char *error;          /* the first error line the worker printed for it */
	char *output;         /* fo->report: what it printed on stdout */
};

/* A worker process: it takes target indexes from cmd_fd, one at a time, and
 * keeps its connection for a next target in the same database. */
struct worker {
	pid_t pid;            /* 0: not running */
	int in_shared;        /* inside a shared report */
	const char *shown_by; /* ... already shown for this target: the lines are dropped */
	char *shared_error;   /* the first error line of a dropped report */
	int cmd_fd;           /* parent -> worker: the next target's index */
	int out_fd;           /* the worker's stderr (and stdout unless collected) */
	int data_fd;          /* fo->report: the worker's stdout; -1 when none or at EOF */
	int busy;
	size_t index;         /* its current target */
	int64_t started;
	struct strbuf partial;
	struct strbuf data;   /* its stdout for the current target */
};

/*
 * What a worker writes to the result pipe after each target (one write,
 * under PIPE_BUF, so it arrives whole): the protocol between worker and
 * parent. Its output (stderr, stdout) was written to its pipes before.
 */
struct result_msg {
	size_t index;
	struct target_result res;
	char error[512];  /* the first error the target logged; "" when none */
};

struct pool {
	struct app *app;
	struct fleet_opts *fo;
	struct target_list *tl;
	struct row *rows;
	struct worker *workers;
	size_t nworkers;
	fleet_fn fn;
	void *arg;
	int res_fd[2];
	struct pollfd *pfd;   /* poll set: the result pipe, then each worker's outputs */
	struct worker **owner;
	size_t done, failed, running;
	int progress;         /* a progress line on the terminal */
	int progress_shown;
	struct shared_seen {  /* the shared reports shown so far */
		uint64_t hash;
		size_t target;
	} *seen;
	size_t nseen, seen_alloc;
};

static void clear_progress(struct pool *p)
{
	if (p->progress_shown) {
		fputs("\r\033[K", stderr);
		p->progress_shown = 0;
	}
}

static void show_progress(struct pool *p)
{
	if (!p->progress)
		return;
	fprintf(stderr, "\r\033[K%s: %zu/%zu targets done, %zu failed, %zu running", run_name(p->fo),
		p->done, p->tl->n, p->failed, p->running);
	fflush(stderr);
	p->progress_shown = 1;
}

/* In the worker: point the configuration at the target and run the command. */
static void run_target(struct pool *p, size_t index, struct result_msg *msg)
{
	struct target *t = &p->tl->items[index];
	struct config *cfg = &p->app->cfg;

	free(cfg->database_url);
	cfg->database_url = t->url ? xstrdup(t->url) : NULL;
	free(cfg->dir);
	cfg->dir = xstrdup(t->dir);
	free(cfg->table);
	cfg->table = xstrdup(t->table);
	free(cfg->search_path);
	cfg->search_path = t->search_path ? xstrdup(t->search_path) : NULL;
	memset(msg, 0, sizeof(*msg));
	msg->index = index;
	log_keep_first_error(1);
	events_set_target(t->name);
	msg->res.rc = p->fn(p->app, p->arg, &msg->res);
	if (log_first_error())
		snprintf(msg->error, sizeof(msg->error), "%s", log_first_error());
	log_keep_first_error(0);
}

static void worker_main(struct pool *p, int cmd_fd, int out_fd, int data_fd)
{
	struct result_msg msg;
	size_t index;
	int devnull, rc = EXIT_OK;

	dup2(out_fd, STDERR_FILENO);
	if (data_fd >= 0) {
		dup2(data_fd, STDOUT_FILENO);
		close(data_fd);
	} else if (log_verbosity > 0) {
		dup2(out_fd, STDOUT_FILENO);
	} else if ((devnull = open("/dev/null", O_WRONLY)) >= 0) {
		dup2(devnull, STDOUT_FILENO);
		close(devnull);
	}
	close(out_fd);
	close(p->res_fd[0]);
	/* a worker says one level less: -v shows what each migration did */
	log_verbosity = log_verbosity < 0 ? -2 : log_verbosity - 1;
	p->app->opts.verbose = log_verbosity > 0 ? log_verbosity : 0;
	p->app->quiet_files = 1;
	log_shared_marks = 1;
	session_keep_connection(1);
	while (read(cmd_fd, &index, sizeof(index)) == (ssize_t)sizeof(index) && index < p->tl->n) {
		run_target(p, index, &msg);
		fflush(stdout);
		fflush(stderr);
		/* its output is in the pipe before its result: the parent relies on it */
		if (write(p->res_fd[1], &msg, sizeof(msg)) != (ssize_t)sizeof(msg)) {
			rc = EXIT_FAILED;
			break;
		}
	}
	session_keep_connection(0);
	close(cmd_fd);
	close(p->res_fd[1]);
	config_release(&p->app->cfg);
	p->app->cfg_loaded = 0;
	exit(rc);
}

static void close_pair(int fd[2])
{
	if (fd[0] >= 0)
		close(fd[0]);
	if (fd[1] >= 0)
		close(fd[1]);
	fd[0] = fd[1] = -1;
}

static int spawn_worker(struct pool *p, struct worker *w)
{
	int cmd[2] = { -1, -1 }, out[2] = { -1, -1 }, data[2] = { -1, -1 };
	size_t i;
	pid_t pid;

	if (pipe(cmd) < 0 || pipe(out) < 0 || (p->fo->report && pipe(data) < 0)) {
		log_error("could not create a pipe: %s", strerror(errno));
		close_pair(cmd);
		close_pair(out);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		log_error("could not start a worker: %s", strerror(errno));
		close_pair(cmd);
		close_pair(out);
		close_pair(data);
		return -1;
	}
	if (pid == 0) {
		interrupt_child();
		/* the other workers' pipes: holding them would keep them from seeing EOF */
		for (i = 0; i < p->nworkers; i++)
			if (p->workers[i].pid) {
				close(p->workers[i].cmd_fd);
				close(p->workers[i].out_fd);
				if (p->workers[i].data_fd >= 0)
					close(p->workers[i].data_fd);
			}
		close(cmd[1]);
		close(out[0]);
		if (data[0] >= 0)
			close(data[0]);
		worker_main(p, cmd[0], out[1], data[1]);
	}
	interrupt_forward(pid);
	close(cmd[0]);
	close(out[1]);
	fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK);
	if (data[0] >= 0) {
		close(data[1]);
		fcntl(data[0], F_SETFL, fcntl(data[0], F_GETFL) | O_NONBLOCK);
	}
	w->pid = pid;
	w->cmd_fd = cmd[1];
	w->out_fd = out[0];
	w->data_fd = data[0];
	w->busy = 0;
	strbuf_reset(&w->partial);
	strbuf_reset(&w->data);
	return 0;
}

static int assign(struct pool *p, struct worker *w, size_t index)
{
	if (write(w->cmd_fd, &index, sizeof(index)) != (ssize_t)sizeof(index))
		return -1;
	w->busy = 1;
	w->index = index;
	w->started = now_ms();
	p->rows[index].state = ROW_RUNNING;
	p->running++;
	return 0;
}

static int is_error_line(const char *line)
{
	return !strncmp(line, "error: ", 7) || strstr(line, ": error: ");
}

/* A marker line: a shared report starts (shown once per text) or ends. */
static void shared_mark(struct pool *p, struct worker *w, const char *line)
{
	uint64_t h;
	size_t i;

	if (!line[1]) { /* the end */
		if (w->shown_by && w->busy) {
			clear_progress(p);
			if (w->shared_error)
				fprintf(stderr, "%s: %s (the same report as for %s, above)\n",
					shown(p->tl->items[w->index].name), w->shared_error, shown(w->shown_by));
			else
				fprintf(stderr, "%s: the same report as for %s, above\n",
					shown(p->tl->items[w->index].name), shown(w->shown_by));
		}
		w->in_shared = 0;
		w->shown_by = NULL;
		free(w->shared_error);
		w->shared_error = NULL;
		return;
	}
	w->in_shared = 1;
	if (!w->busy)
		return;
	h = strtoull(line + 1, NULL, 16);
	for (i = 0; i < p->nseen; i++)
		if (p->seen[i].hash == h) {
			w->shown_by = p->tl->items[p->seen[i].target].name;
			return;
		}
	ALLOC_GROW(p->seen, p->nseen + 1, p->seen_alloc);
	p->seen[p->nseen].hash = h;
	p->seen[p->nseen++].target = w->index;
}

/* One line from a worker: printed with its target's name; the first error kept. */
static void worker_line(struct pool *p, struct worker *w, const char *line)
{
	struct row *r = w->busy ? &p->rows[w->index] : NULL;

	if (line[0] == LOG_SHARED_MARK) {
		shared_mark(p, w, line);
		return;
	}
	if (w->shown_by) {
		if (!w->shared_error && is_error_line(line))
			w->shared_error = xstrdup(line);
		return;
	}
	clear_progress(p);
	fprintf(stderr, "%s: %s\n", r ? shown(p->tl->items[w->index].name) : "migrate", line);
}

/* Read what the worker printed; 1 at EOF (it exited). */
static int read_output(struct pool *p, struct worker *w)
{
	char buf[4096];
	char *nl;

	for (;;) {
		ssize_t n = read(w->out_fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 0; /* EAGAIN: all read for now */
		if (n == 0) {
			if (w->partial.len)
				worker_line(p, w, w->partial.buf);
			strbuf_reset(&w->partial);
			return 1;
		}
		strbuf_add(&w->partial, buf, (size_t)n);
		while ((nl = memchr(w->partial.buf, '\n', w->partial.len))) {
			size_t len = (size_t)(nl - w->partial.buf);
			char *line = xstrndup(w->partial.buf, len);

			worker_line(p, w, line);
			free(line);
			memmove(w->partial.buf, nl + 1, w->partial.len - len - 1);
			w->partial.len -= len + 1;
			w->partial.buf[w->partial.len] = '\0';
		}
	}
}

/* Collect what the worker printed on stdout (fo->report), until EAGAIN or EOF. */
static void read_data(struct worker *w)
{
	char buf[4096];

	while (w->data_fd >= 0) {
		ssize_t n = read(w->data_fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;
		if (n == 0) {
			close(w->data_fd);
			w->data_fd = -1;
			return;
		}
		if (w->busy)
			strbuf_add(&w->data, buf, (size_t)n);
	}
}

static void target_done(struct pool *p, struct worker *w)
{
	struct row *r = &p->rows[w->index];

	r->ms = now_ms() - w->started;
	r->state = ROW_DONE;
	w->busy = 0;
	p->done++;
	p->running--;
	/* status: a dirty target is an answer, not a failure of the run */
	if (r->res.rc != EXIT_OK && !(p->fo->op == FLEET_STATUS && r->got_result && r->res.dirty))
		p->failed++;
}

static void read_results(struct pool *p)
{
	struct result_msg msg;
	size_t i;

	while (read(p->res_fd[0], &msg, sizeof(msg)) == (ssize_t)sizeof(msg)) {
		for (i = 0; i < p->nworkers; i++) {
			struct worker *w = &p->workers[i];

			if (!w->pid || !w->busy || w->index != msg.index)
				continue;
			read_output(p, w); /* what it printed for this target came first */
			if (w->partial.len) {
				worker_line(p, w, w->partial.buf);
				strbuf_reset(&w->partial);
			}
			if (p->fo->report) {
				read_data(w);
				p->rows[msg.index].output = strbuf_detach(&w->data, NULL);
			}
			p->rows[msg.index].res = msg.res;
			p->rows[msg.index].got_result = 1;
			if (msg.error[0] && !p->rows[msg.index].error)
				p->rows[msg.index].error = xstrdup(msg.error);
			target_done(p, w);
			break;
		}
	}
}

/* A worker's output ended: it exited. Returns its exit status (-1: killed). */
static int reap(struct pool *p, struct worker *w)
{
	int status = 0;

	close(w->out_fd);
	close(w->cmd_fd);
	if (w->data_fd >= 0)
		close(w->data_fd);
	w->data_fd = -1;
	strbuf_reset(&w->data);
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
		;
	interrupt_unforward(w->pid);
	w->pid = 0;
	if (w->busy) {
		struct row *r = &p->rows[w->index];

		r->res.rc = EXIT_FAILED;
		if (!r->error)
			r->error = WIFSIGNALED(status)
				? xasprintf("the worker was killed by signal %d", WTERMSIG(status))
				: xasprintf("the worker exited with %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		worker_line(p, w, r->error);
		target_done(p, w);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* An idle worker, started when fewer than --jobs run; NULL when all are busy. */
static struct worker *idle_worker(struct pool *p)
{
	size_t i;

	for (i = 0; i < p->nworkers; i++)
		if (p->workers[i].pid && !p->workers[i].busy)
			return &p->workers[i];
	for (i = 0; i < p->nworkers; i++)
		if (!p->workers[i].pid)
			return spawn_worker(p, &p->workers[i]) < 0 ? NULL : &p->workers[i];
	return NULL;
}

/* The poll set: the result pipe, then each worker's output (and data) pipe. */
static size_t poll_set(struct pool *p)
{
	size_t i, nfd = 1;

	p->pfd[0].fd = p->res_fd[0];
	p->pfd[0].events = POLLIN;
	for (i = 0; i < p->nworkers; i++) {
		struct worker *w = &p->workers[i];

		if (!w->pid)
			continue;
		p->pfd[nfd].fd = w->out_fd;
		p->pfd[nfd].events = POLLIN;
		p->owner[nfd++] = w;
		if (w->data_fd < 0)
			continue;
		p->pfd[nfd].fd = w->data_fd;
		p->pfd[nfd].events = POLLIN;
		p->owner[nfd++] = w;
	}
	return nfd;
}

/* Wait up to 200 ms and read what came: results, output, exits. -1 when poll failed. */
static int poll_round(struct pool *p, int *rc)
{
	size_t i, nfd = poll_set(p);

	if (poll(p->pfd, nfd, 200) < 0 && errno != EINTR)
		return -1;
	if (p->pfd[0].revents & POLLIN)
		read_results(p);
	for (i = 1; i < nfd; i++) {
		struct worker *w = p->owner[i];

		if (!w->pid || !(p->pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (p->pfd[i].fd != w->out_fd) {
			read_data(w);
			continue;
		}
		if (read_output(p, w)) {
			read_results(p); /* a result written just before it exited */
			if (reap(p, w) != 0)
				*rc = EXIT_FAILED;
		}
	}
	return 0;
}

/* Hand out targets to idle workers; -1 when a worker could not take one. */
static int hand_out(struct pool *p, size_t *next, size_t barrier)
{
	while (*next < p->tl->n && !(*next >= barrier && p->done < barrier)) {
		struct worker *w = idle_worker(p);

		if (!w)
			return 0;
		if (assign(p, w, *next) < 0) {
			log_error("could not hand a target to a worker: %s", strerror(errno));
			return -1;
		}
		(*next)++;
	}
	return 0;
}

/* No more targets: each worker closes its connection and exits; its last words read. */
static int drain_workers(struct pool *p)
{
	size_t i;
	int rc = EXIT_OK;

	for (i = 0; i < p->nworkers; i++)
		if (p->workers[i].pid) {
			close(p->workers[i].cmd_fd);
			p->workers[i].cmd_fd = -1;
		}
	for (i = 0; i < p->nworkers; i++) {
		struct worker *w = &p->workers[i];
		int code;

		if (!w->pid)
			continue;
		fcntl(w->out_fd, F_SETFL, fcntl(w->out_fd, F_GETFL) & ~O_NONBLOCK);
		while (!read_output(p, w))
			;
		code = reap(p, w);
		if (code != 0) {
			log_error("a worker exited with %d", code);
			rc = EXIT_FAILED;
		}
	}
	return rc;
}

static void pool_start(struct pool *p)
{
	size_t i;

	p->nworkers = (size_t)p->fo->jobs < p->tl->n ? (size_t)p->fo->jobs : p->tl->n;
	p->workers = xcalloc(p->nworkers, sizeof(*p->workers));
	/* in the pool, not only in run_pool: a forked worker must still reach them */
	p->pfd = xcalloc(2 * p->nworkers + 1, sizeof(*p->pfd));
	p->owner = xcalloc(2 * p->nworkers + 1, sizeof(*p->owner));
	for (i = 0; i < p->nworkers; i++) {
		strbuf_init(&p->workers[i].partial, 0);
		strbuf_init(&p->workers[i].data, 0);
		p->workers[i].data_fd = -1;
	}
}

static void pool_end(struct pool *p)
{
	size_t i;

	for (i = 0; i < p->nworkers; i++) {
		strbuf_release(&p->workers[i].partial);
		free(p->workers[i].shared_error);
		strbuf_release(&p->workers[i].data);
	}
	free(p->workers);
	p->workers = NULL;
	free(p->pfd);
	free(p->owner);
	p->pfd = NULL;
	p->owner = NULL;
}

/* Targets before `barrier` finish before any after it starts (the main
 * database first on the way up, last on the way down). */
static int run_pool(struct pool *p, size_t barrier)
{
	size_t next = 0, i;
	int stop = 0, rc = EXIT_OK;
	int64_t last_progress = 0;
	void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);

	interrupt_hold("passed on to the workers: their statements may still be running on the "
		       "servers (\"migrate status\" of each target tells what committed)");
	pool_start(p);
	for (;;) {
		if (!stop && hand_out(p, &next, barrier) < 0) {
			stop = 1;
			rc = EXIT_FAILED;
		}
		if (!p->running)
			break;
		if (now_ms() - last_progress >= 200) {
			show_progress(p);
			last_progress = now_ms();
		}
		if (poll_round(p, &rc) < 0)
			break;
		if (interrupt_signal() && !stop) {
			stop = 1;
			clear_progress(p);
			log_info("interrupted: starting no more targets; waiting for the running ones");
		}
		if (p->failed && p->fo->fail_fast && !stop) {
			stop = 1;
			clear_progress(p);
			log_info("--fail-fast: starting no more targets");
		}
	}
	for (i = next; i < p->tl->n; i++)
		p->rows[i].state = ROW_SKIPPED;
	clear_progress(p);
	if (drain_workers(p) != EXIT_OK)
		rc = EXIT_FAILED;
	pool_end(p);
	interrupt_release();
	signal(SIGPIPE, old_pipe);
	return rc;
}

/* --- reporting ------------------------------------------------------------------ */

static void version_str(int64_t v, char *buf, size_t len)
{
	if (v)
		snprintf(buf, len, "%lld", (long long)v);
	else
		snprintf(buf, len, "-");
}

static const char *row_result(const struct pool *p, const struct row *r, char *buf, size_t len)
{
	if (r->state == ROW_SKIPPED)
		return "skipped";
	if (r->res.rc != EXIT_OK)
		return "failed";
	if (!r->res.changed)
		return "up to date";
	snprintf(buf, len, "%s %d", p->fo->op == FLEET_DOWN ? "reverted" : "applied", r->res.changed);
	return buf;
}

static void print_summary(struct pool *p)
{
	size_t i, w = 6, changed = 0, uptodate = 0, skipped = 0;

	for (i = 0; i < p->tl->n; i++)
		if (strlen(shown(p->tl->items[i].name)) > w)
			w = strlen(shown(p->tl->items[i].name));
	printf("%-*s  %-8s  %-18s  %-18s  %9s  %s\n", (int)w, "TARGET", "KIND", "FROM", "TO",
	       "DURATION", "RESULT");
	for (i = 0; i < p->tl->n; i++) {
		struct row *r = &p->rows[i];
		char from[32], to[32], res[32], dur[32];

		version_str(r->got_result ? r->res.from : 0, from, sizeof(from));
		version_str(r->got_result ? r->res.to : 0, to, sizeof(to));
		if (r->state == ROW_SKIPPED)
			snprintf(dur, sizeof(dur), "-");
		else
			snprintf(dur, sizeof(dur), "%lld ms", (long long)r->ms);
		printf("%-*s  %-8s  %-18s  %-18s  %9s  %s\n", (int)w, shown(p->tl->items[i].name),
		       target_kind_name(p->tl->items[i].kind), from, to, dur,
		       row_result(p, r, res, sizeof(res)));
		if (r->state == ROW_SKIPPED)
			skipped++;
		else if (r->res.rc == EXIT_OK && r->res.changed)
			changed++;
		else if (r->res.rc == EXIT_OK)
			uptodate++;
	}
	printf("\n%zu target%s: %zu %s, %zu up to date, %zu failed", p->tl->n,
	       p->tl->n == 1 ? "" : "s", changed, p->fo->op == FLEET_DOWN ? "reverted" : "migrated",
	       uptodate, p->failed);
	if (skipped)
		printf(", %zu skipped", skipped);
	printf("\n");
}

static void print_json(struct pool *p)
{
	json_t *root = json_object(), *arr = json_array(), *counts = json_object();
	size_t i, skipped = 0;

	for (i = 0; i < p->tl->n; i++) {
		struct row *r = &p->rows[i];
		json_t *o = json_object();
		char res[32];

		json_object_set_new(o, "name", json_string_or_null(p->tl->items[i].name));
		json_object_set_new(o, "kind", json_string(target_kind_name(p->tl->items[i].kind)));
		json_object_set_new(o, "from", json_version_or_null(r->got_result ? r->res.from : 0));
		json_object_set_new(o, "to", json_version_or_null(r->got_result ? r->res.to : 0));
		json_object_set_new(o, "changed", json_integer(r->res.changed));
		if (p->fo->op == FLEET_STATUS) {
			json_object_set_new(o, "pending", json_integer(r->res.pending));
			json_object_set_new(o, "dirty", json_integer(r->res.dirty));
		}
		json_object_set_new(o, "duration_ms", r->state == ROW_SKIPPED ? json_null() : json_integer(r->ms));
		json_object_set_new(o, "result", json_string(row_result(p, r, res, sizeof(res))));
		json_object_set_new(o, "exit_code", r->state == ROW_SKIPPED ? json_null() : json_integer(r->res.rc));
		json_object_set_new(o, "error", json_string_or_null(r->error));
		json_array_append_new(arr, o);
		skipped += r->state == ROW_SKIPPED;
	}
	json_object_set_new(counts, "targets", json_integer((json_int_t)p->tl->n));
	json_object_set_new(counts, "failed", json_integer((json_int_t)p->failed));
	json_object_set_new(counts, "skipped", json_integer((json_int_t)skipped));
	json_object_set_new(root, "command", json_string(op_name(p->fo->op)));
	json_object_set_new(root, "targets", arr);
	json_object_set_new(root, "counts", counts);
	json_print_release(root, stdout);
}

/* status --all: targets grouped by where they stand. */
struct group {
	char *key;
	size_t count;
	size_t first;   /* index of its first target */
};

static char *status_key(const struct row *r)
{
	if (r->res.rc != EXIT_OK && !(r->got_result && r->res.dirty))
		return xstrdup("failed");
	if (r->res.dirty)
		return xstrdup("dirty");
	if (!r->res.to)
		return r->res.pending ? xasprintf("nothing applied, %d pending", r->res.pending)
				      : xstrdup("nothing applied, no migrations");
	if (r->res.pending)
		return xasprintf("at %lld, %d pending", (long long)r->res.to, r->res.pending);
	return xasprintf("at %lld", (long long)r->res.to);
}

static int cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

static void print_status(struct pool *p)
{
	struct group *g = xcalloc(p->tl->n + 1, sizeof(*g));
	size_t ng = 0, i, j;
	json_t *root = NULL, *groups = NULL;

	for (i = 0; i < p->tl->n; i++) {
		char *key = status_key(&p->rows[i]);

		for (j = 0; j < ng && strcmp(g[j].key, key); j++)
			;
		if (j == ng) {
			g[ng].key = key;
			g[ng].first = i;
			ng++;
		} else {
			free(key);
		}
		g[j].count++;
	}
	qsort(g, ng, sizeof(*g), cmp_group);
	if (p->fo->json) {
		root = json_object();
		groups = json_array();
	} else {
		printf("%zu target%s\n", p->tl->n, p->tl->n == 1 ? "" : "s");
	}
	for (j = 0; j < ng; j++) {
		struct strbuf names = STRBUF_INIT;
		json_t *jnames = json_array();
		size_t listed = 0;

		for (i = g[j].first; i < p->tl->n; i++) {
			char *key = status_key(&p->rows[i]);
			int same = !strcmp(key, g[j].key);

			free(key);
			if (!same)
				continue;
			json_array_append_new(jnames, json_string_or_null(p->tl->items[i].name));
			if (listed < 8 || log_verbosity > 0)
				strbuf_addf(&names, "%s%s", listed ? ", " : "", shown(p->tl->items[i].name));
			listed++;
		}
		if (listed > 8 && log_verbosity <= 0)

			strbuf_addf(&names, ", ... (-v lists all)");
		if (p->fo->json) {
			json_t *o = json_object();
			json_object_set_new(o, "state", json_string(g[j].key));
			json_object_set_new(o, "count", json_integer((json_int_t)g[j].count));
			json_object_set_new(o, "targets", jnames);
			json_array_append_new(groups, o);
		} else {
			json_decref(jnames);
			/* the largest group is the norm: name the exceptions */
			if (j == 0 && log_verbosity <= 0)
				printf("%6zu %s\n", g[j].count, g[j].key);
			else
				printf("%6zu %s: %s\n", g[j].count, g[j].key, names.buf);
		}
		strbuf_release(&names);
	}
	if (p->fo->json) {
		json_t *arr = json_array();

		for (i = 0; i < p->tl->n; i++) {
			struct row *r = &p->rows[i];
			json_t *o = json_object();

			json_object_set_new(o, "name", json_string_or_null(p->tl->items[i].name));
			json_object_set_new(o, "kind", json_string(target_kind_name(p->tl->items[i].kind)));
			json_object_set_new(o, "version", json_version_or_null(r->got_result ? r->res.to : 0));
			json_object_set_new(o, "pending", json_integer(r->res.pending));
			json_object_set_new(o, "dirty", json_integer(r->res.dirty));
			json_object_set_new(o, "exit_code", json_integer(r->res.rc));
			json_object_set_new(o, "error", json_string_or_null(r->error));
			json_array_append_new(arr, o);
		}
		json_object_set_new(root, "command", json_string("status"));
		json_object_set_new(root, "groups", groups);
		json_object_set_new(root, "targets", arr);
		json_print_release(root, stdout);
	}
	for (j = 0; j < ng; j++)
		free(g[j].key);
	free(g);
}

/* A command's own report (plan --all): what each target did, in target order. */
static int report(struct pool *p)
{
	struct fleet_outcome *o = xcalloc(p->tl->n + 1, sizeof(*o));
	size_t i;
	int rc;

	for (i = 0; i < p->tl->n; i++) {
		struct row *r = &p->rows[i];

		o[i].name = p->tl->items[i].name;
		o[i].kind = p->tl->items[i].kind;
		o[i].skipped = r->state == ROW_SKIPPED;
		o[i].got_result = r->got_result;
		o[i].res = r->res;
		o[i].ms = r->ms;
		o[i].error = r->error;
		o[i].output = r->output ? r->output : "";
	}
	rc = p->fo->report(o, p->tl->n, p->fo->report_arg);
	free(o);
	return rc;
}

/* --- the whole run ------------------------------------------------------------------ */

/* On the way down the main database goes last, on the way up first. */
static size_t order_targets(struct target_list *tl, enum fleet_op op)
{
	struct target main_t;
	size_t i;

	if (!tl->n || tl->items[0].kind != TARGET_MAIN || op == FLEET_STATUS)
		return 0;
	if (op == FLEET_UP)
		return 1;
	main_t = tl->items[0];
	for (i = 1; i < tl->n; i++)
		tl->items[i - 1] = tl->items[i];
	tl->items[tl->n - 1] = main_t;
	return tl->n - 1;
}

int fleet_run(struct app *app, struct fleet_opts *fo, fleet_fn fn, void *arg)
{
	struct target_list tl;
	struct pool p;
	size_t i, barrier;
	int rc;

	if (app_config(app) < 0)
		return EXIT_USAGE;
	rc = targets_resolve(app, &tl, fo->all && !fo->allow_empty);
	if (rc == EXIT_OK)
		rc = targets_select(&tl, fo->names, fo->nnames, fo->patterns, fo->npatterns);
	if (rc == EXIT_OK && tl.n == 0) {
		log_error("no target matches");
		rc = EXIT_USAGE;
	}
	if (rc == EXIT_OK)
		rc = preflight(&tl, fo->op);
	if (rc != EXIT_OK) {
		target_list_release(&tl);
		return rc;
	}
	barrier = order_targets(&tl, fo->op);
	if (fo->preview)
		barrier = 0;
	memset(&p, 0, sizeof(p));
	p.app = app;
	p.fo = fo;
	p.tl = &tl;
	p.rows = xcalloc(tl.n, sizeof(*p.rows));
	p.progress = isatty(STDERR_FILENO) && log_verbosity >= 0;
	if (pipe(p.res_fd) < 0) {
		log_error("could not create a pipe: %s", strerror(errno));
		rc = EXIT_FAILED;
		goto done;
	}
	fcntl(p.res_fd[0], F_SETFL, fcntl(p.res_fd[0], F_GETFL) | O_NONBLOCK);
	p.fn = fn;
	p.arg = arg;
	rc = run_pool(&p, barrier);
	close(p.res_fd[0]);
	close(p.res_fd[1]);
	if (fo->report) {
		int r = report(&p);

		if (rc == EXIT_OK)
			rc = p.failed ? EXIT_FAILED : r;
	} else if (fo->op == FLEET_STATUS) {
		if (log_verbosity >= 0 || fo->json)
			print_status(&p);
		for (i = 0; i < tl.n; i++)
			if (p.rows[i].res.rc != EXIT_OK)
				rc = EXIT_FAILED;
	} else {
		if (fo->json)
			print_json(&p);
		else if (log_verbosity >= 0)
			print_summary(&p);
		if (p.failed)
			rc = EXIT_FAILED;
	}
done:
	for (i = 0; i < tl.n; i++) {
		free(p.rows[i].error);
		free(p.rows[i].output);
	}
	free(p.rows);
	free(p.seen);
	target_list_release(&tl);
	return rc;
}
