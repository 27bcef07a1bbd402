/* fuzz_config.c - libFuzzer target: migrate.yml (libyaml, ${VAR} expansion, every key) */
#include "config/config.h"
#include "base/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char path[64];

static void cleanup(void)
{
	unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd;

	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "/tmp/migrate-fuzz-config.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		abort();
	close(fd);
	atexit(cleanup);
	setenv("FUZZ_SET", "from-the-environment", 1);
	unsetenv("FUZZ_UNSET");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	struct config c;

	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	log_verbosity = -1;
	config_init(&c);
	config_load(&c, path);
	config_rule_level(&c, "prefer-bigint");
	config_release(&c);
	return 0;
}
