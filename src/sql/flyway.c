/* flyway.c - Flyway's file names
 *
 * V<version>__<description>.sql is an up, U<version>__<description>.sql its undo (the
 * down); versions are numbers separated by dots or underscores, ordered number by
 * number (1.2 before 1.10). R__ (repeatable) and B (baseline) files have no place in
 * a list of versions run once: the loader refuses them by name.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sql/flyway.h"
#include "base/util.h"

enum flyway_kind flyway_parse(const char *fname, char **version, char **desc, int *direction)
{
	size_t len = strlen(fname), n = 0;
	const char *p = fname + 1, *sep;
	char *v;

	if (len < 5 || strcmp(fname + len - 4, ".sql"))
		return FLYWAY_NONE;
	if (fname[0] == 'R' && !strncmp(fname + 1, "__", 2))
		return FLYWAY_REPEATABLE;
	if ((fname[0] != 'V' && fname[0] != 'U' && fname[0] != 'B') || !isdigit((unsigned char)fname[1]))
		return FLYWAY_NONE;
	sep = strstr(fname, "__");
	if (!sep || sep + 2 >= fname + len - 4)
		return FLYWAY_NONE;
	v = xmalloc((size_t)(sep - p) + 1);
	for (; p < sep; p++) {
		if (isdigit((unsigned char)*p)) {
			v[n++] = *p;
		} else if ((*p == '.' || *p == '_') && n && v[n - 1] != '.' && isdigit((unsigned char)p[1])) {
			v[n++] = '.';
		} else {
			free(v);
			return FLYWAY_NONE;
		}
	}
	v[n] = '\0';
	if (fname[0] == 'B') {
		free(v);
		return FLYWAY_BASELINE;
	}
	*version = v;
	*desc = xstrndup(sep + 2, (size_t)(fname + len - 4 - sep - 2));
	*direction = fname[0] == 'V' ? 1 : -1;
	return FLYWAY_MIGRATION;
}

int flyway_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		size_t la = strspn(a, "0123456789"), lb = strspn(b, "0123456789");
		const char *x = a, *y = b;

		while (la > 1 && *x == '0') /* leading zeros say nothing */
			x++, la--;
		while (lb > 1 && *y == '0')
			y++, lb--;
		if (la != lb)
			return la < lb ? -1 : 1;
		if (memcmp(x, y, la))
			return memcmp(x, y, la) < 0 ? -1 : 1;
		a = x + la;
		b = y + lb;
		if (!*a || !*b) /* 1.1 before 1.1.1 */
			return *a ? 1 : *b ? -1 : 0;
		a++;
		b++;
	}
	return 0;
}
