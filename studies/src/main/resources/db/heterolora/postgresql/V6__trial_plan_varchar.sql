-- heterolora study store, version 6 (PostgreSQL): nothing to do. H2 turns trial.plan_json from CLOB into VARCHAR in
-- its version 6; PostgreSQL has stored it as TEXT from the start. (Kept so both histories count the same versions.)
SELECT 1;
