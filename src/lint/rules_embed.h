/* rules_embed.h - the rule catalog (the YAML files in rules/), embedded at build time */
#ifndef MIGRATE_RULES_EMBED_H
#define MIGRATE_RULES_EMBED_H

struct embedded_rule {
	const char *id;   /* file name without .yaml */
	const char *yaml; /* the file's text */
};

extern const struct embedded_rule embedded_rules[];
extern const unsigned embedded_rules_count;

#endif
