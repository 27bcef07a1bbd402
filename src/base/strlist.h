/* strlist.h - a growing list of owned strings */
#ifndef MIGRATE_BASE_STRLIST_H
#define MIGRATE_BASE_STRLIST_H

#include <stddef.h>

/* Growable list of owned strings. */
struct strlist {
	char **v;
	size_t n, alloc;
};
void strlist_add(struct strlist *l, const char *s);
void strlist_addf(struct strlist *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strlist_release(struct strlist *l);

#endif
