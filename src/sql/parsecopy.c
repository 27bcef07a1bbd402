/* parsecopy.c - parse into an arena without the protobuf round trip.
 *
 * libpg_query's pg_query_parse_protobuf builds the tree as protobuf-c structures,
 * packs them into bytes, and we unpacked the bytes into the same structures again:
 * sizing, packing and unpacking were some 55 % of lint's instructions (callgrind,
 * bench/README.md). Where libpg_query is linked statically, the link wraps the two
 * packing calls it makes (-Wl,--wrap, Makefile): while sql_parse_arena waits on the
 * parser, the wrapper copies the built structures into the caller's arena instead, and
 * packs nothing. Linked as a shared library, the bytes are unpacked as before: the
 * same tree either way (every lint test's output is the check).
 */
#include "sql/parsecopy.h"
#include "sql/script_int.h"

#include <string.h>

/* The parse or scan in progress on this thread (parsers run on stream workers too):
 * take(ud, result) is handed the result the parser would pack. */
struct capture {
	const ProtobufCMessageDescriptor *want;
	void (*take)(void *ud, const ProtobufCMessage *m);
	void *ud;
	int taken;
};
static __thread struct capture *cap;

static void *copy_message(const ProtobufCMessage *m, struct sql_arena **a);

static size_t elt_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	default: /* int32, sint32, sfixed32, uint32, fixed32, float, enum */
		return 4;
	}
}

/* The value at slot (a string, bytes or message pointer) made the arena's own. */
static void copy_value(const ProtobufCFieldDescriptor *f, void *slot, struct sql_arena **a)
{
	if (f->type == PROTOBUF_C_TYPE_STRING) {
		char **s = slot;

		if (*s && *s != protobuf_c_empty_string && *s != f->default_value) {
			size_t n = strlen(*s) + 1;

			*s = memcpy(sql_arena_alloc(a, n), *s, n);
		}
	} else if (f->type == PROTOBUF_C_TYPE_BYTES) {
		ProtobufCBinaryData *b = slot;

		if (b->len && b->data)
			b->data = memcpy(sql_arena_alloc(a, b->len), b->data, b->len);
	} else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
		ProtobufCMessage **p = slot;

		if (*p)
			*p = copy_message(*p, a);
	}
}

static int owns_memory(ProtobufCType t)
{
	return t == PROTOBUF_C_TYPE_STRING || t == PROTOBUF_C_TYPE_BYTES ||
	       t == PROTOBUF_C_TYPE_MESSAGE;
}

static void copy_repeated(const ProtobufCFieldDescriptor *f, char *c, struct sql_arena **a)
{
	size_t n = *(size_t *)(c + f->quantifier_offset), sz = elt_size(f->type), i;
	void **arr = (void **)(c + f->offset);

	if (!n || !*arr)
		return;
	*arr = memcpy(sql_arena_alloc(a, n * sz), *arr, n * sz);
	if (owns_memory(f->type))
		for (i = 0; i < n; i++)
			copy_value(f, (char *)*arr + i * sz, a);
}

/* A deep copy of m in the arena: every field's descriptor says what to follow. */
static void *copy_message(const ProtobufCMessage *m, struct sql_arena **a)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	char *c = memcpy(sql_arena_alloc(a, d->sizeof_message), m, d->sizeof_message);
	unsigned i;

	((ProtobufCMessage *)c)->n_unknown_fields = 0;
	((ProtobufCMessage *)c)->unknown_fields = NULL;
	if (d == &pg_query__node__descriptor) { /* a oneof of ~270 fields: go to the one set */
		uint32_t which = *(uint32_t *)(c + d->fields[0].quantifier_offset);
		const ProtobufCFieldDescriptor *f =
			which ? protobuf_c_message_descriptor_get_field(d, which) : NULL;

		if (f && f->label != PROTOBUF_C_LABEL_REPEATED && owns_memory(f->type))
			copy_value(f, c + f->offset, a);
		else if (f && f->label == PROTOBUF_C_LABEL_REPEATED)
			copy_repeated(f, c, a);
		return c;
	}
	for (i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];

		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(uint32_t *)(c + f->quantifier_offset) != f->id)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED)
			copy_repeated(f, c, a);
		else if (owns_memory(f->type))
			copy_value(f, c + f->offset, a);
	}
	return c;
}

#ifdef MIGRATE_PARSER_WRAP
/* The link's --wrap: libpg_query's own calls land here, every other caller's too. */
#define WRAP_PACKING(T, name)                                                              \
	size_t __real_##name##__get_packed_size(const T *m);                               \
	size_t __wrap_##name##__get_packed_size(const T *m);                               \
	size_t __real_##name##__pack(const T *m, uint8_t *out);                            \
	size_t __wrap_##name##__pack(const T *m, uint8_t *out);                            \
	size_t __wrap_##name##__get_packed_size(const T *m)                                \
	{                                                                                  \
		if (!cap || cap->want != m->base.descriptor)                               \
			return __real_##name##__get_packed_size(m);                        \
		cap->take(cap->ud, &m->base);                                              \
		cap->taken = 1;                                                            \
		return 0;                                                                  \
	}                                                                                  \
	size_t __wrap_##name##__pack(const T *m, uint8_t *out)                             \
	{                                                                                  \
		if (!cap || cap->want != m->base.descriptor)                               \
			return __real_##name##__pack(m, out);                              \
		return 0;                                                                  \
	}
WRAP_PACKING(PgQuery__ParseResult, pg_query__parse_result)
WRAP_PACKING(PgQuery__ScanResult, pg_query__scan_result)
#endif

struct into_arena {
	struct sql_arena **arena;
	PgQuery__ParseResult *tree;
};

static void take_tree(void *ud, const ProtobufCMessage *m)
{
	struct into_arena *ia = ud;

	ia->tree = copy_message(m, ia->arena);
}

PgQueryProtobufParseResult sql_parse_arena(const char *text, struct sql_arena **arena,
					   PgQuery__ParseResult **tree)
{
	struct into_arena ia = { arena, NULL };
	struct capture c = { &pg_query__parse_result__descriptor, take_tree, &ia, 0 };
	struct capture *outer = cap;
	PgQueryProtobufParseResult r;

	cap = &c;
	r = pg_query_parse_protobuf(text);
	cap = outer;
	*tree = NULL;
	if (r.error)
		return r;
	if (c.taken) {
		*tree = ia.tree;
	} else {
		ProtobufCAllocator al = { sql_arena_alloc, sql_arena_free, arena };

		*tree = pg_query__parse_result__unpack(&al, r.parse_tree.len,
						       (const uint8_t *)r.parse_tree.data);
	}
	return r;
}

struct scan_take {
	void (*take)(void *ud, const PgQuery__ScanResult *sr);
	void *ud;
};

static void take_scan(void *ud, const ProtobufCMessage *m)
{
	struct scan_take *st = ud;

	st->take(st->ud, (const PgQuery__ScanResult *)m);
}

PgQueryScanResult sql_scan_with(const char *text,
				void (*take)(void *ud, const PgQuery__ScanResult *sr), void *ud,
				int *taken)
{
	struct scan_take st = { take, ud };
	struct capture c = { &pg_query__scan_result__descriptor, take_scan, &st, 0 };
	struct capture *outer = cap;
	PgQueryScanResult r;

	cap = &c;
	r = pg_query_scan(text);
	cap = outer;
	*taken = c.taken && !r.error;
	return r;
}
