-- heterolora study store, version 5 (portable: H2 and PostgreSQL): study names that find a study, heartbeats.
-- A study's name becomes optional and unique when given (`search --name NAME`, `--resume NAME`). Older versions kept
-- any label there; a label that several studies share stays on the oldest and the others get " #<id>" appended.
UPDATE study SET name = name || ' #' || CAST(id AS VARCHAR(20))
    WHERE id > (SELECT MIN(s2.id) FROM study s2 WHERE s2.name = study.name);
ALTER TABLE study ALTER COLUMN name DROP NOT NULL;
DROP INDEX ix_study_name;
ALTER TABLE study ADD CONSTRAINT uq_study_name UNIQUE (name);

-- The process that owns a running study or run renews heartbeat_at every few seconds; a process that opens the store
-- and finds a running row whose heartbeat is older than the grace period marks it 'interrupted' (its owner died).
-- NULL: written by a version without heartbeats, or not running.
ALTER TABLE study ADD COLUMN heartbeat_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE run ADD COLUMN heartbeat_at TIMESTAMP WITH TIME ZONE;
