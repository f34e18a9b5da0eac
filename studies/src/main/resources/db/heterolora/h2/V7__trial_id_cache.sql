-- heterolora study store, version 7 (H2): trial ids are drawn from their identity sequence 1,000 at a time.
-- H2 keeps an identity sequence's next value in its schema and writes it back every CACHE values (32 by default),
-- each time committing its own system session, which stores every page the open transaction has changed: a search
-- committing 1,000 trials in one transaction stored the database some 30 times, a fifth of its writing time. After
-- a crash the ids may jump ahead by up to 1,000; they stay unique and increasing.
ALTER TABLE trial ALTER COLUMN id SET CACHE 1000;
