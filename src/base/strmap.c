/* strmap.c - a small open-addressing hash map from strings to indexes */
#include <stdlib.h>
#include <string.h>

#include "base/strmap.h"
#include "base/util.h"

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ULL;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

void strmap_init(struct strmap *m)
{
	m->slots = NULL;
	m->cap = m->used = 0;
}

void strmap_release(struct strmap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	strmap_init(m);
}

/* Slot holding key, or NULL. */
static struct strmap_slot *find(const struct strmap *m, const char *key)
{
	size_t i, mask;

	if (!m->cap)
		return NULL;
	mask = m->cap - 1;
	for (i = hash(key) & mask;; i = (i + 1) & mask) {
		struct strmap_slot *s = &m->slots[i];

		if (!s->key && !s->dead)
			return NULL;
		if (s->key && !strcmp(s->key, key))
			return s;
	}
}

static void insert(struct strmap *m, char *key, size_t value)
{
	size_t mask = m->cap - 1, i;

	for (i = hash(key) & mask; m->slots[i].key || m->slots[i].dead; i = (i + 1) & mask)
		;
	m->slots[i].key = key;
	m->slots[i].value = value;
	m->used++;
}

/* Rehash into a table twice the size, or of the same size when fewer than
 * half its slots hold live keys (the rest are tombstones: a key deleted and
 * put back again and again must not grow it without end). */
static void grow(struct strmap *m)
{
	struct strmap_slot *old = m->slots;
	size_t oldcap = m->cap, live = 0, i;

	for (i = 0; i < oldcap; i++)
		if (old[i].key)
			live++;
	if (!m->cap)
		m->cap = 16;
	else if (live * 2 >= m->cap)
		m->cap *= 2;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	m->used = 0;
	for (i = 0; i < oldcap; i++)
		if (old[i].key)
			insert(m, old[i].key, old[i].value);
	free(old);
}

void strmap_put(struct strmap *m, const char *key, size_t value)
{
	struct strmap_slot *s = find(m, key);

	if (s) {
		s->value = value;
		return;
	}
	if ((m->used + 1) * 4 >= m->cap * 3)
		grow(m);
	insert(m, xstrdup(key), value);
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

	if (!s)
		return;
	free(s->key);
	s->key = NULL;
	s->dead = 1;
}
