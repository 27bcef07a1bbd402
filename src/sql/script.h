/* script.h - split and parse SQL with PostgreSQL's own parser (libpg_query) */
#ifndef MIGRATE_SQL_H
#define MIGRATE_SQL_H

#include <stddef.h>
#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

/* Statement flags, decided from the parse tree. */
enum {
	STMT_NO_TX = 1 << 0,      /* cannot run inside a transaction block */
	STMT_TX_CONTROL = 1 << 1, /* BEGIN/START/COMMIT/ROLLBACK/SAVEPOINT/... */
	STMT_UNPARSED = 1 << 2,   /* parser failed; split by the scanner, sent as is */
};

struct sql_stmt {
	int offset;          /* byte offset of the first token in the script text */
	int len;             /* byte length, without the trailing ';' */
	int line, col;       /* 1-based position of the first token, in the file */
	/* 40 bytes: a streamed file keeps one per statement to its end (millions) */
	short flags;         /* STMT_* */
	short tx_kind;       /* a transaction statement's PgQuery__TransactionStmtKind, else 0 */
	int batch;           /* rows per batch (-- migrate:batch N, at most 10^8: sql/batchsql.c),
			      * 0: not batched */
	char *text;          /* the statement text (owned) */
	PgQuery__Node *node; /* parse tree (owned by the script's tree), NULL if unparsed */
};

/* What a streamed script keeps of each statement to the end of the file (16 bytes: a
 * 200 MB file has millions; text and tree are its piece's, gone once it is linted). */
struct sql_stmt_pos {
	int offset, len, line; /* as in struct sql_stmt */
	short flags, tx_kind;
};

struct sql_script {
	const char *src;     /* the text (not owned) */
	const char *file;    /* file name for messages (not owned) */
	int line_base;       /* line of src's first byte in the file (1 for a whole file) */
	/* statement i is stmts[i] (i < n), but for a streamed script (stream set): its n
	 * statements are in pos, and stmts holds only the piece's at hand (sql_script_stmt) */
	struct sql_stmt *stmts;
	size_t n, alloc;     /* alloc: the room in stmts, or in pos when streamed */
	struct sql_stmt_pos *pos;
	size_t first, nheld; /* streamed: stmts[k] is statement first + k, k < nheld */
	PgQuery__ParseResult *tree; /* NULL when the parser failed */
	struct sql_arena *arena;    /* the tree's memory, freed at once */
	struct sql_stream *stream;  /* sql_stream_open's pieces, or NULL */
	/* parse error, when the parser failed (statements then come from the scanner) */
	char *error;
	int error_line, error_col;
};

/*
 * Split and parse src. Always fills s->stmts (with the scanner when the
 * parser fails, then s->error is set and the statements are STMT_UNPARSED).
 * Returns 0 when parsed, -1 when the parser failed.
 */
int sql_script_parse(struct sql_script *s, const char *src, const char *file, int line_base);
void sql_script_release(struct sql_script *s);

/*
 * A long text, linted statement by statement with bounded memory: sql_stream_open
 * cuts it into pieces between statements (sql/pieces.c; -1 when it is too short to
 * cut). Each sql_stream_pass parses the pieces again, ahead on other threads, and calls
 * fn for each piece in order with its statements [first, first + n) at hand
 * (sql_script_stmt: trees and texts), which are freed when fn returns. The first pass
 * counts the statements (s->n) and keeps where each is (s->pos: offsets, lines, flags,
 * tx_kind); it returns -1 when a piece does not parse (then release s and parse the
 * text whole: its error is the whole text's).
 */
/* True when src is long enough for sql_stream_open to cut it. */
int sql_stream_wanted(const char *src);
typedef void (*sql_stream_fn)(void *ud, struct sql_script *s, size_t first, size_t n);
int sql_stream_open(struct sql_script *s, const char *src, const char *file, int line_base);
int sql_stream_pass(struct sql_script *s, sql_stream_fn fn, void *ud);
/*
 * A later pass with work done ahead on the parsing threads: prep(arg, stmts, n) is
 * called there for each piece's statements (texts and trees at hand) and its result
 * is sql_stream_piece_data(s) while fn has the piece; release(result) frees it after.
 */
struct sql_piece_prep {
	void *(*prep)(void *arg, const struct sql_stmt *stmts, size_t n);
	void (*release)(void *data);
	void *arg;
};
int sql_stream_pass_prep(struct sql_script *s, sql_stream_fn fn, void *ud,
			 const struct sql_piece_prep *prep);
const void *sql_stream_piece_data(const struct sql_script *s);

/* Statement i with its text and tree: of a streamed script only while its piece is at
 * hand (the pass's fn has it), else NULL; of any other, every one (i < s->n). */
const struct sql_stmt *sql_script_stmt(const struct sql_script *s, size_t i);
/* Where statement i (< s->n) is, its flags and tx_kind: any statement of any script. */
struct sql_stmt_pos sql_script_pos(const struct sql_script *s, size_t i);

/* Byte offset into s->src -> 1-based line and column (columns in characters). */
void sql_script_linecol(const struct sql_script *s, int offset, int *line, int *col);
/* Same on any text whose first byte is at (line_base, 1). */
void sql_linecol(const char *src, int offset, int line_base, int *line, int *col);
/* Character position (1-based, as PG_DIAG_STATEMENT_POSITION) -> byte offset in text. */
int sql_charpos_to_offset(const char *text, int charpos);

/* True when the script holds no statement (empty or only comments). */
int sql_script_empty(const struct sql_script *s);

/* Name of a node's statement kind, e.g. "CREATE INDEX", for messages. */
const char *sql_stmt_kind(const PgQuery__Node *node);



/*
 * Call fn for every "--" comment in src, found by PostgreSQL's scanner (so a
 * "--" inside a string or a dollar quote is not a comment). start/end are
 * byte offsets. Returns 0, or -1 when the scanner failed (then fn is called
 * for lines whose first non-blank characters are "--").
 */
typedef void (*sql_comment_fn)(const char *src, int start, int end, void *ud);
int sql_for_each_comment(const char *src, sql_comment_fn fn, void *ud);
/*
 * The statements of src without comments, their tokens separated by one space
 * (literals and quoted names kept byte for byte): what a checksum that
 * ignores comments and layout is computed over. src itself when it does not scan.
 */
char *sql_normalized_text(const char *src);
/* True when src holds nothing but whitespace, comments and ';'. */
int sql_is_blank(const char *src);
#endif
