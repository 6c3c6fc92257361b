-- 0002-counts.sql — a message costs the same whatever the size of its
-- dialog, dialog lists (C1, F6) are read from covering indexes, and pages
-- of messages look for attachments only where there are some.
--
-- Unread counts (F15) were a column of every participant row, so a message
-- rewrote every other participant's row: 5,000 rows in a dialog of 5,000.
-- Now the dialog counts its user messages and each participant row keeps
-- how many of them its user had accounted for when it last moved (read,
-- sent, joined); the unread count is the difference. A message writes the
-- dialog row and the sender's row only.

-- User messages in the dialog (message_type 'user').
ALTER TABLE dialogs ADD COLUMN user_messages INTEGER NOT NULL DEFAULT 0;
UPDATE dialogs SET user_messages = (SELECT count(*) FROM messages m
    WHERE m.dialog_id = dialogs.id AND m.message_type = 'user');

-- unread_count = dialogs.user_messages - read_messages.
ALTER TABLE participants ADD COLUMN read_messages INTEGER NOT NULL DEFAULT 0;
UPDATE participants SET read_messages = (SELECT d.user_messages
    FROM dialogs d WHERE d.id = participants.dialog_id) - unread_count;
ALTER TABLE participants DROP COLUMN unread_count;

-- Whether the message has attachments (they are inserted with it), so that
-- a page of messages without any asks for none.
ALTER TABLE messages ADD COLUMN has_attachments INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET has_attachments = EXISTS (SELECT 1 FROM attachments a
    WHERE a.message_id = messages.id);

-- The number of participants, kept by these triggers.
ALTER TABLE dialogs ADD COLUMN participants_count INTEGER NOT NULL DEFAULT 0;
UPDATE dialogs SET participants_count = (SELECT count(*) FROM participants p
    WHERE p.dialog_id = dialogs.id);
CREATE TRIGGER participants_count_join AFTER INSERT ON participants
BEGIN
	UPDATE dialogs SET participants_count = participants_count + 1
	    WHERE id = NEW.dialog_id;
END;
CREATE TRIGGER participants_count_leave AFTER DELETE ON participants
BEGIN
	UPDATE dialogs SET participants_count = participants_count - 1
	    WHERE id = OLD.dialog_id;
END;

-- C1 participating: a user's dialogs with the user's own state (F9), and
-- each dialog's last activity, read without touching a table row.
CREATE INDEX participants_list ON participants (user_id, is_pinned,
	dialog_id, is_archived, read_messages, notifications_enabled);
CREATE INDEX dialogs_list ON dialogs (id, last_message_at, created_at);
-- The participant summaries of list items, in join order.
CREATE INDEX participants_summary ON participants (dialog_id, joined_at,
	user_id, display_name, company);
-- F14: who had archived the dialog, without reading every participant.
CREATE INDEX participants_archived ON participants (dialog_id)
	WHERE is_archived;
