/* strmap.c - a small open-addressing hash map from strings to indexes (keys in one block) */
#include <stdlib.h>
#include <string.h>

#include "base/strmap.h"
#include "base/util.h"

#define STRMAP_DEAD UINT32_MAX

void strmap_init(struct strmap *m)
{
	memset(m, 0, sizeof(*m));
}

void strmap_release(struct strmap *m)
{
	free(m->slots);
	free(m->keys);
	strmap_init(m);
}

static int live(const struct strmap_slot *s)
{
	return s->key && s->key != STRMAP_DEAD;
}

static const char *key_of(const struct strmap *m, const struct strmap_slot *s)
{
	return m->keys + s->key - 1;
}

/* Slot holding key, or NULL. */
static struct strmap_slot *find(const struct strmap *m, const char *key)
{
	size_t i, mask;

	if (!m->cap)
		return NULL;
	mask = m->cap - 1;
	for (i = (size_t)fnv1a_str(key) & mask;; i = (i + 1) & mask) {
		struct strmap_slot *s = &m->slots[i];

		if (!s->key)
			return NULL;
		if (s->key != STRMAP_DEAD && !strcmp(key_of(m, s), key))
			return s;
	}
}

/* key (len bytes) copied to the end of the key block; its slot number. */
static uint32_t store_key(struct strmap *m, const char *key, size_t len)
{
	size_t at = m->klen;

	if (at + len + 1 >= STRMAP_DEAD - 1) { /* 4 GB of keys in one map */
		log_error("out of memory (a map of more than 4 GB of names)");
		exit(EXIT_FAILED);
	}
	if (at + len + 1 > m->kalloc) {
		size_t want = m->kalloc ? m->kalloc * 2 : 256;

		while (want < at + len + 1)
			want *= 2;
		m->keys = xrealloc(m->keys, want);
		m->kalloc = want;
	}
	memcpy(m->keys + at, key, len + 1);
	m->klen = at + len + 1;
	return (uint32_t)at + 1;
}

static void insert(struct strmap *m, uint32_t key, size_t h, size_t value)
{
	size_t mask = m->cap - 1, i;

	for (i = h & mask; m->slots[i].key; i = (i + 1) & mask)
		;
	m->slots[i].key = key;
	m->slots[i].value = (uint32_t)value;
	m->used++;
}

/* Rehash into a table twice the size, or of the same size when fewer than
 * half its slots hold live keys (the rest are tombstones: a key deleted and
 * put back again and again must not grow it without end). The live keys are
 * copied to a new block: the deleted ones' bytes go. */
static void grow(struct strmap *m)
{
	struct strmap_slot *old = m->slots;
	char *oldkeys = m->keys;
	size_t oldcap = m->cap, nlive = 0, i;

	for (i = 0; i < oldcap; i++)
		if (live(&old[i]))
			nlive++;
	if (!m->cap)
		m->cap = 16;
	else if (nlive * 2 >= m->cap)
		m->cap *= 2;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	m->used = 0;
	m->keys = NULL;
	m->klen = m->kalloc = 0;
	for (i = 0; i < oldcap; i++)
		if (live(&old[i])) {
			const char *k = oldkeys + old[i].key - 1;

			insert(m, store_key(m, k, strlen(k)), (size_t)fnv1a_str(k), old[i].value);
		}
	free(old);
	free(oldkeys);
}

void strmap_put(struct strmap *m, const char *key, size_t value)
{
	struct strmap_slot *s = find(m, key);

	if (value > UINT32_MAX) /* the callers' values are indexes and line numbers */
		abort();
	if (s) {
		s->value = (uint32_t)value;
		return;
	}
	if ((m->used + 1) * 4 >= m->cap * 3)
		grow(m);
	insert(m, store_key(m, key, strlen(key)), (size_t)fnv1a_str(key), value);
}

int strmap_get(const struct strmap *m, const char *key, size_t *value)
{
	struct strmap_slot *s = find(m, key);

	if (!s)
		return 0;
	if (value)
		*value = s->value;
	return 1;
}

void strmap_del(struct strmap *m, const char *key)
{
	struct strmap_slot *s = find(m, key);

	if (s)
		s->key = STRMAP_DEAD;
}

int strmap_next(const struct strmap *m, size_t *pos, const char **key, size_t *value)
{
	for (; *pos < m->cap; (*pos)++)
		if (live(&m->slots[*pos])) {
			*key = key_of(m, &m->slots[*pos]);
			*value = m->slots[(*pos)++].value;
			return 1;
		}
	return 0;
}
