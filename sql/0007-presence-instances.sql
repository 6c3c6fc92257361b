-- 0007-presence-instances.sql — presence rows per bridge instance (issue 22,
-- several bridges over one database; docs/events.md#presence).
--
-- A row is (user, instance): instance is the BRIDGE_INSTANCE of the bridge
-- that holds the user's connections, or '' for mtchat.fcgi's polls. A user
-- is online while any of their rows is fresh; the online presence.update
-- goes with their first row, the offline one with their last. With one row
-- per user, a bridge whose last connection of a user closed took the user
-- offline while another bridge still served them. The table is made again
-- for the new primary key; the rows of before were written by the one
-- bridge or by polls, and become instance ''. The key columns come first:
-- SQLite 3.40's integrity_check misreads a NOT NULL column declared before
-- them in a WITHOUT ROWID table as NULL (as sql/0001-init.sql notes); the
-- statements name their columns, so the order differs from PostgreSQL's
-- (sql/pg/0003-presence-instances.sql, where ADD COLUMN put it last).
CREATE TABLE presence_new (
	user_id		TEXT NOT NULL,
	instance	TEXT NOT NULL,
	last_seen	INTEGER NOT NULL,
	PRIMARY KEY (user_id, instance)
) STRICT, WITHOUT ROWID;
INSERT INTO presence_new (user_id, last_seen, instance)
	SELECT user_id, last_seen, '' FROM presence;
DROP TABLE presence;
ALTER TABLE presence_new RENAME TO presence;
