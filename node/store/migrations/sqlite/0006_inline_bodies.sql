-- Small message bodies (at most node.store.sqlite.INLINE_BYTES) live in the
-- database, written in the transaction that stores their message: one WAL
-- fsync for all of it, instead of a blob file created, fsynced, its directory
-- fsynced and renamed into place per message. Bigger bodies, and every body
-- stored before this version, stay files under blobs/ (readers fall back to
-- the file when a small body has no row here).
CREATE TABLE message_bodies (
    message_id TEXT PRIMARY KEY REFERENCES messages (id),
    data BLOB NOT NULL
);
