/* schema_str.c - the schema model's strings: in blocks, the often repeated ones once
 *
 * A model of a long migration holds close to a million tables (issue 11: a 200 MB
 * file), each with a few names: a malloc per name cost 32 bytes or more for a name
 * of 4 to 12. Here the names are stored end to end in large blocks, freed with the
 * model; column names and types, a few distinct ones repeated in every table, are
 * interned (stored once, a hash set finds them). Nothing is freed one at a time: a
 * name a change replaces stays until the model goes (the model only grows anyway).
 */
#include <stdlib.h>
#include <string.h>

#include "lint/schema.h"
#include "base/util.h"

#define BLOCK_BYTES (64 * 1024)

struct str_block {
	struct str_block *next;
	size_t used, size;
	char data[];
};

struct sch_strings {
	struct str_block *blocks; /* the newest first */
	uint32_t *set;            /* the interned strings' ids (open addressing), 0 empty */
	size_t cap;
	char **byid;              /* id -> string; id 0 is NULL */
	size_t n, aid;            /* n: the ids given, 1 + the strings interned */
};

static struct sch_strings *strings(struct schema *s)
{
	if (!s->strs)
		s->strs = xcalloc(1, sizeof(*s->strs));
	return s->strs;
}

char *sch_str(struct schema *s, const char *str)
{
	struct sch_strings *st;
	struct str_block *b;
	size_t len;
	char *p;

	if (!str)
		return NULL;
	st = strings(s);
	len = strlen(str) + 1;
	b = st->blocks;
	if (!b || b->size - b->used < len) {
		size_t size = len > BLOCK_BYTES / 4 ? len : BLOCK_BYTES;

		b = xmalloc(sizeof(*b) + size);
		b->size = size;
		b->used = 0;
		if (size == BLOCK_BYTES || !st->blocks) {
			b->next = st->blocks;
			st->blocks = b;
		} else { /* a long one alone, behind the block still being filled */
			b->next = st->blocks->next;
			st->blocks->next = b;
		}
	}
	p = b->data + b->used;
	memcpy(p, str, len);
	b->used += len;
	return p;
}

static void set_add(struct sch_strings *st, uint32_t *set, size_t cap, uint32_t id)
{
	size_t i;

	for (i = (size_t)fnv1a_str(st->byid[id]) & (cap - 1); set[i]; i = (i + 1) & (cap - 1))
		;
	set[i] = id;
}

/* The slot of str in the set: its id, or 0 where it would go. */
static size_t set_slot(const struct sch_strings *st, const char *str)
{
	size_t i;

	for (i = (size_t)fnv1a_str(str) & (st->cap - 1); st->set[i]; i = (i + 1) & (st->cap - 1))
		if (!strcmp(st->byid[st->set[i]], str))
			break;
	return i;
}

uint32_t sch_intern_id(struct schema *s, const char *str)
{
	struct sch_strings *st;
	size_t i;

	if (!str)
		return 0;
	st = strings(s);
	if (!st->n)
		st->n = 1; /* id 0: NULL */
	if (st->n * 2 > st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		uint32_t *set = xcalloc(cap, sizeof(*set));

		for (i = 0; i < st->cap; i++)
			if (st->set[i])
				set_add(st, set, cap, st->set[i]);
		free(st->set);
		st->set = set;
		st->cap = cap;
	}
	i = set_slot(st, str);
	if (st->set[i])
		return st->set[i];
	ALLOC_GROW(st->byid, st->n + 1, st->aid);
	st->byid[st->n] = sch_str(s, str);
	return st->set[i] = (uint32_t)st->n++;
}

uint32_t sch_find_id(const struct schema *s, const char *str)
{
	const struct sch_strings *st = s->strs;

	if (!str || !st || !st->cap)
		return 0;
	return st->set[set_slot(st, str)];
}

const char *sch_id_str(const struct schema *s, uint32_t id)
{
	return id ? s->strs->byid[id] : NULL;
}

char *sch_intern(struct schema *s, const char *str)
{
	uint32_t id = sch_intern_id(s, str);

	return id ? s->strs->byid[id] : NULL;
}

void sch_strings_release(struct schema *s)
{
	struct sch_strings *st = s->strs;

	if (!st)
		return;
	while (st->blocks) {
		struct str_block *b = st->blocks;

		st->blocks = b->next;
		free(b);
	}
	free(st->set);
	free(st->byid);
	free(st);
	s->strs = NULL;
}
