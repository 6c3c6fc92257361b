-- 0005-hooks.sql — what mtchat-hooks needs (docs/webhooks.md,
-- docs/webhooks.md#notifications, F11, F12): which change-log rows fire a
-- webhook, the webhooks waiting to be delivered, the notification checks not
-- due yet, and the webhooks given up on. mtchat-hooks reads the change-log
-- after its cursor ("hooks" in cursors) and, in the transaction that moves the
-- cursor, puts each event into hook_outbox with the exact body it will sign and
-- send; a row leaves the outbox when the receiver acknowledged it or it went to
-- hook_dead. (Number 0004 belongs to another change.)

-- 1 when the row fires a webhook (docs/webhooks.md#which): only its writer
-- knows, as a join through C5 does and the same participant.joined of M5 does
-- not.
ALTER TABLE changelog ADD COLUMN webhook INTEGER NOT NULL DEFAULT 0;

-- Webhooks to deliver, in id order. attempts failed so far; the next one
-- not before next_at (microseconds).
CREATE TABLE hook_outbox (
	id		INTEGER PRIMARY KEY,
	event_id	TEXT NOT NULL UNIQUE,	-- X-Webhook-Id, the envelope id
	event		TEXT NOT NULL,		-- X-Webhook-Event, e.g. message.new
	body		TEXT NOT NULL,		-- the exact bytes signed and sent
	attempts	INTEGER NOT NULL DEFAULT 0,
	next_at		INTEGER NOT NULL DEFAULT 0,
	last_error	TEXT,
	created_at	INTEGER NOT NULL
) STRICT;

-- F12: one row per user message whose recipients are checked at due_at
-- (still a participant, notifications on, that message still unread); no
-- process waits for it in between.
CREATE TABLE hook_notify (
	message_id	TEXT PRIMARY KEY,
	due_at		INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX hook_notify_due ON hook_notify (due_at);

-- Dead letters: refused (4xx) or failed after the last retry. `mtchat-admin
-- hooks replay` puts them back at the end of the outbox.
CREATE TABLE hook_dead (
	event_id	TEXT PRIMARY KEY,
	event		TEXT NOT NULL,
	body		TEXT NOT NULL,
	attempts	INTEGER NOT NULL,
	last_error	TEXT NOT NULL,
	created_at	INTEGER NOT NULL,
	failed_at	INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
