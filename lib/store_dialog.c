/*
 * store_dialog.c — the statements of the dialog endpoints (docs/rest.md C1–C11,
 * C13): lists, single dialogs, join/leave, per-user flags, participants.
 *
 * A list is built in a fixed number of queries whatever its length: one
 * for the page (dialog, participant count and the caller's own row; for
 * the caller's own dialogs, one for the page's ids and one for their
 * dialog rows), one for the last messages of the page and one for its
 * participants. The caller's own
 * dialogs (C1) are ordered from covering indexes, reading only the page's
 * dialog rows (sql/0002-counts.sql). Scope access (docs/api.md#scopes) is
 * decided here in C by scope_row_matches() on the stored JSON levels; for
 * "available" dialogs the candidate scope rows come from the
 * access_scope_values index (a row whose levels are all empty has no index rows
 * and matches every header, so those rows are read too).
 *
 * Search (F21) is a case-insensitive substring test through mt_fold(), a
 * SQL function registered here that lower-cases UTF-8 (Unicode letters too,
 * as the reference's ILIKE does), so % and _ are ordinary characters.
 * (sql/pg/0002-schema.sql defines the same function on PostgreSQL.)
 *
 * A parameter that may be NULL is written CAST(?n AS type) IS NULL: SQLite
 * does not mind, and PostgreSQL cannot tell the type of a bare "?n IS NULL".
 *
 * The reads fill the rows of lib/rows.h (a struct dialog_page for the
 * lists and C2), which lib/shape.c turns into JSON. JSON here is not an
 * API shape: the page's ids and the caller's scope values are bound as
 * JSON arrays for json_each(), the stored scope levels are parsed for
 * scope_row_matches(), and the system messages of C5 and C6 have JSON
 * content (docs/rest.md#system-messages).
 */
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>
#include <string.h>
#include <wctype.h>

#include "err.h"
#include "event_body.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "scope.h"
#include "store_common.h"
#include "store_dialog.h"
#include "store_int.h"
#include "tm.h"

/*
 * A dialog list item's row: the dialog, then these columns, the caller's
 * own from participant row p (NULL when not a participant).
 */
#define ITEM_COLS	DIALOG_COLS ", d.last_message_at, d.participants_count," \
	" p.user_id IS NOT NULL, d.user_messages, p.read_messages," \
	" p.is_archived, p.is_pinned, p.notifications_enabled"
enum {	/* from COL_READ on: own_of_row() */
	COL_LAST_AT = DIALOG_NCOLS, COL_COUNT, COL_IS_PART, COL_USER_MSGS,
	COL_READ
};

/* Search parameter ?N: the folded text, or NULL for no filter. */
#define SEARCH(n)	"(CAST(?" #n " AS TEXT) IS NULL" \
	" OR instr(mt_fold(d.title), ?" #n ") > 0" \
	" OR EXISTS (SELECT 1 FROM participants s WHERE s.dialog_id = d.id" \
	" AND instr(mt_fold(s.company), ?" #n ") > 0))"

/*
 * C1 participating: the page's dialog ids and the caller's own state, pinned
 * first, then last activity (F6), chosen from the covering indexes
 * participants_list and dialogs_list (sql/0002-counts.sql) without reading
 * a row; with a search, the dialogs' titles are read too (SEARCH(3)). Then
 * SQL_MINE_DIALOGS reads the page's dialogs.
 */
#define LIST_MINE(dialogs, search) \
	"SELECT p.dialog_id, p.read_messages, p.is_archived, p.is_pinned," \
	" p.notifications_enabled" \
	" FROM participants p JOIN " dialogs " ON d.id = p.dialog_id" \
	" WHERE p.user_id = ?1 AND (CAST(?2 AS INTEGER) IS NULL" \
	" OR p.is_archived = ?2)" \
	search " ORDER BY p.is_pinned DESC," \
	" coalesce(d.last_message_at, d.created_at) DESC, p.dialog_id DESC" \
	" LIMIT ?4 OFFSET ?5"
static const char SQL_LIST_MINE[] =
	LIST_MINE("dialogs d INDEXED BY dialogs_list", " AND CAST(?3 AS TEXT) IS NULL");
static const char SQL_LIST_MINE_SEARCH[] =
	LIST_MINE("dialogs d", " AND " SEARCH(3));
/* The dialogs of a JSON array of ids: ITEM_COLS up to COL_USER_MSGS. */
static const char SQL_MINE_DIALOGS[] =
	"SELECT " DIALOG_COLS ", d.last_message_at, d.participants_count,"
	" 1, d.user_messages FROM json_each(?1) j"
	" JOIN dialogs d ON d.id = j.value";
/* C1 available: the dialogs of a JSON array of ids, last activity first. */
static const char SQL_LIST_OPEN[] =
	"SELECT " ITEM_COLS " FROM dialogs d"
	" LEFT JOIN participants p ON p.dialog_id = d.id AND p.user_id = ?1"
	" WHERE d.id IN (SELECT value FROM json_each(?2))"
	" AND p.user_id IS NULL AND " SEARCH(3)
	" ORDER BY coalesce(d.last_message_at, d.created_at) DESC, d.id DESC"
	" LIMIT ?4 OFFSET ?5";
/*
 * C3/C4: the dialogs of an object, newest first: the caller's own (if ?4,
 * with the archived filter ?5) and, never overlapping them (F8), those of
 * the JSON array ?6 where the caller is not a participant.
 */
static const char SQL_LIST_OBJECT[] =
	"SELECT " ITEM_COLS " FROM dialogs d"
	" LEFT JOIN participants p ON p.dialog_id = d.id AND p.user_id = ?1"
	" WHERE d.object_type = ?2 AND d.object_id = ?3"
	" AND ((?4 <> 0 AND p.user_id IS NOT NULL"
	" AND (CAST(?5 AS INTEGER) IS NULL OR p.is_archived = ?5))"
	" OR (p.user_id IS NULL AND d.id IN (SELECT value FROM json_each(?6))))"
	" AND " SEARCH(7)
	" ORDER BY d.created_at DESC, d.id DESC LIMIT ?8";
/*
 * The newest message of each dialog of a JSON array, with its sender;
 * found by rowid in messages_dialog, which saves a search by id (the
 * index has no row addresses on PostgreSQL: by id there).
 */
#define LAST_MESSAGES(rowid) \
	"SELECT m.dialog_id, m.id, m.content, m.sender_id, s.display_name," \
	" m.sent_at, m.message_type FROM json_each(?1) j" \
	" JOIN messages m ON m." rowid " = (SELECT x." rowid " FROM messages x" \
	" WHERE x.dialog_id = j.value ORDER BY x.id DESC LIMIT 1)" \
	" LEFT JOIN participants s ON s.dialog_id = m.dialog_id" \
	" AND s.user_id = m.sender_id"
static const struct sql2 SQL_LAST_MESSAGES = {
	LAST_MESSAGES("rowid"), LAST_MESSAGES("id"),
};
static const char SQL_SUMMARIES[] =
	"SELECT p.dialog_id, p.user_id, p.display_name, p.company"
	" FROM participants p"
	" WHERE p.dialog_id IN (SELECT value FROM json_each(?1))"
	" ORDER BY p.dialog_id, p.joined_at, p.user_id";

/*
 * Scope rows (dialog_id, level0, level1, level2) that may match a user
 * whose levels are the JSON arrays ?1..?3, of dialogs ?4 is not in: those
 * sharing a value with the user (index), and those with no value at all.
 */
static const char SQL_SCOPES_OPEN[] =
	"SELECT a.dialog_id, a.scope_level0, a.scope_level1, a.scope_level2"
	" FROM access_scopes a WHERE a.id IN ("
	" SELECT v.scope_id FROM access_scope_values v WHERE v.level = 0"
	" AND v.value IN (SELECT value FROM json_each(?1))"
	" UNION SELECT v.scope_id FROM access_scope_values v WHERE v.level = 1"
	" AND v.value IN (SELECT value FROM json_each(?2))"
	" UNION SELECT v.scope_id FROM access_scope_values v WHERE v.level = 2"
	" AND v.value IN (SELECT value FROM json_each(?3)))"
	" AND NOT EXISTS (SELECT 1 FROM participants p"
	" WHERE p.dialog_id = a.dialog_id AND p.user_id = ?4)"
	" UNION ALL"
	" SELECT a.dialog_id, a.scope_level0, a.scope_level1, a.scope_level2"
	" FROM access_scopes a WHERE a.scope_level0 = '[]'"
	" AND a.scope_level1 = '[]' AND a.scope_level2 = '[]'"
	" AND NOT EXISTS (SELECT 1 FROM participants p"
	" WHERE p.dialog_id = a.dialog_id AND p.user_id = ?4)";
/* Scope rows of an object's dialogs that ?3 is not in. */
static const char SQL_SCOPES_OBJECT[] =
	"SELECT a.dialog_id, a.scope_level0, a.scope_level1, a.scope_level2"
	" FROM dialogs d JOIN access_scopes a ON a.dialog_id = d.id"
	" WHERE d.object_type = ?1 AND d.object_id = ?2"
	" AND NOT EXISTS (SELECT 1 FROM participants p"
	" WHERE p.dialog_id = d.id AND p.user_id = ?3)";
static const char SQL_SCOPES_DIALOG[] =
	"SELECT a.dialog_id, a.scope_level0, a.scope_level1, a.scope_level2"
	" FROM access_scopes a WHERE a.dialog_id = ?1";

static const char SQL_DIALOG_ONE[] =
	"SELECT " DIALOG_COLS ", d.participants_count,"
	" p.user_id IS NOT NULL FROM dialogs d"
	" LEFT JOIN participants p ON p.dialog_id = d.id AND p.user_id = ?2"
	" WHERE d.id = ?1";
static const char SQL_PARTICIPANTS[] =
	"SELECT " PARTICIPANT_COLS ","
	" CASE WHEN EXISTS (SELECT 1 FROM presence pr"
	" WHERE pr.user_id = p.user_id AND pr.last_seen >= ?2) THEN 1 ELSE 0 END"
	" FROM " PARTICIPANT_FROM
	" WHERE p.dialog_id = ?1 ORDER BY p.joined_at, p.user_id";

/* C5: unread = the other users' user messages so far (F15). */
static const char SQL_JOIN_INSERT[] =
	"INSERT INTO participants (dialog_id, user_id, joined_at, joined_as,"
	" read_messages, display_name, company, email, phone)"
	" VALUES (?1, ?2, ?3, 'joined', " READ_MESSAGES(1, 2, "1 = 1") ","
	" ?4, ?5, ?6, ?7)";
static const char SQL_PARTICIPANT_NAME[] =
	"SELECT display_name FROM participants"
	" WHERE dialog_id = ?1 AND user_id = ?2";
static const char SQL_PARTICIPANT_DELETE[] =
	"DELETE FROM participants WHERE dialog_id = ?1 AND user_id = ?2";
/* F13: a manual unarchive is remembered for the auto-archive job. */
static const char SQL_SET_ARCHIVED[] =
	"UPDATE participants SET is_archived = ?3, unarchived_at ="
	" CASE WHEN ?3 <> 0 THEN unarchived_at ELSE ?4 END"
	" WHERE dialog_id = ?1 AND user_id = ?2";
static const char SQL_SET_PINNED[] =
	"UPDATE participants SET is_pinned = ?3"
	" WHERE dialog_id = ?1 AND user_id = ?2";
static const char SQL_SET_NOTIFY[] =
	"UPDATE participants SET notifications_enabled = ?3"
	" WHERE dialog_id = ?1 AND user_id = ?2";

/* --- mt_fold(): Unicode lower-casing for search ------------------------ */

static locale_t	 fold_loc;	/* C.UTF-8; (locale_t)0: ASCII only */
static pthread_once_t fold_loc_once = PTHREAD_ONCE_INIT;

/* Decodes one valid UTF-8 sequence of at most n bytes; 0 if invalid. */
static size_t
utf8_get(const unsigned char *p, size_t n, uint32_t *cp)
{
	uint32_t c = p[0];
	size_t k, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		k = 1, c &= 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		k = 2, c &= 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 3, c &= 0x07;
	else
		return 0;
	if (k >= n)
		return 0;
	for (i = 1; i <= k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) ||
	    (k == 2 && c < 0x800) || (k == 3 && c < 0x10000))
		return 0;
	*cp = c;
	return k + 1;
}

static size_t
utf8_put(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

static uint32_t
fold_cp(uint32_t c)
{
	wint_t l;

	if (c < 0x80)
		return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
	if (fold_loc == (locale_t)0)
		return c;
	l = towlower_l((wint_t)c, fold_loc);
	return l > 0x10ffff || (l >= 0xd800 && l <= 0xdfff) ? c : (uint32_t)l;
}

/*
 * Lower-cases len bytes of UTF-8 into a new string (mt_free); bytes that
 * are not UTF-8 are copied as they are. A letter grows by at most one
 * byte in two, so 2 * len + 1 bytes always suffice.
 */
static char *
fold_dup(const char *s, size_t len, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = mt_malloc(2 * len + 1);
	size_t i = 0, o = 0, k;
	uint32_t c;

	if (out == NULL)
		return NULL;
	while (i < len) {
		if ((k = utf8_get(p + i, len - i, &c)) == 0) {
			out[o++] = (char)p[i++];
			continue;
		}
		o += utf8_put(fold_cp(c), out + o);
		i += k;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

static void
fold_sql(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *in;
	size_t len;
	char *out;

	(void)argc;
	if ((in = (const char *)sqlite3_value_text(argv[0])) == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	len = (size_t)sqlite3_value_bytes(argv[0]);
	if ((out = fold_dup(in, len, &len)) == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	sqlite3_result_text(ctx, out, (int)len, mt_free);
}

static void
fold_loc_open(void)
{
	fold_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* Defines mt_fold() on the store's connection, once. */
static int
fold_register(struct store *st)
{
	int rc;

	pthread_once(&fold_loc_once, fold_loc_open);	/* bind_search() too */
	if (st->fold_ready || st->pg != NULL)	/* sql/pg/ defines it */
		return 0;
	rc = sqlite3_create_function_v2(st->db, "mt_fold", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL, fold_sql, NULL,
	    NULL, NULL);
	if (rc != SQLITE_OK)
		return store_rc(st, rc, __func__);
	st->fold_ready = true;
	return 0;
}

/* Binds the folded search text (owned by *text afterwards), or NULL. */
static int
bind_search(struct dbstmt *s, int idx, const char *search, char **text)
{
	size_t len;

	*text = NULL;
	if (search == NULL || *search == '\0')
		return db_bind_null(s, idx) == SQLITE_OK ? 0 : MT_EIO;
	if ((*text = fold_dup(search, strlen(search), &len)) == NULL)
		return MT_ENOMEM;
	return db_bind_text(s, idx, *text, (int)len, SQLITE_STATIC) ==
	    SQLITE_OK ? 0 : MT_EIO;
}

/*
 * --- scope access (docs/api.md#scopes)
 * --------------------------------------------------
 */

/* A stored level (JSON text) parsed into *lv (NULL for SQL NULL). */
static int
level_json(struct dbstmt *s, int i, json_t **lv)
{
	const char *text = store_col_text(s, i);
	char err[64];

	*lv = NULL;
	if (text == NULL)
		return 0;
	*lv = json_parse(text, strlen(text), err, sizeof(err));
	if (json_is_array(*lv))
		return 0;
	/* ours, so out of memory (or a damaged row: never grant) */
	log_warnx("%s: scope level not readable: %s", __func__, err);
	return MT_EIO;
}

/* 1 if the row (dialog_id, level0..2) matches user, 0 if not, or MT_E*. */
static int
row_matches(struct dbstmt *s, const struct scope_set *user)
{
	json_t *lv[SCOPE_LEVELS] = { NULL, NULL, NULL };
	int i, rc = 0;

	for (i = 0; i < SCOPE_LEVELS && rc == 0; i++)
		rc = level_json(s, i + 1, &lv[i]);
	if (rc == 0)
		rc = scope_row_matches(user, lv[0], lv[1], lv[2]);
	for (i = 0; i < SCOPE_LEVELS; i++)
		json_decref(lv[i]);
	return rc;
}

/*
 * Steps s (rows: dialog_id, level0..2) to the end and puts into the object
 * set every dialog with a row that matches user. Resets s.
 */
static int
collect_matching(struct store *st, struct dbstmt *s,
    const struct scope_set *user, json_t *set)
{
	const char *id;
	int rc, m;

	while ((rc = store_step(st, s, __func__)) == 1) {
		id = store_col_text(s, 0);
		if (id == NULL || json_object_get(set, id) != NULL)
			continue;
		if ((m = row_matches(s, user)) > 0 &&
		    json_object_set_new(set, id, json_true()) != 0)
			m = MT_ENOMEM;
		if (m < 0) {
			db_reset(s);
			return m;
		}
	}
	return rc;
}

/* The keys of the object set as the text of a JSON array (mt_free). */
static char *
set_ids_text(json_t *set)
{
	struct jw w = JW_INIT;
	const char *key;
	json_t *v;

	jw_open(&w, NULL, '[');
	json_object_foreach(set, key, v)
		jw_str(&w, NULL, key);
	jw_close(&w, ']');
	return jw_take(&w, NULL);
}

/* Whether user has scope access to dialog_id (false without scopes). */
static int
scope_access(struct store *st, const char *dialog_id,
    const struct scope_set *user, bool *ok)
{
	struct dbstmt *s;
	json_t *set;
	int rc;

	*ok = false;
	if (user == NULL)
		return 0;
	if ((s = store_stmt(st, SQL_SCOPES_DIALOG)) == NULL)
		return MT_EIO;
	if ((set = json_object()) == NULL)
		return MT_ENOMEM;
	store_bind_text(s, 1, dialog_id);
	rc = collect_matching(st, s, user, set);
	*ok = json_object_size(set) > 0;
	json_decref(set);
	return rc;
}

/* A user's level as the text of a JSON array of strings (mt_free). */
static char *
level_text(const struct scope_set *user, int lv)
{
	struct jw w = JW_INIT;

	jw_open(&w, NULL, '[');
	for (size_t i = 0; i < user->n[lv]; i++)
		jw_str(&w, NULL, user->v[lv][i]);
	jw_close(&w, ']');
	return jw_take(&w, NULL);
}

/*
 * The dialogs open to f's scopes where f->user is not a participant — all
 * of them, or those of f's object — as the text of a JSON array (mt_free).
 */
static int
open_ids(struct store *st, const struct dialog_filter *f, char **ids)
{
	char *lv[SCOPE_LEVELS] = { NULL, NULL, NULL };
	json_t *set = json_object();
	struct dbstmt *s;
	int i, rc = MT_ENOMEM;

	*ids = NULL;
	if (set == NULL)
		return MT_ENOMEM;
	if (f->scopes != NULL && f->object_type != NULL) {
		if ((s = store_stmt(st, SQL_SCOPES_OBJECT)) == NULL)
			goto fail;
		store_bind_text(s, 1, f->object_type);
		store_bind_text(s, 2, f->object_id);
		store_bind_text(s, 3, f->user);
		if ((rc = collect_matching(st, s, f->scopes, set)) != 0)
			goto out;
	} else if (f->scopes != NULL) {
		for (i = 0; i < SCOPE_LEVELS; i++)
			if ((lv[i] = level_text(f->scopes, i)) == NULL)
				goto out;
		if ((s = store_stmt(st, SQL_SCOPES_OPEN)) == NULL)
			goto fail;
		for (i = 0; i < SCOPE_LEVELS; i++)
			store_bind_text(s, i + 1, lv[i]);
		store_bind_text(s, 4, f->user);
		if ((rc = collect_matching(st, s, f->scopes, set)) != 0)
			goto out;
	}
	rc = (*ids = set_ids_text(set)) != NULL ? 0 : MT_ENOMEM;
	goto out;
fail:
	rc = MT_EIO;
out:
	for (i = 0; i < SCOPE_LEVELS; i++)
		mt_free(lv[i]);
	json_decref(set);
	return rc;
}

/*
 * --- list items (docs/rest.md#dialog-list-item)
 * -------------------------------------------------------------------------
 */

/*
 * The caller's own state from columns c.. of a row: read_messages,
 * is_archived, is_pinned, notifications_enabled (ITEM_COLS from COL_READ,
 * LIST_MINE from 1).
 */
static void
own_of_row(struct dialog_item *it, struct dbstmt *s, int c)
{
	it->read_messages = db_column_int64(s, c);
	it->is_archived = db_column_int(s, c + 1) != 0;
	it->is_pinned = db_column_int(s, c + 2) != 0;
	it->notifications_enabled = db_column_int(s, c + 3) != 0;
}

/*
 * The item's dialog from a row of ITEM_COLS up to COL_USER_MSGS, with the
 * unread count of F15 (sql/0002-counts.sql) where the caller takes part.
 */
static int
item_of_row(struct dialog_page *pg, struct dialog_item *it, struct dbstmt *s)
{
	store_read_dialog(s, 0, &pg->arena, &it->d);
	it->has_dialog = true;
	it->participants_count = db_column_int64(s, COL_COUNT);
	if (it->mine)
		it->unread_count = db_column_int64(s, COL_USER_MSGS) -
		    it->read_messages;
	if ((it->has_last_at = db_column_type(s, COL_LAST_AT) != SQLITE_NULL))
		it->last_message_at = db_column_int64(s, COL_LAST_AT);
	return pg->arena.err;
}

/* A new empty item at the end of the page; NULL when out of memory. */
static struct dialog_item *
page_push(struct dialog_page *pg, const char *id)
{
	struct dialog_item *it;

	if (id == NULL)
		return NULL;
	if (mt_reserve(&pg->it, &pg->cap, pg->n + 1, sizeof(*it)) != 0)
		return NULL;
	it = &pg->it[pg->n];
	memset(it, 0, sizeof(*it));
	if ((it->id = arena_dup(&pg->arena, id)) == NULL)
		return NULL;
	pg->n++;
	return it;
}

static int
page_add(struct dialog_page *pg, struct dbstmt *s)
{
	struct dialog_item *it = page_push(pg, store_col_text(s, 0));

	if (it == NULL)
		return MT_ENOMEM;
	if ((it->mine = db_column_int(s, COL_IS_PART) != 0))
		own_of_row(it, s, COL_READ);
	return item_of_row(pg, it, s);
}

/* An item from a LIST_MINE row: its dialog comes later. */
static int
page_add_own(struct dialog_page *pg, struct dbstmt *s)
{
	struct dialog_item *it = page_push(pg, store_col_text(s, 0));

	if (it == NULL)
		return MT_ENOMEM;
	it->mine = true;
	own_of_row(it, s, 1);
	return 0;
}

static int
by_id_cmp(const void *a, const void *b)
{
	return strcmp((*(struct dialog_item *const *)a)->id,
	    (*(struct dialog_item *const *)b)->id);
}

/* Sorts the index by id, for page_find(). */
static int
page_index(struct dialog_page *pg)
{
	if (pg->n == 0)
		return 0;
	if ((pg->by_id = mt_malloc(pg->n * sizeof(*pg->by_id))) == NULL)
		return MT_ENOMEM;
	for (size_t i = 0; i < pg->n; i++)
		pg->by_id[i] = &pg->it[i];
	qsort(pg->by_id, pg->n, sizeof(*pg->by_id), by_id_cmp);
	return 0;
}

/* The item of dialog id, or NULL. */
static struct dialog_item *
page_find(const struct dialog_page *pg, const char *id)
{
	size_t lo = 0, hi = pg->n, mid;
	int c;

	while (id != NULL && lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(id, pg->by_id[mid]->id)) == 0)
			return pg->by_id[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int
page_fill(struct store *st, struct dbstmt *s, struct dialog_page *pg,
    int (*add)(struct dialog_page *, struct dbstmt *))
{
	int rc, err;

	while ((rc = store_step(st, s, __func__)) == 1)
		if ((err = add(pg, s)) != 0) {
			db_reset(s);
			return err;
		}
	err = page_index(pg);
	return err != 0 ? err : rc;
}

/*
 * Binds, as ?1 of sql, the JSON array of the page's ids (only the
 * caller's own with mine_only); *text owns it. NULL on failure. (A
 * parameter for json_each(), not an API shape.)
 */
static struct dbstmt *
stmt_with_ids(struct store *st, const char *sql, const struct dialog_page *pg,
    bool mine_only, char **text)
{
	struct jw w = JW_INIT;
	struct dbstmt *s;

	jw_open(&w, NULL, '[');
	for (size_t i = 0; i < pg->n; i++)
		if (!mine_only || pg->it[i].mine)
			jw_str(&w, NULL, pg->it[i].id);
	jw_close(&w, ']');
	if ((*text = jw_take(&w, NULL)) == NULL)
		return NULL;
	if ((s = store_stmt(st, sql)) == NULL)
		return NULL;
	store_bind_text(s, 1, *text);
	return s;
}

/* Runs sql over the page's ids, handing each row to add with its item. */
static int
page_query(struct store *st, struct dialog_page *pg, const char *sql,
    bool mine_only, int (*add)(struct dialog_page *, struct dialog_item *,
    struct dbstmt *))
{
	struct dialog_item *it;
	struct dbstmt *s;
	char *ids = NULL;
	int rc;

	if (pg->n == 0)
		return 0;
	if ((s = stmt_with_ids(st, sql, pg, mine_only, &ids)) == NULL) {
		rc = ids == NULL ? MT_ENOMEM : MT_EIO;
		mt_free(ids);
		return rc;
	}
	while ((rc = store_step(st, s, __func__)) == 1) {
		it = page_find(pg, store_col_text(s, 0));
		if (it != NULL && (rc = add(pg, it, s)) != 0) {
			db_reset(s);
			break;
		}
	}
	mt_free(ids);
	return rc;
}

/* The last message of an item, from a SQL_LAST_MESSAGES row. */
static int
add_last(struct dialog_page *pg, struct dialog_item *it, struct dbstmt *s)
{
	struct arena *a = &pg->arena;

	it->has_last = true;
	it->last.id = store_col_arena(s, 1, a);
	it->last.content = store_col_arena(s, 2, a);
	it->last.sender_id = store_col_arena(s, 3, a);
	it->last.sender_name = store_col_arena(s, 4, a);
	it->last.sent_at = db_column_int64(s, 5);
	it->last.message_type = store_col_arena(s, 6, a);
	return a->err;
}

/*
 * A participant summary of an item, from a SQL_SUMMARIES row: the rows
 * come grouped by dialog, so an item's summaries are consecutive.
 */
static int
add_summary(struct dialog_page *pg, struct dialog_item *it, struct dbstmt *s)
{
	struct summary_row *r;

	if (it->nsum > 0 && it->first + it->nsum != pg->nsum)
		return MT_EIO;		/* not grouped: never */
	if (mt_reserve(&pg->sum, &pg->sumcap, pg->nsum + 1, sizeof(*r)) != 0)
		return MT_ENOMEM;
	if (it->nsum++ == 0)
		it->first = pg->nsum;
	r = &pg->sum[pg->nsum++];
	r->user_id = store_col_arena(s, 1, &pg->arena);
	r->display_name = store_col_arena(s, 2, &pg->arena);
	r->company = store_col_arena(s, 3, &pg->arena);
	return pg->arena.err;
}

/* The dialog of an item of page_add_own(), from a SQL_MINE_DIALOGS row. */
static int
add_dialog(struct dialog_page *pg, struct dialog_item *it, struct dbstmt *s)
{
	return item_of_row(pg, it, s);
}

/*
 * Fills the page from the bound statement s, rows of ITEM_COLS or, with
 * own_rows, of LIST_MINE, then completes its items.
 */
static int
page_run(struct store *st, struct dbstmt *s, struct dialog_page *pg,
    bool own_rows)
{
	int rc;

	if ((rc = page_fill(st, s, pg, own_rows ? page_add_own : page_add))
	    != 0 || (own_rows && (rc = page_query(st, pg, SQL_MINE_DIALOGS,
	    false, add_dialog)) != 0) ||
	    (rc = page_query(st, pg, store_sql(st, SQL_LAST_MESSAGES), true,
	    add_last)) != 0 ||
	    (rc = page_query(st, pg, SQL_SUMMARIES, false, add_summary)) != 0)
		return rc;
	return 0;
}

/* --- C1, C3, C4 ---------------------------------------------------------- */

static void
bind_archived(struct dbstmt *s, int idx, int archived)
{
	if (archived < 0)
		db_bind_null(s, idx);
	else
		db_bind_int(s, idx, archived != 0);
}

static int
list_mine(struct store *st, const struct dialog_filter *f,
    struct dialog_page *pg)
{
	bool searching = f->search != NULL && *f->search != '\0';
	struct dbstmt *s = store_stmt(st, searching ? SQL_LIST_MINE_SEARCH :
	    SQL_LIST_MINE);
	char *search = NULL;
	int rc;

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, f->user);
	bind_archived(s, 2, f->archived);
	if ((rc = bind_search(s, 3, f->search, &search)) == 0) {
		store_bind_limit(s, 4, f->limit);
		db_bind_int64(s, 5, f->offset);
		rc = page_run(st, s, pg, true);
	}
	db_reset(s);
	mt_free(search);
	return rc;
}

static int
list_open(struct store *st, const struct dialog_filter *f,
    struct dialog_page *pg)
{
	char *ids = NULL, *search = NULL;
	struct dbstmt *s;
	int rc;

	if ((rc = open_ids(st, f, &ids)) != 0)
		return rc;
	if ((s = store_stmt(st, SQL_LIST_OPEN)) == NULL) {
		mt_free(ids);
		return MT_EIO;
	}
	store_bind_text(s, 1, f->user);
	store_bind_text(s, 2, ids);
	if ((rc = bind_search(s, 3, f->search, &search)) == 0) {
		store_bind_limit(s, 4, f->limit);
		db_bind_int64(s, 5, f->offset);
		rc = page_run(st, s, pg, false);
	}
	db_reset(s);
	mt_free(search);
	mt_free(ids);
	return rc;
}

/* Frees a failed result, so that the caller has nothing to free. */
static int
page_done(struct dialog_page *pg, int rc)
{
	if (rc != 0)
		dialog_page_free(pg);
	return rc;
}

int
store_dialog_list(struct store *st, const struct dialog_filter *f,
    struct dialog_page *pg)
{
	int rc;

	memset(pg, 0, sizeof(*pg));
	if ((rc = fold_register(st)) == 0 && f->limit > 0)
		rc = f->available ? list_open(st, f, pg) :
		    list_mine(st, f, pg);
	return page_done(pg, rc);
}

/* C3/C4: the object's dialogs in the branches of f, up to limit (-1). */
static int
list_object(struct store *st, const struct dialog_filter *f, long limit,
    struct dialog_page *pg)
{
	char *ids = NULL, *search = NULL;
	struct dbstmt *s;
	int rc;

	if (f->available && (rc = open_ids(st, f, &ids)) != 0)
		return rc;
	if ((s = store_stmt(st, SQL_LIST_OBJECT)) == NULL) {
		mt_free(ids);
		return MT_EIO;
	}
	store_bind_text(s, 1, f->user);
	store_bind_text(s, 2, f->object_type);
	store_bind_text(s, 3, f->object_id);
	db_bind_int(s, 4, f->participating);
	bind_archived(s, 5, f->archived);
	store_bind_text(s, 6, ids ? ids : "[]");
	if ((rc = bind_search(s, 7, f->search, &search)) == 0) {
		store_bind_limit(s, 8, limit);
		rc = page_run(st, s, pg, false);
	}
	db_reset(s);
	mt_free(search);
	mt_free(ids);
	return rc;
}

int
store_dialog_list_by_object(struct store *st, const struct dialog_filter *f,
    struct dialog_page *pg)
{
	int rc;

	memset(pg, 0, sizeof(*pg));
	if ((rc = fold_register(st)) == 0)
		rc = list_object(st, f, -1, pg);
	return page_done(pg, rc);
}

int
store_dialog_by_object(struct store *st, const struct dialog_filter *f,
    struct dialog_page *pg)
{
	struct dialog_filter one = *f;
	int rc;

	memset(pg, 0, sizeof(*pg));
	one.participating = true;
	one.available = f->scopes != NULL;
	one.archived = -1;
	one.search = NULL;
	if ((rc = fold_register(st)) == 0)
		rc = list_object(st, &one, 1, pg);
	return page_done(pg, rc);
}

/* --- C2 ------------------------------------------------------------------ */

/*
 * Reads the dialog into the page's one item (DIALOG_COLS, the count, the
 * caller's participation); the page stays empty when it does not exist.
 */
static int
dialog_one(struct store *st, const char *dialog_id, const char *user,
    struct dialog_page *pg)
{
	struct dbstmt *s = store_stmt(st, SQL_DIALOG_ONE);
	struct dialog_item *it;
	int rc;

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, dialog_id);
	store_bind_text(s, 2, user);
	if ((rc = store_step(st, s, __func__)) != 1)
		return rc;
	if ((it = page_push(pg, store_col_text(s, 0))) == NULL)
		rc = MT_ENOMEM;
	else {
		store_read_dialog(s, 0, &pg->arena, &it->d);
		it->has_dialog = true;
		it->participants_count = db_column_int64(s, DIALOG_NCOLS);
		it->mine = db_column_int(s, DIALOG_NCOLS + 1) != 0;
		rc = pg->arena.err;
	}
	db_reset(s);
	return rc;
}

int
store_dialog_get(struct store *st, const struct dialog_access *a,
    struct dialog_page *pg, enum dialog_result *res)
{
	bool ok;
	int rc;

	memset(pg, 0, sizeof(*pg));
	*res = DIALOG_NOT_FOUND;
	if ((rc = dialog_one(st, a->dialog_id, a->user, pg)) != 0 ||
	    pg->n == 0)
		return page_done(pg, rc);
	if (pg->it[0].mine) {
		/* its participants, always there ("always" in #dialog-list-item) */
		if ((rc = page_index(pg)) == 0)
			rc = page_query(st, pg, SQL_SUMMARIES, false,
			    add_summary);
	} else if ((rc = scope_access(st, a->dialog_id, a->scopes, &ok)) ==
	    0 && !ok) {
		*res = DIALOG_NO_ACCESS;
		dialog_page_free(pg);
		return 0;
	}
	if (rc == 0)
		*res = DIALOG_OK;
	return page_done(pg, rc);
}

/* --- C13 ----------------------------------------------------------------- */

static int
members(struct store *st, const char *dialog_id, int64_t online_since,
    struct dialog_rows *out)
{
	struct dbstmt *s = store_stmt(st, SQL_PARTICIPANTS);

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, dialog_id);
	db_bind_int64(s, 2, online_since);
	return store_read_participants(st, s, true, out);
}

int
store_dialog_participants(struct store *st, const struct dialog_access *a,
    int64_t online_since, struct dialog_rows *out, enum dialog_result *res)
{
	bool mine, ok = false;
	int rc;

	memset(out, 0, sizeof(*out));
	*res = DIALOG_NO_ACCESS;
	if ((rc = store_participant_exists(st, a->dialog_id, a->user,
	    &mine)) != 0 || (!mine && (rc = scope_access(st, a->dialog_id,
	    a->scopes, &ok)) != 0))
		return rc;
	if (!mine && !ok)
		return 0;
	if ((rc = members(st, a->dialog_id, online_since, out)) != 0) {
		dialog_rows_free(out);
		return rc;
	}
	out->mine = mine;
	*res = DIALOG_OK;
	return 0;
}

/* --- C5 join ------------------------------------------------------------- */

/* Checks 1–4 of C5, in order, inside the transaction. */
static int
join_checks(struct store *st, struct dialog_join *j, enum dialog_result *res)
{
	bool exists, member, ok;
	int rc;

	if ((rc = store_membership(st, j->dialog_id, j->user, &exists,
	    &member)) != 0)
		return rc;
	*res = DIALOG_NOT_FOUND;
	if (!exists)
		return 0;
	*res = DIALOG_ALREADY;
	if (member)
		return 0;
	if ((rc = scope_access(st, j->dialog_id, j->scopes, &ok)) != 0)
		return rc;
	*res = DIALOG_NO_ACCESS;
	if (!ok)
		return 0;
	*res = DIALOG_INVALID;
	if (!valid_profile(&(struct profile){ j->display_name, j->company,
	    j->email, j->phone }, j->msg, sizeof(j->msg)))
		return 0;
	if (strlen(j->user) > USER_ID_MAX) {
		snprintf(j->msg, sizeof(j->msg), "user_id exceeds maximum "
		    "length of %d characters", USER_ID_MAX);
		return 0;
	}
	*res = DIALOG_OK;
	return 0;
}

/* The participant row; a key conflict means a concurrent join won (F4). */
static int
join_insert(struct store *st, const struct dialog_join *j,
    enum dialog_result *res)
{
	struct dbstmt *s = store_stmt(st, SQL_JOIN_INSERT);
	int rc;

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, j->dialog_id);
	store_bind_text(s, 2, j->user);
	db_bind_int64(s, 3, tm_now_us());
	store_bind_text(s, 4, j->display_name);
	store_bind_text(s, 5, j->company ? j->company : "");
	store_bind_text(s, 6, j->email);
	store_bind_text(s, 7, j->phone);
	rc = store_exec_stmt(st, s, __func__);
	if (rc == MT_ECONFLICT) {
		*res = DIALOG_ALREADY;
		return 0;
	}
	return rc;
}

static int
join_write(struct store *st, struct dialog_join *j, enum dialog_result *res)
{
	json_t *content;
	int rc;

	if ((rc = join_insert(st, j, res)) != 0 || *res != DIALOG_OK)
		return rc;
	content = json_pack("{s:s,s:s,s:s}", "company",
	    j->company ? j->company : "", "event", "participant_joined",
	    "name", j->display_name);
	if (content == NULL)
		return MT_ENOMEM;
	/*
	 * participant.joined first: consumers that track membership in log
	 * order (the bridge) then count the joiner in for the system
	 * message that announces them, as the database does.
	 */
	if ((rc = event_participant_joined(st, j->dialog_id, j->user, true,
	    NULL)) == 0)
		rc = store_system_message(st, j->dialog_id, content, true,
		    &j->seq);
	json_decref(content);
	return rc;
}

/* Commits when rc is 0 and res OK, else rolls back. */
static int
finish_tx(struct store *st, int rc, enum dialog_result res)
{
	if (rc != 0 || res != DIALOG_OK) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st);
}

int
store_dialog_join(struct store *st, struct dialog_join *j,
    enum dialog_result *res)
{
	int rc;

	j->seq = 0;
	j->msg[0] = '\0';
	*res = DIALOG_NOT_FOUND;
	if ((rc = store_begin(st)) != 0)
		return rc;
	if ((rc = join_checks(st, j, res)) == 0 && *res == DIALOG_OK)
		rc = join_write(st, j, res);
	return finish_tx(st, rc, *res);
}

/* --- C6 leave ------------------------------------------------------------ */

/*
 * The system message (F20) while the leaver is still a participant — so
 * they receive it too, in the database's view and in log order — then the
 * row goes, then participant.left.
 */
static int
leave_write(struct store *st, const char *dialog_id, const char *user,
    const char *name, int64_t *seq)
{
	struct dbstmt *s;
	json_t *content;
	int rc;

	content = json_pack("{s:s,s:s}", "event", "participant_left", "name",
	    name ? name : user);
	if (content == NULL)
		return MT_ENOMEM;
	rc = store_system_message(st, dialog_id, content, true, NULL);
	json_decref(content);
	if (rc != 0)
		return rc;
	if ((s = store_stmt(st, SQL_PARTICIPANT_DELETE)) == NULL)
		return MT_EIO;
	store_bind_text(s, 1, dialog_id);
	store_bind_text(s, 2, user);
	if ((rc = store_exec_stmt(st, s, __func__)) != 0)
		return rc;
	return event_participant_left(st, dialog_id, user, true, seq);
}

int
store_dialog_leave(struct store *st, const char *dialog_id, const char *user,
    int64_t *seq, enum dialog_result *res)
{
	char *name = NULL;
	bool exists;
	int rc;

	*seq = 0;
	*res = DIALOG_NOT_FOUND;
	if ((rc = store_begin(st)) != 0)
		return rc;
	if ((rc = store_dialog_exists(st, dialog_id, &exists)) == 0 &&
	    exists) {
		/* the leaver's display name, for the system message */
		rc = store_participant_text(st, SQL_PARTICIPANT_NAME,
		    dialog_id, user, &name);
		*res = rc == MT_ENOTFOUND ? DIALOG_NOT_PARTICIPANT : DIALOG_OK;
		if (rc == MT_ENOTFOUND)
			rc = 0;
	}
	if (rc == 0 && *res == DIALOG_OK)
		rc = leave_write(st, dialog_id, user, name, seq);
	mt_free(name);
	return finish_tx(st, rc, *res);
}

/* --- C7–C11 -------------------------------------------------------------- */

int
store_dialog_set_flag(struct store *st, const struct dialog_flag_change *ch,
    enum dialog_result *res)
{
	const char *sql = ch->flag == DIALOG_FLAG_ARCHIVED ? SQL_SET_ARCHIVED :
	    ch->flag == DIALOG_FLAG_PINNED ? SQL_SET_PINNED : SQL_SET_NOTIFY;
	struct dbstmt *s;
	int rc;

	*res = DIALOG_NOT_PARTICIPANT;
	if ((rc = store_begin(st)) != 0)
		return rc;
	if ((s = store_stmt(st, sql)) == NULL) {
		store_rollback(st);
		return MT_EIO;
	}
	store_bind_text(s, 1, ch->dialog_id);
	store_bind_text(s, 2, ch->user);
	db_bind_int(s, 3, ch->on);
	if (ch->flag == DIALOG_FLAG_ARCHIVED)
		db_bind_int64(s, 4, tm_now_us());
	if ((rc = store_exec_stmt(st, s, __func__)) == 0 &&
	    store_changes(st) > 0)
		*res = DIALOG_OK;
	return finish_tx(st, rc, *res);
}
