/*
 * members.c — the bridge's membership cache: which users are in which
 * dialogs, loaded once at start (store_bridge_load(), together with the
 * change-log head) and then kept current from the participant.joined,
 * participant.left and dialog.deleted rows of the log as they are tailed,
 * in seq order. It answers the audience rules (lib/audience.c) without a
 * database query per event.
 */
#include <string.h>

#include "bridge.h"
#include "changelog.h"
#include "err.h"
#include "log.h"
#include "mem.h"
#include "store_bridge.h"

static bool	op_is_member(void *, const char *, const char *, int64_t);
static bool	op_shares(void *, const char *, const char *);
static void	op_each_member(void *, const char *,
		    void (*)(const char *, void *), void *);
static void	op_each_peer(void *, const char *,
		    void (*)(const char *, void *), void *);

static struct user *
user_find(struct bridge *b, const char *name)
{
	return (struct user *)htab_find(&b->users, name, htab_hash(name));
}

static struct dialog *
dialog_find(struct bridge *b, const char *id)
{
	return (struct dialog *)htab_find(&b->dialogs, id, htab_hash(id));
}

struct user *
members_user(struct bridge *b, const char *name, bool create)
{
	struct user *u = user_find(b, name);

	if (u != NULL || !create)
		return u;
	if ((u = mt_calloc(1, sizeof(*u))) == NULL ||
	    (u->h.key = mt_strdup(name)) == NULL) {
		mt_free(u);
		return NULL;
	}
	u->h.hash = htab_hash(name);
	if (htab_add(&b->users, &u->h) != 0) {
		mt_free(u->h.key);
		mt_free(u);
		return NULL;
	}
	return u;
}

struct user *
members_each_user(struct bridge *b, const char *name)
{
	if (b->each != NULL && b->each->h.key == name)
		return b->each;
	return user_find(b, name);
}

void
members_gc(struct bridge *b, struct user *u)
{
	if (u == NULL || u->ndialogs > 0 || u->conns != NULL || u->online ||
	    u->queued || u->poll_seen != 0)
		return;
	htab_del(&b->users, &u->h);
	mt_free(u->dialogs);
	mt_free(u->h.key);
	mt_free(u);
}

/* Appends p to a growable array of pointers. */
static int
ptr_push(void ***arr, size_t *n, size_t *cap, void *p)
{
	void **a;

	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 4;

		if ((a = mt_realloc(*arr, c * sizeof(*a))) == NULL)
			return MT_ENOMEM;
		*arr = a;
		*cap = c;
	}
	(*arr)[(*n)++] = p;
	return 0;
}

/* Removes p (order is not kept); whether it was there. */
static bool
ptr_drop(void **arr, size_t *n, const void *p)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (arr[i] == p) {
			arr[i] = arr[--*n];
			return true;
		}
	return false;
}

static bool
user_in(const struct user *u, const struct dialog *d)
{
	size_t i;

	for (i = 0; i < u->ndialogs; i++)
		if (u->dialogs[i] == d)
			return true;
	return false;
}

static int
join(struct bridge *b, const char *dialog_id, const char *name)
{
	struct dialog *d = dialog_find(b, dialog_id);
	struct user *u;

	if (d == NULL) {
		if ((d = mt_calloc(1, sizeof(*d))) == NULL ||
		    (d->h.key = mt_strdup(dialog_id)) == NULL) {
			mt_free(d);
			return MT_ENOMEM;
		}
		d->h.hash = htab_hash(dialog_id);
		if (htab_add(&b->dialogs, &d->h) != 0) {
			mt_free(d->h.key);
			mt_free(d);
			return MT_ENOMEM;
		}
	}
	if ((u = members_user(b, name, true)) == NULL)
		return MT_ENOMEM;
	if (user_in(u, d))
		return 0;
	if (ptr_push((void ***)&d->members, &d->n, &d->cap, u) != 0)
		return MT_ENOMEM;
	if (ptr_push((void ***)&u->dialogs, &u->ndialogs, &u->cdialogs, d)
	    != 0) {
		d->n--;
		return MT_ENOMEM;
	}
	return 0;
}

static void
dialog_free(struct bridge *b, struct dialog *d)
{
	htab_del(&b->dialogs, &d->h);
	mt_free(d->members);
	mt_free(d->h.key);
	mt_free(d);
}

static void
leave(struct bridge *b, const char *dialog_id, const char *name)
{
	struct dialog *d = dialog_find(b, dialog_id);
	struct user *u = user_find(b, name);

	if (d == NULL || u == NULL)
		return;
	ptr_drop((void **)d->members, &d->n, u);
	ptr_drop((void **)u->dialogs, &u->ndialogs, d);
	if (d->n == 0)
		dialog_free(b, d);
	members_gc(b, u);
}

static void
drop_dialog(struct bridge *b, const char *dialog_id)
{
	struct dialog *d = dialog_find(b, dialog_id);
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++)
		ptr_drop((void **)d->members[i]->dialogs,
		    &d->members[i]->ndialogs, d);
	for (i = 0; i < d->n; i++)
		members_gc(b, d->members[i]);
	dialog_free(b, d);
}

void
members_apply(struct bridge *b, const struct changelog_row *r)
{
	if (r->dialog_id == NULL)
		return;
	if (strcmp(r->type, "participant.joined") == 0 &&
	    r->subject_user != NULL) {
		if (join(b, r->dialog_id, r->subject_user) != 0)
			log_warnx("%s: out of memory at seq %lld", __func__,
			    (long long)r->seq);
	} else if (strcmp(r->type, "participant.left") == 0 &&
	    r->subject_user != NULL)
		leave(b, r->dialog_id, r->subject_user);
	else if (strcmp(r->type, "dialog.deleted") == 0)
		drop_dialog(b, r->dialog_id);
}

bool
members_has_dialog(struct bridge *b, const char *dialog_id, const char *user)
{
	return op_is_member(b, dialog_id, user, 0);
}

static int
load_one(const char *dialog_id, const char *user, void *arg)
{
	if (dialog_id == NULL || user == NULL)
		return 0;
	return join(arg, dialog_id, user);
}

int
members_load(struct bridge *b)
{
	b->ops.is_member = op_is_member;
	b->ops.shares_dialog = op_shares;
	b->ops.each_member = op_each_member;
	b->ops.each_peer = op_each_peer;
	b->ops.ctx = b;
	return store_bridge_load(b->st, load_one, b, &b->cursor);
}

void
members_free(struct bridge *b)
{
	struct hnode *n, *next;
	size_t i;

	for (i = 0; i < b->dialogs.nb; i++)
		for (n = b->dialogs.b[i]; n != NULL; n = next) {
			next = n->next;
			mt_free(((struct dialog *)n)->members);
			mt_free(n->key);
			mt_free(n);
		}
	for (i = 0; i < b->users.nb; i++)
		for (n = b->users.b[i]; n != NULL; n = next) {
			next = n->next;
			mt_free(((struct user *)n)->dialogs);
			mt_free(n->key);
			mt_free(n);
		}
	htab_free(&b->dialogs);
	htab_free(&b->users);
}

/* Live: the membership is the one at the seq being delivered. */
static bool
op_is_member(void *ctx, const char *dialog_id, const char *name, int64_t seq)
{
	struct bridge *b = ctx;
	struct dialog *d = dialog_find(b, dialog_id);
	struct user *u;
	size_t i;

	(void)seq;
	if (d == NULL || (u = user_find(b, name)) == NULL)
		return false;
	if (u->ndialogs <= d->n)
		return user_in(u, d);
	for (i = 0; i < d->n; i++)
		if (d->members[i] == u)
			return true;
	return false;
}

static bool
op_shares(void *ctx, const char *a, const char *bname)
{
	struct bridge *b = ctx;
	struct user *ua = user_find(b, a), *ub = user_find(b, bname), *t;
	size_t i;

	if (ua == NULL || ub == NULL)
		return false;
	if (ua->ndialogs > ub->ndialogs) {
		t = ua;
		ua = ub;
		ub = t;
	}
	for (i = 0; i < ua->ndialogs; i++)
		if (user_in(ub, ua->dialogs[i]))
			return true;
	return false;
}

static void
op_each_member(void *ctx, const char *dialog_id,
    void (*cb)(const char *, void *), void *arg)
{
	struct bridge *b = ctx;
	struct dialog *d = dialog_find(b, dialog_id);
	size_t i;

	for (i = 0; d != NULL && i < d->n; i++) {
		b->each = d->members[i];
		cb(d->members[i]->h.key, arg);
	}
	b->each = NULL;
}

static void
op_each_peer(void *ctx, const char *name, void (*cb)(const char *, void *),
    void *arg)
{
	struct bridge *b = ctx;
	struct user *u = user_find(b, name), *m;
	size_t i, j;

	if (u == NULL)
		return;
	u->mark = ++b->mark;
	for (i = 0; i < u->ndialogs; i++)
		for (j = 0; j < u->dialogs[i]->n; j++) {
			m = u->dialogs[i]->members[j];
			if (m->mark == b->mark)
				continue;
			m->mark = b->mark;
			b->each = m;
			cb(m->h.key, arg);
		}
	b->each = NULL;
}
