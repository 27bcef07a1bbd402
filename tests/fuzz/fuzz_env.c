/* fuzz_env.c - libFuzzer target: ${VAR} and ${VAR:-default} expansion of a migrate.yml value
 * (set and unset variables, defaults, unterminated and invalid references). The input is
 * the value itself, as a YAML scalar; no YAML quoting stands in the way. */
#include "config/config.h"
#include "config/yaml.h"
#include "base/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("FUZZ_SET", "from-the-environment", 1);
	setenv("A", "${A}", 1); /* a value that looks like a reference: expanded once only */
	setenv("EMPTY", "", 1);
	unsetenv("FUZZ_UNSET");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size), *v;
	struct config c;
	struct loader ld;
	yaml_node_t *n;
	int id;

	log_verbosity = -1;
	config_init(&c);
	memset(&ld, 0, sizeof(ld));
	ld.c = &c;
	ld.file = "fuzz.yml";
	if (!yaml_document_initialize(&ld.doc, NULL, NULL, NULL, 1, 1))
		abort();
	id = yaml_document_add_scalar(&ld.doc, NULL, (yaml_char_t *)text, (int)strlen(text),
				      YAML_PLAIN_SCALAR_STYLE);
	n = id ? yaml_document_get_node(&ld.doc, id) : NULL;
	if (n) {
		v = config_yaml_scalar(&ld, n, "database.url");
		/* no value means an error, or a variable without a default that is unset: that one
		 * is recorded, to be an error only if a command uses the value */
		if (!v && ld.errors == 0 && c.npending == 0)
			abort();
		free(v);
	}
	yaml_document_delete(&ld.doc);
	config_release(&c);
	free(text);
	return 0;
}
