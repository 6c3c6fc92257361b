-- pg/0003-presence-instances.sql — presence rows per bridge instance, as
-- sql/0007-presence-instances.sql does on SQLite (docs/events.md#presence):
-- the primary key becomes (user_id, instance); existing rows get ''. The
-- column takes no default afterwards, as on SQLite: every writer names
-- its instance.
ALTER TABLE presence ADD COLUMN instance text COLLATE "C" NOT NULL
	DEFAULT '';
ALTER TABLE presence ALTER COLUMN instance DROP DEFAULT;
ALTER TABLE presence DROP CONSTRAINT presence_pkey;
ALTER TABLE presence ADD PRIMARY KEY (user_id, instance);
