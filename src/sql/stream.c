/* stream.c - a long text parsed in pieces cut between statements, on several threads
 *
 * sql_pieces guesses the cuts; every piece is parsed alone and its locations moved
 * to where it stands in the text, so a piece's statements are the whole parse's.
 * A pass runs the parser ahead on worker threads, a bounded window of pieces at a
 * time, and hands the pieces to the caller in order: the text is parsed at once
 * (sql_parse_in_pieces, the trees kept) or statement by statement with a few
 * pieces' trees in memory (sql_stream_pass, for lint).
 */
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sql/pgnode.h"
#include "sql/pieces.h"
#include "sql/script_int.h"
#include "base/textmap.h"
#include "base/util.h"

#define PIECE_BYTES (256 * 1024)
#define MAX_THREADS 4

struct piece {
	int start, end;
	size_t first, count;        /* its statements in the script (after the first pass) */
	PgQuery__ParseResult *tree; /* NULL when it did not parse */
	struct sql_arena *arena;
	int parsed;
	PgQueryProtobufParseResult packed; /* the first pass's parse, kept for the second */
	int has_packed;
	/* a stream: its statements, the first pass's built on the main thread, a later's on
	 * the worker from lc (where the first pass's count of lines stood at the piece) */
	struct sql_stmt *stmts;
	size_t nstmts;
	struct line_cursor lc;
	void *data;                 /* what the pass's prep made of it, or NULL */
};

/* The first pass keeps the parser's output of the pieces that start in the first
 * KEEP_PACKED bytes, so the second only decodes them (the parse is most of the cost);
 * beyond, it parses again: memory stays bounded. */
#define KEEP_PACKED (32 * 1024 * 1024)

struct sql_stream {
	const char *src;
	struct piece *p;
	size_t n;
	int passes;
	int keep;                   /* streaming: the first pass keeps what it parsed (KEEP_PACKED) */
	/* the pass under way */
	size_t next, consumed, window;
	const struct sql_piece_prep *prep;
	struct piece *current;      /* the one fn has */
	pthread_mutex_t mu;
	pthread_cond_t parsed, room;
};

/* The size of a piece: PIECE_BYTES, or MIGRATE_PIECE_BYTES (the tests cut small texts with it). */
/* files from this size on have their parse memory mapped and unmapped (above) */
#define MMAP_FROM_BYTES ((size_t)16 * 1024 * 1024)

static size_t piece_bytes(void)
{
	const char *e = getenv("MIGRATE_PIECE_BYTES");
	long v = e ? atol(e) : 0;

	return v > 0 ? (size_t)v : PIECE_BYTES;
}

int sql_stream_wanted(const char *src)
{
	return strlen(src) >= 2 * piece_bytes();
}

static struct sql_stream *stream_new(const char *src)
{
	size_t len = strlen(src), bytes = piece_bytes(), *ends, i;
	struct sql_stream *st;

	if (len < 2 * bytes)
		return NULL;
	/*
	 * The trees are built on the workers and freed here, in blocks of up to 4 MB, as are
	 * the parser's own: with glibc's sliding mmap threshold they come to be carved from
	 * the heaps of the threads and the memory given back stays (a 200 MB file grew past
	 * 800 MB). A fixed threshold maps them and unmaps them when freed. That costs a
	 * page fault per page each time, so only a file whose parse could grow the heaps
	 * that far pays it.
	 */
	if (len >= MMAP_FROM_BYTES)
		mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	st = xcalloc(1, sizeof(*st));
	st->src = src;
	st->n = sql_pieces(src, len, bytes, &ends);
	st->p = xcalloc(st->n, sizeof(*st->p));
	for (i = 0; i < st->n; i++) {
		st->p[i].start = i ? (int)ends[i - 1] : 0;
		st->p[i].end = (int)ends[i];
	}
	free(ends);
	if (st->n < 2) {
		sql_stream_free(st);
		return NULL;
	}
	return st;
}

static void piece_drop(const struct sql_stream *st, struct piece *p)
{
	size_t i;

	for (i = 0; i < p->nstmts; i++)
		free(p->stmts[i].text);
	free(p->stmts);
	p->stmts = NULL;
	p->nstmts = 0;
	if (p->data && st->prep)
		st->prep->release(p->data);
	p->data = NULL;
	sql_arena_release(p->arena);
	p->arena = NULL;
	p->tree = NULL;
	p->parsed = 0;
}

void sql_stream_free(struct sql_stream *st)
{
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->n; i++) {
		piece_drop(st, &st->p[i]);
		if (st->p[i].has_packed)
			pg_query_free_protobuf_parse_result(st->p[i].packed);
	}
	free(st->p);
	free(st);
}

/* A later pass of a stream: the piece's statements (as the first pass cut them:
 * attach checks) and the pass's prep, here on the worker. */
static void piece_prepare(const struct sql_stream *st, struct piece *p)
{
	struct sql_script tmp;
	struct line_cursor lc = p->lc;

	memset(&tmp, 0, sizeof(tmp));
	tmp.src = st->src;
	sql_add_tree(&tmp, &lc, p->tree, p->end);
	p->stmts = tmp.stmts;
	p->nstmts = tmp.n;
	if (st->prep)
		p->data = st->prep->prep(st->prep->arg, p->stmts, p->nstmts);
}

static void parse_piece(const struct sql_stream *st, struct piece *p, int keep)
{
	const char *src = st->src;
	ProtobufCAllocator a = { sql_arena_alloc, sql_arena_free, &p->arena };
	size_t i;

	if (p->has_packed) { /* kept by the first pass */
		p->tree = pg_query__parse_result__unpack(&a, p->packed.parse_tree.len,
							 (const uint8_t *)p->packed.parse_tree.data);
		pg_query_free_protobuf_parse_result(p->packed);
		p->has_packed = 0;
	} else {
		char *text = xstrndup(src + p->start, (size_t)(p->end - p->start));

		if (keep && p->start < KEEP_PACKED) { /* packed: smaller than the tree */
			PgQueryProtobufParseResult r = pg_query_parse_protobuf(text);

			if (!r.error)
				p->tree = pg_query__parse_result__unpack(
					&a, r.parse_tree.len, (const uint8_t *)r.parse_tree.data);
			if (p->tree) {
				p->packed = r; /* the parser's own buffer, freed once decoded again */
				p->has_packed = 1;
			} else {
				pg_query_free_protobuf_parse_result(r);
			}
		} else {
			pg_query_free_protobuf_parse_result(sql_parse_arena(text, &p->arena, &p->tree));
		}
		free(text);
	}
	if (!p->tree)
		return;
	pgnode_shift_locations(&p->tree->base, p->start);
	for (i = 0; i < p->tree->n_stmts; i++) {
		PgQuery__RawStmt *rs = p->tree->stmts[i];

		if (!rs->stmt_len)
			rs->stmt_len = p->end - p->start - rs->stmt_location;
		rs->stmt_location += p->start;
	}
	if (st->keep && st->passes)
		piece_prepare(st, p);
}

static void *worker(void *arg)
{
	struct sql_stream *st = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&st->mu);
		while (st->next < st->n && st->next >= st->consumed + st->window)
			pthread_cond_wait(&st->room, &st->mu);
		if (st->next >= st->n) {
			pthread_mutex_unlock(&st->mu);
			return NULL;
		}
		i = st->next++;
		pthread_mutex_unlock(&st->mu);
		parse_piece(st, &st->p[i], st->keep && !st->passes);
		pthread_mutex_lock(&st->mu);
		st->p[i].parsed = 1;
		pthread_cond_broadcast(&st->parsed);
		pthread_mutex_unlock(&st->mu);
	}
}

/* Piece k, parsed (by a worker, or here when there is none). */
static struct piece *take(struct sql_stream *st, size_t k, int workers)
{
	struct piece *p = &st->p[k];

	if (!workers) {
		parse_piece(st, p, st->keep && !st->passes);
		return p;
	}
	pthread_mutex_lock(&st->mu);
	while (!p->parsed)
		pthread_cond_wait(&st->parsed, &st->mu);
	pthread_mutex_unlock(&st->mu);
	return p;
}

typedef int (*piece_fn)(struct sql_stream *st, struct piece *p, void *ud);

/* Every piece to fn in order (fn returns -1 to stop); -1 when stopped. */
static int pass(struct sql_stream *st, size_t window, piece_fn fn, void *ud)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int nt = cpus > MAX_THREADS ? MAX_THREADS : cpus < 1 ? 1 : (int)cpus, started = 0, k, rc = 0;
	pthread_t tids[MAX_THREADS];
	size_t i, dropped = 0;

	st->next = st->consumed = 0;
	st->window = window;
	text_drop_pages(st->src, (size_t)st->p[st->n - 1].end);
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->parsed, NULL);
	pthread_cond_init(&st->room, NULL);
	for (k = 0; k < nt; k++)
		if (pthread_create(&tids[started], NULL, worker, st) == 0)
			started++;
	for (i = 0; i < st->n && rc == 0; i++) {
		struct piece *p = take(st, i, started);

		st->current = p;
		rc = fn(st, p, ud);
		st->current = NULL;
		piece_drop(st, p);
		/* a mapped file's pages read already go (they are the page cache's) */
		text_drop_pages(st->src + dropped, (size_t)p->end - dropped);
		dropped = (size_t)p->end & ~(size_t)4095;
		pthread_mutex_lock(&st->mu);
		st->consumed = i + 1;
		if (rc)
			st->next = st->n; /* the workers stop */
		pthread_cond_broadcast(&st->room);
		pthread_mutex_unlock(&st->mu);
	}
	for (k = 0; k < started; k++)
		pthread_join(tids[k], NULL);
	for (i = 0; i < st->n; i++)
		piece_drop(st, &st->p[i]);
	pthread_cond_destroy(&st->room);
	pthread_cond_destroy(&st->parsed);
	pthread_mutex_destroy(&st->mu);
	st->passes++;
	return rc;
}

/* ---- the whole text at once ---- */

struct whole {
	struct sql_script *s;
	struct line_cursor lc;
};

static int keep_piece(struct sql_stream *st, struct piece *p, void *ud)
{
	struct whole *w = ud;
	struct sql_arena *a = p->arena;

	UNUSED(st);
	if (!p->tree)
		return -1;
	sql_add_tree(w->s, &w->lc, p->tree, p->end);
	if (!w->s->tree)
		w->s->tree = p->tree;
	while (a && a->next) /* the piece's blocks join the script's */
		a = a->next;
	if (a) {
		a->next = w->s->arena;
		w->s->arena = p->arena;
	}
	p->arena = NULL;
	p->tree = NULL;
	return 0;
}

int sql_parse_in_pieces(struct sql_script *s)
{
	struct sql_stream *st = stream_new(s->src);
	struct whole w = { s, { 0, s->line_base, 1 } };
	size_t i;
	int rc;

	if (!st)
		return -1;
	rc = pass(st, st->n, keep_piece, &w);
	sql_stream_free(st);
	if (rc) {
		for (i = 0; i < s->n; i++)
			free(s->stmts[i].text);
		free(s->stmts);
		sql_arena_release(s->arena);
		s->stmts = NULL;
		s->n = s->alloc = 0;
		s->arena = NULL;
		s->tree = NULL;
	}
	return rc;
}

/* ---- statement by statement ---- */

int sql_stream_open(struct sql_script *s, const char *src, const char *file, int line_base)
{
	memset(s, 0, sizeof(*s));
	s->src = src;
	s->file = file;
	s->line_base = line_base;
	s->stream = stream_new(src);
	if (s->stream)
		s->stream->keep = 1;
	return s->stream ? 0 : -1;
}

struct streaming {
	struct sql_script *s;
	struct line_cursor lc;
	sql_stream_fn fn;
	void *ud;
};

/* The first pass: the piece's statements, counted on from the last piece's, where each
 * is kept in s->pos for the rest of the stream. */
static void first_attach(struct streaming *g, struct piece *p)
{
	struct sql_script *s = g->s, tmp;
	size_t i;

	memset(&tmp, 0, sizeof(tmp));
	tmp.src = s->src;
	tmp.line_base = s->line_base;
	p->lc = g->lc;
	sql_add_tree(&tmp, &g->lc, p->tree, p->end);
	p->stmts = tmp.stmts;
	p->nstmts = p->count = tmp.n;
	p->first = s->n;
	for (i = 0; i < tmp.n; i++) {
		struct sql_stmt_pos *o;

		if (s->n == s->alloc) { /* not ALLOC_GROW: the room not used yet stays untouched */
			s->alloc = s->alloc ? s->alloc * 2 : 1024;
			s->pos = xrealloc(s->pos, s->alloc * sizeof(*s->pos));
		}
		o = &s->pos[s->n++];
		o->offset = tmp.stmts[i].offset;
		o->len = tmp.stmts[i].len;
		o->line = tmp.stmts[i].line;
		o->flags = tmp.stmts[i].flags;
		o->tx_kind = tmp.stmts[i].tx_kind;
	}
}

/* The piece's statements with their trees and texts at hand in s (sql_script_stmt). */
static int attach(struct streaming *g, struct piece *p)
{
	struct sql_script *s = g->s;

	if (!p->tree)
		return -1;
	if (!g->s->stream->passes) {
		first_attach(g, p);
	} else if (p->nstmts != p->count) { /* the parser is deterministic: never */
		log_error("%s: the second parse of a piece gave %zu statements, the first %zu",
			  s->file ? s->file : "-", p->nstmts, p->count);
		abort();
	}
	s->stmts = p->stmts; /* built on the worker after the first pass (piece_prepare) */
	s->first = p->first;
	s->nheld = p->nstmts;
	return 0;
}

static int stream_piece(struct sql_stream *st, struct piece *p, void *ud)
{
	struct streaming *g = ud;

	UNUSED(st);
	if (attach(g, p) < 0)
		return -1;
	g->fn(g->ud, g->s, p->first, p->count);
	g->s->stmts = NULL; /* freed with the piece */
	g->s->nheld = 0;
	return 0;
}

int sql_stream_pass_prep(struct sql_script *s, sql_stream_fn fn, void *ud,
			 const struct sql_piece_prep *prep)
{
	struct streaming g = { s, { 0, s->line_base, 1 }, fn, ud };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int rc;

	s->stream->prep = s->stream->passes ? prep : NULL; /* the first pass cuts the statements */
	/* one piece ahead per worker, and the one in hand: parsing keeps up, memory stays
	 * flat (a piece's tree is some 40-60 times its text; twice as many ahead held
	 * 16 MB more of a 20 MB file for no time saved) */
	rc = pass(s->stream, (size_t)(cpus > MAX_THREADS ? MAX_THREADS : cpus > 0 ? cpus : 1) + 1,
		  stream_piece, &g);
	s->stream->prep = NULL;
	return rc;
}

int sql_stream_pass(struct sql_script *s, sql_stream_fn fn, void *ud)
{
	return sql_stream_pass_prep(s, fn, ud, NULL);
}

const void *sql_stream_piece_data(const struct sql_script *s)
{
	return s->stream && s->stream->current ? s->stream->current->data : NULL;
}
