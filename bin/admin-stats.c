/* admin-stats.c — `mtchat-admin stats`: counts and sizes, text or JSON. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "admin.h"
#include "json.h"
#include "mem.h"
#include "store.h"
#include "store_hooks.h"

struct all_stats {
	struct store_stats	s;
	struct hooks_counts	h;
};

struct stat_field {
	const char	*name;
	size_t		 off;
};

#define F(m)	offsetof(struct all_stats, m)
static const struct stat_field fields[] = {
	{ "dialogs", F(s.dialogs) },
	{ "messages", F(s.messages) },
	{ "participants", F(s.participants) },
	{ "changelog_rows", F(s.changelog) },
	{ "changelog_first_seq", F(s.changelog_first) },
	{ "changelog_last_seq", F(s.changelog_last) },
	{ "presence_rows", F(s.presence) },
	{ "database_bytes", F(s.db_bytes) },
	{ "hooks_queued", F(h.queued) },
	{ "hooks_checks", F(h.checks) },
	{ "hooks_dead_letters", F(h.dead) },
};
#undef F

static int64_t
field(const struct all_stats *s, size_t i)
{
	return *(const int64_t *)(const void *)((const char *)s +
	    fields[i].off);
}

static int
print_json(const struct all_stats *s)
{
	json_t *o = json_object();
	char *text;
	size_t i;

	if (o == NULL)
		return 1;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (json_add_int(o, fields[i].name, field(s, i)) != 0) {
			json_decref(o);
			return 1;
		}
	text = json_encode(o);
	json_decref(o);
	if (text == NULL)
		return 1;
	printf("%s\n", text);
	mt_free(text);
	return 0;
}

int
admin_stats(struct admin_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct all_stats s;
	struct store *st;
	int ch, as_json = 0, rc;
	size_t i;

	while ((ch = getopt_long(argc, argv, "j", longopts, NULL)) != -1) {
		if (ch != 'j')
			return admin_usage(argv[0]);
		as_json = 1;
	}
	if (optind != argc)
		return admin_usage(argv[0]);
	if (admin_open(ctx, &st, false, false) != 0)
		return 1;
	if ((rc = store_stats(st, &s.s)) == 0)
		rc = store_hooks_counts(st, &s.h);
	store_close(st);
	if (rc != 0) {
		fprintf(stderr, "mtchat-admin: stats failed\n");
		return 1;
	}
	if (as_json)
		return print_json(&s);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		printf("%-20s %lld\n", fields[i].name, (long long)field(&s, i));
	return 0;
}
