-- 0001-init.sql — the whole mtchat data model (docs/rest.md#shapes).
-- Times are INTEGER microseconds since the Unix epoch, UTC. Ids made by
-- mtchat are canonical lowercase UUIDv7 text; user, object and scope ids are
-- opaque strings compared byte for byte. Never edit once released: add
-- sql/0002-....sql instead.

CREATE TABLE dialogs (
	id		TEXT PRIMARY KEY,
	object_id	TEXT NOT NULL CHECK (length(CAST(object_id AS BLOB)) <= 255),
	object_type	TEXT NOT NULL CHECK (length(CAST(object_type AS BLOB)) <= 100),
	title		TEXT CHECK (length(CAST(title AS BLOB)) <= 500),
	object_url	TEXT,
	created_by	TEXT CHECK (length(CAST(created_by AS BLOB)) <= 255),
	created_at	INTEGER NOT NULL,
	meta		TEXT,		-- normalised JSON, NULL when absent
	-- sent_at of the newest message (any type), NULL when none; kept by
	-- the message writers, it orders dialog lists (F6) and finds
	-- inactive dialogs (auto-archive, F13)
	last_message_at	INTEGER
) STRICT;
CREATE INDEX dialogs_object ON dialogs (object_type, object_id, created_at);
CREATE INDEX dialogs_activity ON dialogs (coalesce(last_message_at, created_at));

CREATE TABLE messages (
	id		TEXT PRIMARY KEY,
	dialog_id	TEXT NOT NULL REFERENCES dialogs (id) ON DELETE CASCADE,
	sender_id	TEXT CHECK (length(CAST(sender_id AS BLOB)) <= 255),
	content		TEXT NOT NULL,
	sent_at		INTEGER NOT NULL,
	last_edited_at	INTEGER,
	reply_to_id	TEXT REFERENCES messages (id) ON DELETE SET NULL,
	message_type	TEXT NOT NULL CHECK (message_type IN ('user', 'system')),
	CHECK ((message_type = 'system') = (sender_id IS NULL))
) STRICT;
CREATE INDEX messages_dialog ON messages (dialog_id, id);
CREATE INDEX messages_reply ON messages (reply_to_id)
	WHERE reply_to_id IS NOT NULL;

CREATE TABLE participants (
	dialog_id		TEXT NOT NULL REFERENCES dialogs (id)
				    ON DELETE CASCADE,
	user_id			TEXT NOT NULL
				    CHECK (length(CAST(user_id AS BLOB)) <= 255),
	joined_at		INTEGER NOT NULL,
	joined_as		TEXT NOT NULL
				    CHECK (joined_as IN ('creator', 'participant', 'joined')),
	notifications_enabled	INTEGER NOT NULL DEFAULT 1,
	last_read_message_id	TEXT REFERENCES messages (id) ON DELETE SET NULL,
	unread_count		INTEGER NOT NULL DEFAULT 0 CHECK (unread_count >= 0),
	display_name		TEXT CHECK (length(CAST(display_name AS BLOB)) <= 255),
	company			TEXT CHECK (length(CAST(company AS BLOB)) <= 255),
	email			TEXT CHECK (length(CAST(email AS BLOB)) <= 255),
	phone			TEXT CHECK (length(CAST(phone AS BLOB)) <= 50),
	is_archived		INTEGER NOT NULL DEFAULT 0,
	is_pinned		INTEGER NOT NULL DEFAULT 0,
	-- when this user last unarchived the dialog by hand (F13), or NULL
	unarchived_at		INTEGER,
	PRIMARY KEY (dialog_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX participants_user ON participants (user_id, dialog_id);
CREATE INDEX participants_last_read ON participants (last_read_message_id)
	WHERE last_read_message_id IS NOT NULL;

CREATE TABLE access_scopes (
	id		TEXT PRIMARY KEY,
	dialog_id	TEXT NOT NULL REFERENCES dialogs (id) ON DELETE CASCADE,
	position	INTEGER NOT NULL,	-- order given by the host
	scope_level0	TEXT NOT NULL DEFAULT '[]',	-- JSON arrays, as given
	scope_level1	TEXT NOT NULL DEFAULT '[]',
	scope_level2	TEXT NOT NULL DEFAULT '[]',
	created_at	INTEGER NOT NULL
) STRICT;
CREATE INDEX access_scopes_dialog ON access_scopes (dialog_id, position);
-- Scopes with no value on any level match every user who sends scopes.
CREATE INDEX access_scopes_open ON access_scopes (dialog_id)
	WHERE scope_level0 = '[]' AND scope_level1 = '[]' AND scope_level2 = '[]';

-- One row per value of a scope level, so that "available dialogs" is an
-- index lookup by the user's scope values rather than a scan of all scopes.
-- A level with no values has no rows (it matches everybody).
-- (The key columns come first: SQLite 3.40's integrity_check misreads a
-- NOT NULL column declared before them in a WITHOUT ROWID table as NULL.)
CREATE TABLE access_scope_values (
	level		INTEGER NOT NULL CHECK (level BETWEEN 0 AND 2),
	value		TEXT NOT NULL,
	scope_id	TEXT NOT NULL REFERENCES access_scopes (id)
			    ON DELETE CASCADE,
	dialog_id	TEXT NOT NULL,
	PRIMARY KEY (level, value, scope_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX access_scope_values_scope ON access_scope_values (scope_id);

CREATE TABLE message_edits (
	id		TEXT PRIMARY KEY,
	message_id	TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
	old_content	TEXT NOT NULL,
	edited_at	INTEGER NOT NULL
) STRICT;
CREATE INDEX message_edits_message ON message_edits (message_id);

CREATE TABLE attachments (
	id		TEXT PRIMARY KEY,
	message_id	TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
	filename	TEXT NOT NULL CHECK (length(CAST(filename AS BLOB)) <= 255),
	content_type	TEXT NOT NULL CHECK (length(CAST(content_type AS BLOB)) <= 100),
	size		INTEGER NOT NULL CHECK (size BETWEEN 1 AND 104857600),
	s3_key		TEXT NOT NULL UNIQUE CHECK (length(CAST(s3_key AS BLOB)) <= 512),
	width		INTEGER,
	height		INTEGER,
	thumbnail_s3_key TEXT,
	created_at	INTEGER NOT NULL
) STRICT;
CREATE INDEX attachments_message ON attachments (message_id, created_at);

-- Files received by the local storage (docs/differences.md N5), before and
-- after a message refers to them.
CREATE TABLE uploads (
	s3_key		TEXT PRIMARY KEY,
	dialog_id	TEXT NOT NULL,
	user_id		TEXT NOT NULL,
	content_type	TEXT NOT NULL,
	size		INTEGER NOT NULL,
	created_at	INTEGER NOT NULL
) STRICT;

-- The change-log: one row per event, written in the same transaction as the
-- change. AUTOINCREMENT: a seq never goes backwards and is never reused, even
-- after the newest rows were pruned. No foreign keys: events outlive rows.
CREATE TABLE changelog (
	seq		INTEGER PRIMARY KEY AUTOINCREMENT,
	type		TEXT NOT NULL,		-- e.g. message.new
	dialog_id	TEXT,			-- dialog events
	subject_user	TEXT,			-- the user the event is about
	-- JSON array of users who receive the event besides (or, for
	-- per-user events, instead of) the dialog's current participants
	audience	TEXT,
	body		TEXT NOT NULL,		-- exact JSON clients receive
	created_at	INTEGER NOT NULL
) STRICT;
CREATE INDEX changelog_created ON changelog (created_at);

-- Presence: a row exists while the user is online (docs/events.md#presence).
CREATE TABLE presence (
	user_id		TEXT PRIMARY KEY,
	last_seen	INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX presence_last_seen ON presence (last_seen);

-- Durable positions of change-log consumers (mtchat-hooks, ...).
CREATE TABLE cursors (
	name		TEXT PRIMARY KEY,
	seq		INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Small facts about the database itself, e.g. pruned_through (the highest
-- change-log seq ever pruned: a resume from below it must resync).
CREATE TABLE meta (
	key		TEXT PRIMARY KEY,
	value		TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE schema_version (
	version		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL,
	applied_at	INTEGER NOT NULL
) STRICT;
