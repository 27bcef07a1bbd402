/* fleet.c - one command on many targets. The parent resolves the targets and
 * checks their migration files once; then a pool of --jobs worker processes,
 * one fork per target, each running the single-target command with its own
 * connection, history table and runner lock. A worker's output comes back
 * through a pipe and is printed with the target's name; its result comes back
 * as one record on a shared pipe. The targets are the only state: a second run
 * does only what each target still lacks. */
#include "fleet.h"
#include "migration.h"
#include "runner.h"
#include "strbuf.h"
#include "targets.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_JOBS 4
#define MAX_JOBS 256

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
	default:
		return 0;
	}
}

int fleet_wanted(const struct fleet_opts *fo)
{
	return fo->all || fo->nnames || fo->npatterns;
}

static const char *op_name(enum fleet_op op)
{
	return op == FLEET_UP ? "up" : op == FLEET_DOWN ? "down" : "status";
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
				  set.errors == 1 ? "" : "s", tl->items[i].dir);
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
	char *error;          /* the first error line the worker printed */
};

struct slot {
	pid_t pid;            /* 0: free */
	int fd;               /* the worker's stdout and stderr */
	size_t index;
	int64_t started;
	struct strbuf partial;
};

struct result_msg {
	size_t index;
	struct target_result res;
};

struct pool {
	struct app *app;
	struct fleet_opts *fo;
	struct target_list *tl;
	struct row *rows;
	struct slot *slots;
	int res_fd[2];
	size_t done, failed, running;
	int progress;         /* a progress line on the terminal */
	int progress_shown;
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
	fprintf(stderr, "\r\033[K%s: %zu/%zu targets done, %zu failed, %zu running", op_name(p->fo->op),
		p->done, p->tl->n, p->failed, p->running);
	fflush(stderr);
	p->progress_shown = 1;
}

/* In the worker: point the configuration at the target and run the command. */
static void worker(struct pool *p, size_t index, int out_fd, fleet_fn fn, void *arg)
{
	struct target *t = &p->tl->items[index];
	struct config *cfg = &p->app->cfg;
	struct result_msg msg;
	int devnull;

	dup2(out_fd, STDERR_FILENO);
	if (log_verbosity > 0) {
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
	free(cfg->database_url);
	cfg->database_url = t->url ? xstrdup(t->url) : NULL;
	free(cfg->dir);
	cfg->dir = xstrdup(t->dir);
	free(cfg->table);
	cfg->table = xstrdup(t->table);
	free(cfg->search_path);
	cfg->search_path = t->search_path ? xstrdup(t->search_path) : NULL;

	memset(&msg, 0, sizeof(msg));
	msg.index = index;
	msg.res.rc = fn(p->app, arg, &msg.res);
	fflush(stdout);
	fflush(stderr);
	if (write(p->res_fd[1], &msg, sizeof(msg)) != (ssize_t)sizeof(msg))
		msg.res.rc = EXIT_FAILED;
	close(p->res_fd[1]);
	config_release(cfg);
	p->app->cfg_loaded = 0;
	exit(msg.res.rc);
}

static int spawn(struct pool *p, struct slot *sl, size_t index, fleet_fn fn, void *arg)
{
	int fds[2];
	pid_t pid;

	if (pipe(fds) < 0) {
		log_error("could not create a pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		log_error("could not start a worker: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		size_t i;

		close(fds[0]);
		for (i = 0; i < (size_t)p->fo->jobs; i++)
			if (p->slots[i].pid)
				close(p->slots[i].fd);
		worker(p, index, fds[1], fn, arg);
	}
	close(fds[1]);
	sl->pid = pid;
	sl->fd = fds[0];
	sl->index = index;
	sl->started = now_ms();
	strbuf_reset(&sl->partial);
	p->rows[index].state = ROW_RUNNING;
	p->running++;
	return 0;
}

/* One line from a worker: printed with the target's name; the first error kept. */
static void worker_line(struct pool *p, struct slot *sl, const char *line)
{
	struct row *r = &p->rows[sl->index];

	if (!r->error && (!strncmp(line, "error: ", 7) || strstr(line, ": error: ")))
		r->error = xstrdup(strncmp(line, "error: ", 7) ? line : line + 7);
	clear_progress(p);
	fprintf(stderr, "%s: %s\n", p->tl->items[sl->index].name, line);
}

static void read_worker(struct pool *p, struct slot *sl, int *eof)
{
	char buf[4096];
	ssize_t n = read(sl->fd, buf, sizeof(buf));
	char *nl;

	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		*eof = 1;
		if (sl->partial.len)
			worker_line(p, sl, sl->partial.buf);
		strbuf_reset(&sl->partial);
		return;
	}
	strbuf_add(&sl->partial, buf, (size_t)n);
	while ((nl = memchr(sl->partial.buf, '\n', sl->partial.len))) {
		size_t len = (size_t)(nl - sl->partial.buf);
		char *line = xstrndup(sl->partial.buf, len);

		worker_line(p, sl, line);
		free(line);
		memmove(sl->partial.buf, nl + 1, sl->partial.len - len - 1);
		sl->partial.len -= len + 1;
		sl->partial.buf[sl->partial.len] = '\0';
	}
}

static void read_results(struct pool *p)
{
	struct result_msg msg;

	while (read(p->res_fd[0], &msg, sizeof(msg)) == (ssize_t)sizeof(msg)) {
		if (msg.index < p->tl->n) {
			p->rows[msg.index].res = msg.res;
			p->rows[msg.index].got_result = 1;
		}
	}
}

/* The worker closed its output: collect its exit status and result. */
static void finish(struct pool *p, struct slot *sl)
{
	struct row *r = &p->rows[sl->index];
	int status = 0;

	close(sl->fd);
	while (waitpid(sl->pid, &status, 0) < 0 && errno == EINTR)
		;
	read_results(p);
	r->ms = now_ms() - sl->started;
	if (!r->got_result) {
		r->res.rc = EXIT_FAILED;
		if (!r->error)
			r->error = WIFSIGNALED(status)
				? xasprintf("the worker was killed by signal %d", WTERMSIG(status))
				: xasprintf("the worker exited with %d before reporting",
					    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	r->state = ROW_DONE;
	p->done++;
	p->running--;
	if (r->res.rc != EXIT_OK && !(p->fo->op == FLEET_STATUS && r->res.rc == EXIT_FAILED &&
				      r->got_result && r->res.dirty))
		p->failed++;
	sl->pid = 0;
}

/* Targets before `barrier` finish before any after it starts (the main
 * database first on the way up, last on the way down). */
static int run_pool(struct pool *p, fleet_fn fn, void *arg, size_t barrier)
{
	size_t next = 0, i, jobs = (size_t)p->fo->jobs;
	struct pollfd *pfd = xcalloc(jobs + 1, sizeof(*pfd));
	int stop = 0, rc = EXIT_OK;
	int64_t last_progress = 0;

	p->slots = xcalloc(jobs, sizeof(*p->slots));
	for (i = 0; i < jobs; i++)
		strbuf_init(&p->slots[i].partial, 0);
	while (p->running || (!stop && next < p->tl->n)) {
		size_t nfd = 0;

		while (!stop && next < p->tl->n && p->running < jobs &&
		       !(next >= barrier && p->done < barrier)) {
			for (i = 0; i < jobs && p->slots[i].pid; i++)
				;
			if (spawn(p, &p->slots[i], next, fn, arg) < 0) {
				stop = 1;
				rc = EXIT_FAILED;
				break;
			}
			next++;
		}
		if (!p->running)
			break;
		for (i = 0; i < jobs; i++) {
			if (!p->slots[i].pid)
				continue;
			pfd[nfd].fd = p->slots[i].fd;
			pfd[nfd].events = POLLIN;
			pfd[nfd].revents = 0;
			nfd++;
		}
		if (now_ms() - last_progress >= 200) {
			show_progress(p);
			last_progress = now_ms();
		}
		if (poll(pfd, nfd, 200) < 0 && errno != EINTR)
			break;
		read_results(p);
		for (i = 0; i < jobs; i++) {
			struct slot *sl = &p->slots[i];
			size_t k;
			int eof = 0;

			if (!sl->pid)
				continue;
			for (k = 0; k < nfd; k++)
				if (pfd[k].fd == sl->fd)
					break;
			if (k == nfd || !(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			read_worker(p, sl, &eof);
			if (!eof)
				continue;
			finish(p, sl);
			if (p->failed && p->fo->fail_fast && !stop) {
				stop = 1;
				clear_progress(p);
				log_info("--fail-fast: starting no more targets");
			}
		}
	}
	for (i = next; i < p->tl->n; i++)
		p->rows[i].state = ROW_SKIPPED;
	clear_progress(p);
	for (i = 0; i < jobs; i++)
		strbuf_release(&p->slots[i].partial);
	free(p->slots);
	p->slots = NULL;
	free(pfd);
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
		if (strlen(p->tl->items[i].name) > w)
			w = strlen(p->tl->items[i].name);
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
		printf("%-*s  %-8s  %-18s  %-18s  %9s  %s\n", (int)w, p->tl->items[i].name,
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

static json_t *json_version(int64_t v)
{
	return v ? json_integer(v) : json_null();
}

static void print_json(struct pool *p)
{
	json_t *root = json_object(), *arr = json_array(), *counts = json_object();
	size_t i, skipped = 0;
	char *out;

	for (i = 0; i < p->tl->n; i++) {
		struct row *r = &p->rows[i];
		json_t *o = json_object();
		char res[32];

		json_object_set_new(o, "name", json_string(p->tl->items[i].name));
		json_object_set_new(o, "kind", json_string(target_kind_name(p->tl->items[i].kind)));
		json_object_set_new(o, "from", json_version(r->got_result ? r->res.from : 0));
		json_object_set_new(o, "to", json_version(r->got_result ? r->res.to : 0));
		json_object_set_new(o, "changed", json_integer(r->res.changed));
		if (p->fo->op == FLEET_STATUS) {
			json_object_set_new(o, "pending", json_integer(r->res.pending));
			json_object_set_new(o, "dirty", json_integer(r->res.dirty));
		}
		json_object_set_new(o, "duration_ms", r->state == ROW_SKIPPED ? json_null() : json_integer(r->ms));
		json_object_set_new(o, "result", json_string(row_result(p, r, res, sizeof(res))));
		json_object_set_new(o, "exit_code", r->state == ROW_SKIPPED ? json_null() : json_integer(r->res.rc));
		json_object_set_new(o, "error", r->error ? json_string(r->error) : json_null());
		json_array_append_new(arr, o);
		skipped += r->state == ROW_SKIPPED;
	}
	json_object_set_new(counts, "targets", json_integer((json_int_t)p->tl->n));
	json_object_set_new(counts, "failed", json_integer((json_int_t)p->failed));
	json_object_set_new(counts, "skipped", json_integer((json_int_t)skipped));
	json_object_set_new(root, "command", json_string(op_name(p->fo->op)));
	json_object_set_new(root, "targets", arr);
	json_object_set_new(root, "counts", counts);
	out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("%s\n", out);
	free(out);
	json_decref(root);
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
		size_t shown = 0;

		for (i = g[j].first; i < p->tl->n; i++) {
			char *key = status_key(&p->rows[i]);
			int same = !strcmp(key, g[j].key);

			free(key);
			if (!same)
				continue;
			json_array_append_new(jnames, json_string(p->tl->items[i].name));
			if (shown < 8 || log_verbosity > 0)
				strbuf_addf(&names, "%s%s", shown ? ", " : "", p->tl->items[i].name);
			shown++;
		}
		if (shown > 8 && log_verbosity <= 0)
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
			if (j == 0 && ng > 1 && log_verbosity <= 0)
				printf("%6zu %s\n", g[j].count, g[j].key);
			else
				printf("%6zu %s: %s\n", g[j].count, g[j].key, names.buf);
		}
		strbuf_release(&names);
	}
	if (p->fo->json) {
		json_t *arr = json_array();
		char *out;

		for (i = 0; i < p->tl->n; i++) {
			struct row *r = &p->rows[i];
			json_t *o = json_object();

			json_object_set_new(o, "name", json_string(p->tl->items[i].name));
			json_object_set_new(o, "kind", json_string(target_kind_name(p->tl->items[i].kind)));
			json_object_set_new(o, "version", json_version(r->got_result ? r->res.to : 0));
			json_object_set_new(o, "pending", json_integer(r->res.pending));
			json_object_set_new(o, "dirty", json_integer(r->res.dirty));
			json_object_set_new(o, "exit_code", json_integer(r->res.rc));
			json_object_set_new(o, "error", r->error ? json_string(r->error) : json_null());
			json_array_append_new(arr, o);
		}
		json_object_set_new(root, "command", json_string("status"));
		json_object_set_new(root, "groups", groups);
		json_object_set_new(root, "targets", arr);
		out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", out);
		free(out);
		json_decref(root);
	}
	for (j = 0; j < ng; j++)
		free(g[j].key);
	free(g);
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
	rc = targets_resolve(app, &tl);
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
	rc = run_pool(&p, fn, arg, barrier);
	close(p.res_fd[0]);
	close(p.res_fd[1]);
	if (fo->op == FLEET_STATUS) {
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
	for (i = 0; i < tl.n; i++)
		free(p.rows[i].error);
	free(p.rows);
	target_list_release(&tl);
	return rc;
}
