-- heterolora study store, version 2: proxy validation (`heterolora validate`).
-- A validation run (a row of `run`, kind 'validate') trains a sample of a study's plans briefly, plus the uniform
-- baseline at the same budget, and records what each achieved; then, per proxy, how well the proxy's ranking agrees
-- with the achieved ranking. Non-finite numbers are stored as NULL, as in version 1.

-- One trained plan of a validation run. The label names it for humans and keys it within the run
-- ("trial 12", "uniform r=4"); trial_id is NULL for plans that are no trial of the study (the uniform baseline).
-- Recording the same (run_id, label) again replaces the row, so an interrupted validation can resume.
CREATE TABLE validation (
    run_id          BIGINT                   NOT NULL,
    label           VARCHAR(200)             NOT NULL,
    trial_id        BIGINT,
    plan_json       CLOB                     NOT NULL,
    params          BIGINT                   NOT NULL,
    trained_loss    DOUBLE PRECISION,
    oracle_accuracy DOUBLE PRECISION,
    seconds         DOUBLE PRECISION         NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP NOT NULL,
    CONSTRAINT pk_validation PRIMARY KEY (run_id, label),
    CONSTRAINT fk_validation_run FOREIGN KEY (run_id) REFERENCES run (id) ON DELETE CASCADE,
    CONSTRAINT fk_validation_trial FOREIGN KEY (trial_id) REFERENCES trial (id) ON DELETE SET NULL
);
CREATE INDEX ix_validation_trial ON validation (trial_id);

-- Proxy scores of a validated plan that are not in proxy_score: the baseline has no trial, and a validation may
-- score proxies the search did not. A plan's scores are its trial's proxy_score rows overlaid with these.
CREATE TABLE validation_score (
    run_id BIGINT       NOT NULL,
    label  VARCHAR(200) NOT NULL,
    proxy  VARCHAR(100) NOT NULL,
    score  DOUBLE PRECISION,
    CONSTRAINT pk_validation_score PRIMARY KEY (run_id, label, proxy),
    CONSTRAINT fk_validation_score_validation FOREIGN KEY (run_id, label)
        REFERENCES validation (run_id, label) ON DELETE CASCADE
);

-- How well one proxy (or `params`) predicts one achieved result (target) over the run's validated plans:
-- Spearman's rho and Kendall's tau-b with percentile-bootstrap confidence bounds, oriented so that a positive value
-- means "a higher proxy score goes with a better result" (lower trained_loss, higher oracle_accuracy); regret is how
-- much worse the proxy's top pick did than the best validated plan (>= 0, in the target's units); n = plans used.
CREATE TABLE validation_correlation (
    run_id        BIGINT           NOT NULL,
    proxy         VARCHAR(100)     NOT NULL,
    target        VARCHAR(40)      DEFAULT 'trained_loss' NOT NULL,
    spearman      DOUBLE PRECISION,
    kendall       DOUBLE PRECISION,
    spearman_low  DOUBLE PRECISION,
    spearman_high DOUBLE PRECISION,
    kendall_low   DOUBLE PRECISION,
    kendall_high  DOUBLE PRECISION,
    regret        DOUBLE PRECISION,
    n             INT              NOT NULL,
    CONSTRAINT pk_validation_correlation PRIMARY KEY (run_id, proxy, target),
    CONSTRAINT ck_validation_correlation_target CHECK (target IN ('trained_loss', 'oracle_accuracy')),
    CONSTRAINT fk_validation_correlation_run FOREIGN KEY (run_id) REFERENCES run (id) ON DELETE CASCADE
);
