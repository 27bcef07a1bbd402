/* lint_async.c - migrate lint's findings printed on a thread of their own, in order
 *
 * Formatting a finding (JSON escaping, the text layout with its source line) took a
 * tenth of the rules' thread on a long file; the linter hands over each batch of
 * findings that can no longer move (lint_result.emit_batch) and goes on while this
 * thread prints the batches in the order they came. At most MAX_QUEUED findings wait:
 * when the printer falls behind (the machine busy), the linter waits for it instead of
 * piling up the findings of a long file (a 200 MB one has close to a million).
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd/lint_async.h"
#include "base/strbuf.h"
#include "base/util.h"

#define MAX_QUEUED 4096
/* The idle printer is woken once this many findings wait (or at the end): one wake
 * per file of a large directory cost more context switches than the printing. */
#define WAKE_AT 256

struct batch {
	struct batch *next;
	struct lint_finding *items;
	size_t n;
};

struct lint_async {
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	struct batch *head, **tail;
	size_t queued;              /* findings in the batches from head */
	int done;
	int idle;                   /* the printer waits for more */
	struct lint_stream *ls;
	struct lint_result *r;
};

static void *printer(void *arg)
{
	struct lint_async *a = arg;

	for (;;) {
		struct batch *b;
		size_t i;

		pthread_mutex_lock(&a->mu);
		while (!a->done && (!a->head || (a->idle && a->queued < WAKE_AT))) {
			a->idle = 1;
			pthread_cond_wait(&a->more, &a->mu);
		}
		a->idle = 0;
		b = a->head;
		if (b && !(a->head = b->next))
			a->tail = &a->head;
		pthread_mutex_unlock(&a->mu);
		if (!b) {
			shown_release(); /* the text format's */
			return NULL;
		}
		for (i = 0; i < b->n; i++) {
			lint_stream_finding(a->ls, &b->items[i]);
			lint_finding_release(&b->items[i]);
		}
		free(b->items);
		pthread_mutex_lock(&a->mu);
		a->queued -= b->n;
		pthread_cond_signal(&a->room);
		pthread_mutex_unlock(&a->mu);
		free(b);
	}
}

static void hand_over(void *arg, struct lint_finding *items, size_t n)
{
	struct lint_async *a = arg;
	struct batch *b = xmalloc(sizeof(*b));

	b->next = NULL;
	b->items = items;
	b->n = n;
	pthread_mutex_lock(&a->mu);
	while (a->queued >= MAX_QUEUED)
		pthread_cond_wait(&a->room, &a->mu);
	*a->tail = b;
	a->tail = &b->next;
	a->queued += n;
	if (a->idle && a->queued >= WAKE_AT)
		pthread_cond_signal(&a->more);
	pthread_mutex_unlock(&a->mu);
}

struct lint_async *lint_async_start(struct lint_stream *ls, struct lint_result *r)
{
	struct lint_async *a;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return NULL;
	a = xcalloc(1, sizeof(*a));
	a->ls = ls;
	a->r = r;
	a->tail = &a->head;
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->more, NULL);
	pthread_cond_init(&a->room, NULL);
	if (pthread_create(&a->tid, NULL, printer, a) != 0) {
		pthread_cond_destroy(&a->room);
		pthread_cond_destroy(&a->more);
		pthread_mutex_destroy(&a->mu);
		free(a);
		return NULL;
	}
	r->emit_batch = hand_over;
	r->emit_arg = a;
	return a;
}

void lint_async_finish(struct lint_async *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->mu);
	a->done = 1;
	pthread_cond_signal(&a->more);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->tid, NULL);
	a->r->emit_batch = NULL;
	a->r->emit_arg = a->ls;
	pthread_cond_destroy(&a->room);
	pthread_cond_destroy(&a->more);
	pthread_mutex_destroy(&a->mu);
	free(a);
}
