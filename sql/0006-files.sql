-- 0006-files.sql — attachments on local storage (docs/differences.md N5): what
-- an upload became, the image size read from its header, and the uploads whose
-- message or dialog was deleted, for `mtchat-admin files gc`.
--
-- state: 0 uploaded and not attached yet (gc removes it after
-- MTCHAT_FILES_GRACE_SECS), 1 attached to a message (the key can never be
-- attached again), 2 released: its attachment row is gone with its message
-- or dialog (gc removes the file).
ALTER TABLE uploads ADD COLUMN state INTEGER NOT NULL DEFAULT 0
	CHECK (state IN (0, 1, 2));
ALTER TABLE uploads ADD COLUMN width INTEGER;
ALTER TABLE uploads ADD COLUMN height INTEGER;

-- The keys already attached before this migration count as attached.
UPDATE uploads SET state = 1
    WHERE s3_key IN (SELECT s3_key FROM attachments);

-- A message delete cascades to its attachments (and a dialog delete to its
-- messages); the upload behind each is released in the same transaction.
CREATE TRIGGER attachments_release AFTER DELETE ON attachments
BEGIN
	UPDATE uploads SET state = 2 WHERE s3_key = OLD.s3_key;
END;

-- gc's two lookups: old pending uploads, and released ones.
CREATE INDEX uploads_pending ON uploads (created_at) WHERE state = 0;
CREATE INDEX uploads_released ON uploads (created_at) WHERE state = 2;
