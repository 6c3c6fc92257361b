-- 0002-list-order.sql — a user's dialog list (C1, F6) read in order from one
-- index, in time proportional to the page and not to the number of dialogs
-- the user is in: each participant row carries its dialog's last activity,
-- and each dialog its participant count.

-- coalesce(last_message_at, created_at) of the row's dialog. Every writer
-- of dialogs.last_message_at sets it in the same transaction
-- (lib/store_common.c, lib/store_message.c); `mtchat-admin check` verifies it.
ALTER TABLE participants ADD COLUMN activity INTEGER NOT NULL DEFAULT 0;
UPDATE participants SET activity = (SELECT coalesce(d.last_message_at,
    d.created_at) FROM dialogs d WHERE d.id = participants.dialog_id);
-- C1 participating: pinned first, then last activity, newest first, with
-- the caller's own state (F9), so that the list reads no participant row.
-- A new message rewrites every entry of its dialog anyway (activity).
CREATE INDEX participants_list ON participants (user_id, is_pinned, activity,
	dialog_id, is_archived, unread_count, notifications_enabled);
-- The participant summaries of list items, in join order, from the index.
CREATE INDEX participants_summary ON participants (dialog_id, joined_at,
	user_id, display_name, company);

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
