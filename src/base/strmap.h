/* strmap.h - a small open-addressing hash map from strings to indexes */
#ifndef MIGRATE_STRMAP_H
#define MIGRATE_STRMAP_H

#include <stddef.h>

struct strmap_slot {
	char *key;       /* owned; NULL empty */
	size_t value;
	int dead;        /* a tombstone */
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap, used; /* used counts live keys and tombstones */
};

#define STRMAP_INIT { NULL, 0, 0 }

void strmap_init(struct strmap *m);
void strmap_release(struct strmap *m);
/* Set key (copied) to value, replacing an existing value. */
void strmap_put(struct strmap *m, const char *key, size_t value);
/* 1 and *value when found. */
int strmap_get(const struct strmap *m, const char *key, size_t *value);
void strmap_del(struct strmap *m, const char *key);

#endif
