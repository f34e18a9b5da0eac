-- heterolora study store, version 3: one status vocabulary for studies and runs.
-- The code has one status type (dev.heterolora.studies.Status); these constraints are its mirror in the database,
-- so a status written through `heterolora sql --write` is one of the same four words. Runs gain 'interrupted'
-- (version 1 allowed it for studies only); every existing row already satisfies the wider lists.

ALTER TABLE study DROP CONSTRAINT ck_study_status;
ALTER TABLE study ADD CONSTRAINT ck_study_status
    CHECK (status IN ('running', 'finished', 'failed', 'interrupted'));

ALTER TABLE run DROP CONSTRAINT ck_run_status;
ALTER TABLE run ADD CONSTRAINT ck_run_status
    CHECK (status IN ('running', 'finished', 'failed', 'interrupted'));
