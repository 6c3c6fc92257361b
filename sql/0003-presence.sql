-- 0003-presence.sql — presence refreshes write the row only.
--
-- The bridge refreshes every live user's row every third of the TTL, in
-- one pass over all of them; the index on last_seen made each refresh
-- also move an index entry, so 10,000 users took ~67 ms of the bridge's
-- event loop (and of the write lock) every 20 s, against ~25 ms without
-- it. Only mtchat-reaper looked rows up by last_seen, once a minute: a
-- scan of the table, milliseconds even at 100,000 online users.
DROP INDEX presence_last_seen;
