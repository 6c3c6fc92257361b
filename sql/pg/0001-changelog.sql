-- pg/0001-changelog.sql — the change-log on PostgreSQL (issue 22, work in
-- progress; docs/postgresql.md): the table of sql/0001-init.sql and
-- sql/0005-hooks.sql with the same columns and meaning, and the one function
-- that appends to it. PostgreSQL's migrations are numbered on their own, in
-- sql/pg/; never edit once released.
--
-- Why a function: a sequence value is taken at insert, but transactions
-- commit in any order, so with a plain nextval() default a tailer reading
-- seq > cursor could see 8 committed, move its cursor to 8, and never read
-- the 7 that commits a moment later. changelog_append() takes one
-- transaction-scoped advisory lock before it takes the seq, and the lock is
-- held until the transaction ends. So seqs are handed out in the order the
-- lock is granted, the transaction holding seq n ends (its commit already
-- visible to every new snapshot: PostgreSQL marks a transaction committed
-- before it releases its locks) before any transaction can take seq n+1,
-- and any snapshot that sees seq n sees every committed seq below it. A seq
-- whose transaction rolled back is a hole that nothing can fill later.
-- Writers therefore append last, just before COMMIT: the lock serialises
-- the rest of the transaction.

-- CACHE 1 (the default) matters: with a per-session cache, values would no
-- longer be handed out in the order of the calls.
CREATE SEQUENCE changelog_seq AS bigint CACHE 1;

-- One row per event, written in the same transaction as the change. seq has
-- no default: only changelog_append() gives one (a copy from SQLite sets
-- its own, then moves changelog_seq past them). No foreign keys: events
-- outlive rows.
CREATE TABLE changelog (
	seq		bigint PRIMARY KEY,
	type		text NOT NULL,		-- e.g. message.new
	dialog_id	text,			-- dialog events
	subject_user	text,			-- the user the event is about
	-- JSON array of users who receive the event besides (or, for
	-- per-user events, instead of) the dialog's current participants
	audience	text,
	body		text NOT NULL,		-- exact JSON clients receive
	created_at	bigint NOT NULL,	-- microseconds since the epoch
	webhook		boolean NOT NULL DEFAULT false	-- fires a webhook
);
ALTER SEQUENCE changelog_seq OWNED BY changelog.seq;
CREATE INDEX changelog_created ON changelog (created_at);

-- Appends one event inside the caller's transaction and returns its seq.
-- The lock key is the bytes of 'mtchatCL' (0x6d7463686174434c); the wake-up
-- (channel mtchat_changelog, payload the seq) is delivered at COMMIT, and
-- not at all on ROLLBACK.
CREATE FUNCTION changelog_append(p_type text, p_dialog_id text,
    p_subject_user text, p_audience text, p_body text, p_created_at bigint,
    p_webhook boolean) RETURNS bigint
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

-- The highest seq ever handed out whose transaction has ended (0 for none):
-- it waits for the transaction holding the append lock, if any, and then
-- reads the sequence, which never goes back, even once rows are pruned.
CREATE FUNCTION changelog_head() RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_advisory_xact_lock_shared(7887038147395339084);
	RETURN (SELECT CASE WHEN is_called THEN last_value ELSE 0 END
	    FROM changelog_seq);
END
$$;

-- The migrations applied, by store_pg_migrate(), as in SQLite.
CREATE TABLE schema_version (
	version		integer PRIMARY KEY,
	name		text NOT NULL,
	applied_at	bigint NOT NULL	-- microseconds since the epoch
);
