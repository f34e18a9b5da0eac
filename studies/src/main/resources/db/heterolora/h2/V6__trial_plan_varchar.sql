-- heterolora study store, version 6 (H2): a trial's plan is a VARCHAR, not a CLOB.
-- H2 keeps CLOB values over a few hundred characters in its separate LOB storage, one more map write per trial; a
-- search writing thousands of trials a second spent most of its time there (20,000 trials in batches: 10 s as CLOB,
-- 2 s as VARCHAR). The longest plan (a 7B model's 351 sites) is a few kilobytes.
ALTER TABLE trial ALTER COLUMN plan_json SET DATA TYPE CHARACTER VARYING(1000000);
