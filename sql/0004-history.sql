-- 0004-history.sql — what a user may see of a dialog's past, and sends that
-- can be retried (issue 15).
--
-- memberships: one row per period a user was a participant of a dialog, as
-- change-log positions: from the seq of their participant.joined to the seq of
-- their participant.left (or dialog.deleted), NULL while they are in. Resuming
-- with since (WebSocket replay, long-polls) gives a user a dialog's events only
-- for the seqs inside one of their periods: never what happened before they
-- joined or while they were out (docs/differences.md S2). No foreign keys:
-- periods outlive participants and dialogs, as the rows they describe do;
-- `mtchat-admin events prune` drops the closed periods that end before the
-- retained log.
CREATE TABLE memberships (
	user_id		TEXT NOT NULL,
	dialog_id	TEXT NOT NULL,
	from_seq	INTEGER NOT NULL,
	to_seq		INTEGER,
	PRIMARY KEY (user_id, dialog_id, from_seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX memberships_open ON memberships (dialog_id, user_id)
	WHERE to_seq IS NULL;
CREATE INDEX memberships_closed ON memberships (to_seq)
	WHERE to_seq IS NOT NULL;

-- Today's participants: a period from their last participant.joined still
-- in the log (one scan of it), else from the start.
INSERT INTO memberships (user_id, dialog_id, from_seq)
	SELECT p.user_id, p.dialog_id, coalesce(j.seq, 0)
	FROM participants p LEFT JOIN (
		SELECT dialog_id, subject_user, max(seq) AS seq FROM changelog
		WHERE type = 'participant.joined'
		GROUP BY dialog_id, subject_user) j
	ON j.dialog_id = p.dialog_id AND j.subject_user = p.user_id;

-- A read mark may race the deletion of the message it names (the SDK marks
-- what it shows): the ids of deleted messages with their dialog, so that
-- such a mark is a no-op rather than a 404. Pruned with the change-log.
CREATE TABLE deleted_messages (
	id		TEXT PRIMARY KEY,
	dialog_id	TEXT NOT NULL,
	deleted_at	INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX deleted_messages_at ON deleted_messages (deleted_at);

-- Sends with an Idempotency-Key (or client_message_id): a retry of the same
-- key by the same user in the same dialog answers with the message the
-- first one created. Kept a day.
CREATE TABLE send_keys (
	user_id		TEXT NOT NULL,
	dialog_id	TEXT NOT NULL,
	key		TEXT NOT NULL,
	message_id	TEXT NOT NULL,
	created_at	INTEGER NOT NULL,
	PRIMARY KEY (user_id, dialog_id, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX send_keys_created ON send_keys (created_at);
