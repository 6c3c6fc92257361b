-- pg/0002-schema.sql — the rest of the data model on PostgreSQL
-- (docs/postgresql.md): the net result of sql/0001-init.sql
-- .. sql/0006-files.sql, table by table, with the same names, columns,
-- column order, defaults, checks, foreign keys, indexes and triggers, so
-- that the store can run the same SQL text on both databases. What
-- pg/0001-changelog.sql made (changelog, changelog_append(),
-- changelog_head(), schema_version) is not made again; its webhook flag
-- becomes an integer like SQLite's. Never edit once released.
--
-- Translation rules:
-- - TEXT is text COLLATE "C": SQLite compares bytes (BINARY), and ids are
--   ordered and compared byte-wise (ORDER BY id, last_read_message_id >= ?),
--   whatever the database's default collation is.
-- - INTEGER is bigint (times are microseconds since the epoch). Flags
--   (notifications_enabled, is_archived, is_pinned, has_attachments,
--   webhook, state) stay integers holding 0/1, not boolean: the store binds
--   and compares them as integers. A partial index's WHERE is_archived
--   becomes WHERE is_archived <> 0, which queries must then spell the same
--   way for the planner to use it.
-- - length(CAST(x AS BLOB)) <= N counts bytes: octet_length(x) <= N.
-- - The rowid alias hook_outbox.id is an identity column; STRICT and
--   WITHOUT ROWID have no counterpart (every table is a heap with its
--   primary key as an index).
-- - Triggers are plpgsql functions run FOR EACH ROW, also for the rows a
--   cascade deletes, as in SQLite.
-- - Foreign keys are checked at once, as in SQLite (not DEFERRABLE); the
--   store inserts parents first and lets ON DELETE act on children.
-- - The migrations' UPDATEs that filled new columns from old rows have
--   nothing to fill here: this schema starts empty, and copying a SQLite
--   database (mtchat-admin migrate-to-postgres) copies the columns as they
--   are.

-- The change-log's webhook flag: 0/1 as in SQLite (sql/0005-hooks.sql), and
-- its text columns compared byte-wise as every other text column here.
ALTER TABLE changelog ALTER COLUMN webhook DROP DEFAULT;
ALTER TABLE changelog ALTER COLUMN webhook TYPE integer USING webhook::int;
ALTER TABLE changelog ALTER COLUMN webhook SET DEFAULT 0;
ALTER TABLE changelog
	ALTER COLUMN type TYPE text COLLATE "C",
	ALTER COLUMN dialog_id TYPE text COLLATE "C",
	ALTER COLUMN subject_user TYPE text COLLATE "C",
	ALTER COLUMN audience TYPE text COLLATE "C",
	ALTER COLUMN body TYPE text COLLATE "C";
ALTER TABLE schema_version ALTER COLUMN name TYPE text COLLATE "C";

-- changelog_append() again, with p_webhook integer; the body is that of
-- pg/0001-changelog.sql, whose comments give the reasoning: the advisory
-- lock first, only then nextval(), the insert, and the wake-up, delivered
-- at COMMIT and not at all on ROLLBACK. The lock key is the bytes of
-- 'mtchatCL' (0x6d7463686174434c) and must not change.
DROP FUNCTION changelog_append(text, text, text, text, text, bigint, boolean);
CREATE FUNCTION changelog_append(p_type text, p_dialog_id text,
    p_subject_user text, p_audience text, p_body text, p_created_at bigint,
    p_webhook integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	s bigint;
BEGIN
	PERFORM pg_advisory_xact_lock(7887038147395339084);
	s := nextval('changelog_seq');
	INSERT INTO changelog (seq, type, dialog_id, subject_user, audience,
	    body, created_at, webhook)
	VALUES (s, p_type, p_dialog_id, p_subject_user, p_audience, p_body,
	    p_created_at, p_webhook);
	PERFORM pg_notify('mtchat_changelog', s::text);
	RETURN s;
END
$$;

CREATE TABLE dialogs (
	id		text COLLATE "C" PRIMARY KEY,
	object_id	text COLLATE "C" NOT NULL
			    CHECK (octet_length(object_id) <= 255),
	object_type	text COLLATE "C" NOT NULL
			    CHECK (octet_length(object_type) <= 100),
	title		text COLLATE "C" CHECK (octet_length(title) <= 500),
	object_url	text COLLATE "C",
	created_by	text COLLATE "C"
			    CHECK (octet_length(created_by) <= 255),
	created_at	bigint NOT NULL,
	meta		text COLLATE "C",	-- normalised JSON, NULL when absent
	-- sent_at of the newest message (any type), NULL when none; kept by
	-- the message writers, it orders dialog lists (F6) and finds
	-- inactive dialogs (auto-archive, F13)
	last_message_at	bigint,
	-- user messages in the dialog (message_type 'user'), sql/0002
	user_messages	bigint NOT NULL DEFAULT 0,
	-- the number of participants, kept by the triggers on participants
	participants_count bigint NOT NULL DEFAULT 0
);
CREATE INDEX dialogs_object ON dialogs (object_type, object_id, created_at);
CREATE INDEX dialogs_activity ON dialogs ((coalesce(last_message_at,
	created_at)));
CREATE INDEX dialogs_list ON dialogs (id, last_message_at, created_at);

CREATE TABLE messages (
	id		text COLLATE "C" PRIMARY KEY,
	dialog_id	text COLLATE "C" NOT NULL REFERENCES dialogs (id)
			    ON DELETE CASCADE,
	sender_id	text COLLATE "C" CHECK (octet_length(sender_id) <= 255),
	content		text COLLATE "C" NOT NULL,
	sent_at		bigint NOT NULL,
	last_edited_at	bigint,
	reply_to_id	text COLLATE "C" REFERENCES messages (id)
			    ON DELETE SET NULL,
	message_type	text COLLATE "C" NOT NULL
			    CHECK (message_type IN ('user', 'system')),
	-- 1 when it has attachments (inserted with it), sql/0002
	has_attachments	bigint NOT NULL DEFAULT 0,
	CHECK ((message_type = 'system') = (sender_id IS NULL))
);
CREATE INDEX messages_dialog ON messages (dialog_id, id);
CREATE INDEX messages_reply ON messages (reply_to_id)
	WHERE reply_to_id IS NOT NULL;

-- The unread count (F15) is dialogs.user_messages - read_messages
-- (sql/0002-counts.sql).
CREATE TABLE participants (
	dialog_id		text COLLATE "C" NOT NULL REFERENCES dialogs (id)
				    ON DELETE CASCADE,
	user_id			text COLLATE "C" NOT NULL
				    CHECK (octet_length(user_id) <= 255),
	joined_at		bigint NOT NULL,
	joined_as		text COLLATE "C" NOT NULL
				    CHECK (joined_as IN ('creator', 'participant', 'joined')),
	notifications_enabled	bigint NOT NULL DEFAULT 1,
	last_read_message_id	text COLLATE "C" REFERENCES messages (id)
				    ON DELETE SET NULL,
	display_name		text COLLATE "C"
				    CHECK (octet_length(display_name) <= 255),
	company			text COLLATE "C"
				    CHECK (octet_length(company) <= 255),
	email			text COLLATE "C"
				    CHECK (octet_length(email) <= 255),
	phone			text COLLATE "C"
				    CHECK (octet_length(phone) <= 50),
	is_archived		bigint NOT NULL DEFAULT 0,
	is_pinned		bigint NOT NULL DEFAULT 0,
	-- when this user last unarchived the dialog by hand (F13), or NULL
	unarchived_at		bigint,
	read_messages		bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (dialog_id, user_id)
);
CREATE INDEX participants_user ON participants (user_id, dialog_id);
CREATE INDEX participants_last_read ON participants (last_read_message_id)
	WHERE last_read_message_id IS NOT NULL;
-- C1 participating: a user's dialogs with the user's own state (F9).
CREATE INDEX participants_list ON participants (user_id, is_pinned,
	dialog_id, is_archived, read_messages, notifications_enabled);
-- The participant summaries of list items, in join order.
CREATE INDEX participants_summary ON participants (dialog_id, joined_at,
	user_id, display_name, company);
-- F14: who had archived the dialog (SQLite: WHERE is_archived).
CREATE INDEX participants_archived ON participants (dialog_id)
	WHERE is_archived <> 0;

-- dialogs.participants_count, as the triggers of sql/0002-counts.sql keep
-- it: one more per row inserted, one less per row deleted (also by the
-- cascade of a dialog's deletion, whose UPDATE then finds no dialog).
CREATE FUNCTION participants_count_join() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE dialogs SET participants_count = participants_count + 1
	    WHERE id = NEW.dialog_id;
	RETURN NULL;
END
$$;
CREATE FUNCTION participants_count_leave() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE dialogs SET participants_count = participants_count - 1
	    WHERE id = OLD.dialog_id;
	RETURN NULL;
END
$$;
CREATE TRIGGER participants_count_join AFTER INSERT ON participants
	FOR EACH ROW EXECUTE FUNCTION participants_count_join();
CREATE TRIGGER participants_count_leave AFTER DELETE ON participants
	FOR EACH ROW EXECUTE FUNCTION participants_count_leave();

CREATE TABLE access_scopes (
	id		text COLLATE "C" PRIMARY KEY,
	dialog_id	text COLLATE "C" NOT NULL REFERENCES dialogs (id)
			    ON DELETE CASCADE,
	position	bigint NOT NULL,	-- order given by the host
	scope_level0	text COLLATE "C" NOT NULL DEFAULT '[]',	-- JSON arrays
	scope_level1	text COLLATE "C" NOT NULL DEFAULT '[]',
	scope_level2	text COLLATE "C" NOT NULL DEFAULT '[]',
	created_at	bigint NOT NULL
);
CREATE INDEX access_scopes_dialog ON access_scopes (dialog_id, position);
-- Scopes with no value on any level match every user who sends scopes.
CREATE INDEX access_scopes_open ON access_scopes (dialog_id)
	WHERE scope_level0 = '[]' AND scope_level1 = '[]' AND scope_level2 = '[]';

-- One row per value of a scope level ("available dialogs" is an index
-- lookup by the user's scope values); a level with no values has no rows.
CREATE TABLE access_scope_values (
	level		bigint NOT NULL CHECK (level BETWEEN 0 AND 2),
	value		text COLLATE "C" NOT NULL,
	scope_id	text COLLATE "C" NOT NULL REFERENCES access_scopes (id)
			    ON DELETE CASCADE,
	dialog_id	text COLLATE "C" NOT NULL,
	PRIMARY KEY (level, value, scope_id)
);
CREATE INDEX access_scope_values_scope ON access_scope_values (scope_id);

CREATE TABLE message_edits (
	id		text COLLATE "C" PRIMARY KEY,
	message_id	text COLLATE "C" NOT NULL REFERENCES messages (id)
			    ON DELETE CASCADE,
	old_content	text COLLATE "C" NOT NULL,
	edited_at	bigint NOT NULL
);
CREATE INDEX message_edits_message ON message_edits (message_id);

CREATE TABLE attachments (
	id		text COLLATE "C" PRIMARY KEY,
	message_id	text COLLATE "C" NOT NULL REFERENCES messages (id)
			    ON DELETE CASCADE,
	filename	text COLLATE "C" NOT NULL
			    CHECK (octet_length(filename) <= 255),
	content_type	text COLLATE "C" NOT NULL
			    CHECK (octet_length(content_type) <= 100),
	size		bigint NOT NULL CHECK (size BETWEEN 1 AND 104857600),
	s3_key		text COLLATE "C" NOT NULL UNIQUE
			    CHECK (octet_length(s3_key) <= 512),
	width		bigint,
	height		bigint,
	thumbnail_s3_key text COLLATE "C",
	created_at	bigint NOT NULL
);
CREATE INDEX attachments_message ON attachments (message_id, created_at);

-- Files received by the local storage (docs/differences.md N5). state
-- (sql/0006-files.sql): 0 uploaded and not attached yet, 1 attached to a
-- message, 2 released: its attachment row is gone (gc removes the file).
CREATE TABLE uploads (
	s3_key		text COLLATE "C" PRIMARY KEY,
	dialog_id	text COLLATE "C" NOT NULL,
	user_id		text COLLATE "C" NOT NULL,
	content_type	text COLLATE "C" NOT NULL,
	size		bigint NOT NULL,
	created_at	bigint NOT NULL,
	state		bigint NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2)),
	width		bigint,
	height		bigint
);
-- gc's two lookups: old pending uploads, and released ones.
CREATE INDEX uploads_pending ON uploads (created_at) WHERE state = 0;
CREATE INDEX uploads_released ON uploads (created_at) WHERE state = 2;

-- A message delete cascades to its attachments (and a dialog delete to its
-- messages); the upload behind each is released in the same transaction.
CREATE FUNCTION attachments_release() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE uploads SET state = 2 WHERE s3_key = OLD.s3_key;
	RETURN NULL;
END
$$;
CREATE TRIGGER attachments_release AFTER DELETE ON attachments
	FOR EACH ROW EXECUTE FUNCTION attachments_release();

-- Presence: a row exists while the user is online (docs/events.md#presence).
-- No index on last_seen (dropped by sql/0003-presence.sql).
CREATE TABLE presence (
	user_id		text COLLATE "C" PRIMARY KEY,
	last_seen	bigint NOT NULL
);

-- Durable positions of change-log consumers (mtchat-hooks, ...).
CREATE TABLE cursors (
	name		text COLLATE "C" PRIMARY KEY,
	seq		bigint NOT NULL,
	updated_at	bigint NOT NULL
);

-- Small facts about the database itself, e.g. pruned_through.
CREATE TABLE meta (
	key		text COLLATE "C" PRIMARY KEY,
	value		text COLLATE "C" NOT NULL
);

-- sql/0004-history.sql: a user's periods in a dialog as change-log seqs
-- (to_seq NULL while they are in). No foreign keys: periods outlive
-- participants and dialogs.
CREATE TABLE memberships (
	user_id		text COLLATE "C" NOT NULL,
	dialog_id	text COLLATE "C" NOT NULL,
	from_seq	bigint NOT NULL,
	to_seq		bigint,
	PRIMARY KEY (user_id, dialog_id, from_seq)
);
CREATE INDEX memberships_open ON memberships (dialog_id, user_id)
	WHERE to_seq IS NULL;
CREATE INDEX memberships_closed ON memberships (to_seq)
	WHERE to_seq IS NOT NULL;

-- The ids of deleted messages with their dialog: a read mark naming one is
-- a no-op rather than a 404. Pruned with the change-log.
CREATE TABLE deleted_messages (
	id		text COLLATE "C" PRIMARY KEY,
	dialog_id	text COLLATE "C" NOT NULL,
	deleted_at	bigint NOT NULL
);
CREATE INDEX deleted_messages_at ON deleted_messages (deleted_at);

-- Sends with an Idempotency-Key (or client_message_id). Kept a day.
CREATE TABLE send_keys (
	user_id		text COLLATE "C" NOT NULL,
	dialog_id	text COLLATE "C" NOT NULL,
	key		text COLLATE "C" NOT NULL,
	message_id	text COLLATE "C" NOT NULL,
	created_at	bigint NOT NULL,
	PRIMARY KEY (user_id, dialog_id, key)
);
CREATE INDEX send_keys_created ON send_keys (created_at);

-- sql/0005-hooks.sql: webhooks to deliver, in id order. SQLite's rowid
-- alias may hand out an id again once the highest row is gone; the
-- identity never does, which keeps id order = insertion order all the same.
-- BY DEFAULT: a copy from SQLite sets its own ids (then moves the sequence
-- past them).
CREATE TABLE hook_outbox (
	id		bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	event_id	text COLLATE "C" NOT NULL UNIQUE,	-- X-Webhook-Id
	event		text COLLATE "C" NOT NULL,	-- X-Webhook-Event
	body		text COLLATE "C" NOT NULL,	-- the exact bytes sent
	attempts	bigint NOT NULL DEFAULT 0,
	next_at		bigint NOT NULL DEFAULT 0,
	last_error	text COLLATE "C",
	created_at	bigint NOT NULL
);

-- F12: user messages whose recipients are checked at due_at.
CREATE TABLE hook_notify (
	message_id	text COLLATE "C" PRIMARY KEY,
	due_at		bigint NOT NULL
);
CREATE INDEX hook_notify_due ON hook_notify (due_at);

-- Dead letters: refused (4xx) or failed after the last retry.
CREATE TABLE hook_dead (
	event_id	text COLLATE "C" PRIMARY KEY,
	event		text COLLATE "C" NOT NULL,
	body		text COLLATE "C" NOT NULL,
	attempts	bigint NOT NULL,
	last_error	text COLLATE "C" NOT NULL,
	created_at	bigint NOT NULL,
	failed_at	bigint NOT NULL
);

-- mt_fold(): Unicode lower-casing for the case-insensitive search (F21),
-- which SQLite gets from a C function of the same name (lib/store_dialog.c:
-- towlower_l() in C.UTF-8, one code point to one). The C code folds the
-- search text the same way, so both sides must agree: glibc's C.UTF-8
-- through a libc collation is the very same mapping, and is preferred.
-- Where the server lacks it, ICU's root locale (it differs in a few
-- letters: U+0130 becomes "i" + U+0307, a capital sigma at the end of a
-- word final ς), else lower() under the default collation (ASCII only
-- when that is C). IMMUTABLE is as true as for any collation-dependent
-- function: a new glibc may fold a few new letters differently.
DO $$
DECLARE
	coll text;
BEGIN
	SELECT collname INTO coll FROM pg_collation
	    WHERE collname IN ('und-x-icu', 'C.utf8', 'C.UTF-8')
	    AND collencoding IN (-1, pg_char_to_encoding('UTF8'))
	    ORDER BY collname = 'und-x-icu', collname LIMIT 1;
	IF coll IS NULL THEN
		CREATE FUNCTION mt_fold(text) RETURNS text
		    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
		    RETURN lower($1 COLLATE "default");
	ELSE
		EXECUTE format('CREATE FUNCTION mt_fold(text) RETURNS text'
		    ' LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE'
		    ' RETURN lower($1 COLLATE %I)', coll);
	END IF;
END
$$;

-- mt_json_each(): SQLite's json_each() of a JSON array, which the store's
-- statements use to pass a list of ids as one parameter (the PostgreSQL
-- driver, lib/store_pg_stmt.c, writes json_each( as mt_json_each( ): the
-- same key (0-based position) and value (the element as text) columns.
CREATE FUNCTION mt_json_each(text) RETURNS TABLE (key bigint, value text)
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
	SELECT n - 1, v COLLATE "C"
	FROM json_array_elements_text($1::json) WITH ORDINALITY AS t (v, n)
$$;
