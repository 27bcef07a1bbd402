/* pipeline.c - lint many sections: parse ahead on worker threads, run the rules in order
 *
 * The rules must see the sections in order (each one's schema model is what
 * the earlier ones built), but parsing does not depend on order, and
 * libpg_query is thread-safe (its memory contexts are per thread). Workers
 * take the next section to parse; this thread takes parsed sections in order.
 * A bounded look-ahead keeps memory flat on a large directory.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lint/lint_int.h"
#include "base/util.h"

#define LOOKAHEAD 64
#define MAX_WORKERS 4

struct pipe {
	const struct lint_job *jobs;
	size_t n;
	struct lint_prep **ready; /* ready[i] once parsed */
	size_t next;              /* next job to parse */
	size_t consumed;          /* jobs taken by the rules */
	size_t want;              /* the job the rules wait for, else n: the only wake needed */
	int full;                 /* workers wait for room */
	pthread_mutex_t mu;
	pthread_cond_t parsed, room;
};

static void *worker(void *arg)
{
	struct pipe *p = arg;

	for (;;) {
		const struct section *sec;
		struct lint_prep *prep;
		size_t i;

		pthread_mutex_lock(&p->mu);
		while (p->next < p->n && p->next >= p->consumed + LOOKAHEAD) {
			p->full++;
			pthread_cond_wait(&p->room, &p->mu);
			p->full--;
		}
		if (p->next >= p->n) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		i = p->next++;
		pthread_mutex_unlock(&p->mu);
		sec = p->jobs[i].sec;
		/* the tokens too (for directives and clause positions), off the rules' thread */
		prep = lint_prep_new(sec->sql, sec->path, sec->line_base > 0 ? sec->line_base : 1,
				     p->jobs[i].kind != LINT_JOB_LEARN);
		pthread_mutex_lock(&p->mu);
		p->ready[i] = prep;
		if (p->want == i)
			pthread_cond_signal(&p->parsed);
		pthread_mutex_unlock(&p->mu);
	}
}

static int workers_for(size_t n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int w = cpus > 1 ? (int)cpus : 0;

	if (w > MAX_WORKERS)
		w = MAX_WORKERS;
	if (n < 4)
		w = 0;
	return w;
}

void lint_jobs(struct linter *l, const struct lint_job *jobs, size_t n, struct lint_result *r)
{
	pthread_t tids[MAX_WORKERS];
	struct pipe p;
	int nw = workers_for(n), started = 0, k;
	size_t i;

	for (k = 0; k < nw; k++)
		tids[k] = 0;
	memset(&p, 0, sizeof(p));
	p.jobs = jobs;
	p.n = n;
	p.want = n;
	if (nw) {
		p.ready = xcalloc(n, sizeof(*p.ready));
		pthread_mutex_init(&p.mu, NULL);
		pthread_cond_init(&p.parsed, NULL);
		pthread_cond_init(&p.room, NULL);
		for (k = 0; k < nw; k++)
			if (pthread_create(&tids[k], NULL, worker, &p) == 0)
				started++;
			else
				break;
	}
	for (i = 0; i < n; i++) {
		struct lint_prep *prep = NULL;

		if (started) {
			pthread_mutex_lock(&p.mu);
			while (!p.ready[i]) {
				p.want = i;
				pthread_cond_wait(&p.parsed, &p.mu);
			}
			p.want = n;
			prep = p.ready[i];
			p.ready[i] = NULL;
			p.consumed = i + 1;
			if (p.full && p.next + LOOKAHEAD / 2 <= p.consumed + LOOKAHEAD)
				pthread_cond_broadcast(&p.room);
			pthread_mutex_unlock(&p.mu);
		}
		lint_job_run(l, &jobs[i], prep, r);
		lint_prep_free(prep);
	}
	for (k = 0; k < started; k++)
		pthread_join(tids[k], NULL);
	if (nw) {
		pthread_cond_destroy(&p.room);
		pthread_cond_destroy(&p.parsed);
		pthread_mutex_destroy(&p.mu);
		free(p.ready);
	}
}
