/*
 * fuzz.h — what the libFuzzer targets of tests/fuzz share: the entry
 * points each defines (FUZZ_INIT_JSON for those that need only Jansson's
 * set-up), and a check that stops the run (libFuzzer then saves the input
 * as a crash) when a property does not hold.
 * SPDX-License-Identifier: MIT
 */
#ifndef MT_FUZZ_H
#define MT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

/* The LLVMFuzzerInitialize of a target that needs only json_init(). */
#define FUZZ_INIT_JSON							\
int									\
LLVMFuzzerInitialize(int *argc, char ***argv)				\
{									\
	(void)argc;							\
	(void)argv;							\
	json_init();							\
	return 0;							\
}

/* A property of the code under test failed: report and stop. */
#define FUZZ_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "property failed: %s: ", #cond);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

#endif
