/* strmap.h - a small open-addressing hash map from strings to indexes */
#ifndef MIGRATE_STRMAP_H
#define MIGRATE_STRMAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Compact: a slot is 8 bytes (where its key starts in the map's one block of
 * keys, and the value), the keys are stored end to end in that block instead
 * of a malloc each. The linter's model keeps a few of these per table it has
 * seen (issue 11: a 200 MB migration holds close to a million tables).
 * Values are indexes and line numbers: they must fit in 32 bits.
 */
struct strmap_slot {
	uint32_t key;    /* 0 empty, STRMAP_DEAD a tombstone, else 1 + the key's offset in keys */
	uint32_t value;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap, used; /* used counts live keys and tombstones */
	char *keys;       /* the keys, each NUL-terminated; a deleted one stays until a rehash */
	size_t klen, kalloc;
};

#define STRMAP_INIT { NULL, 0, 0, NULL, 0, 0 }

void strmap_init(struct strmap *m);
void strmap_release(struct strmap *m);
/* Set key (copied) to value, replacing an existing value. */
void strmap_put(struct strmap *m, const char *key, size_t value);
/* 1 and *value when found. */
int strmap_get(const struct strmap *m, const char *key, size_t *value);
void strmap_del(struct strmap *m, const char *key);
/* The live entries, in no order: start *pos at 0; 0 when there are no more. */
int strmap_next(const struct strmap *m, size_t *pos, const char **key, size_t *value);

#endif
