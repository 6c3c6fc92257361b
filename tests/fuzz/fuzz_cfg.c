/*
 * fuzz_cfg.c — the configuration file parser (lib/cfg.c): the input is
 * the file, read through cfg_load() as every program reads
 * $MTCHAT_CONFIG (the environment of the fuzzer sets no key). Properties:
 * 0 or MT_EINVAL (memory does not run out here); a refusal is one line
 * of text that names the file or the key; an accepted file loads again
 * to the same values (cfg_value_text() of every key).
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE		/* memfd_create */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cfg.h"
#include "err.h"
#include "fuzz.h"
#include "json.h"

static char path[64];
static int fd = -1;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int i;
	struct cfg_key_info k;

	(void)argc;
	(void)argv;
	json_init();
	/* no key from the environment: the file alone decides */
	for (i = 0; cfg_key(i, &k) == 0; i++)
		unsetenv(k.name);
	unsetenv("MTCHAT_CONFIG");
	if ((fd = memfd_create("mtchat.conf", 0)) == -1)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

static void
values(const struct cfg *c, char *out, size_t len)
{
	char v[512];
	size_t o = 0;
	int i;

	for (i = 0; i < cfg_key_count() && o < len; i++) {
		cfg_value_text(c, i, v, sizeof(v));
		o += (size_t)snprintf(out + o, len - o, "%s\n", v);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char a[65536], b[65536];
	char err[CFG_ERR_LEN];
	struct cfg c;
	int rc;

	if (size > 32768 || ftruncate(fd, 0) != 0 ||
	    pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	rc = cfg_load(&c, path, err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == MT_EINVAL, "rc %d", rc);
	if (rc != 0) {
		FUZZ_CHECK(*err != '\0' && strchr(err, '\n') == NULL,
		    "refusal: \"%s\"", err);
		return 0;
	}
	values(&c, a, sizeof(a));
	cfg_reset(&c);
	FUZZ_CHECK(cfg_load(&c, path, err, sizeof(err)) == 0, "second load");
	values(&c, b, sizeof(b));
	cfg_reset(&c);
	FUZZ_CHECK(strcmp(a, b) == 0, "two loads differ");
	return 0;
}
