package dev.heterolora.studies;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where studies, their trials, runs, metrics and proxy validations are kept: the operations the search, the
 * trainer, the validator and reports need, and nothing about the database behind them (as Optuna's studies sit
 * behind its {@code BaseStorage}). Code that only records and reads studies should take this type, so it can be
 * handed another storage (or a test double); {@link StudyStore} is the H2 implementation.
 *
 * <p>Every write is committed before the method returns, so a crash loses at most the call in flight. Non-finite
 * numbers (fitness, scores, metric values, statistics) are stored as missing and read back as NaN. Failures are
 * {@link dev.heterolora.core.HeteroloraException}s with a one-line message. Implementations are safe to call from
 * more than one thread (a search's trial sink and a shutdown hook).
 */
public interface StudyStorage extends AutoCloseable {
    /**
     * Records a new study with status {@link Status#RUNNING} and returns its id.
     *
     * @throws dev.heterolora.core.HeteroloraException (one line) if another study already has its name
     */
    long createStudy(NewStudy study);

    /** The study with this id, if any. */
    Optional<Study> study(long id);

    /** The study with this name, if any (names are unique). */
    Optional<Study> studyNamed(String name);

    /**
     * Deletes a study and everything recorded for it in one transaction: its trials and their scores, its runs with
     * their metrics and validations, and the work units of its queues ({@link #studyQueue}).
     *
     * @throws dev.heterolora.core.HeteroloraException (one line) if there is no such study
     */
    void deleteStudy(long id);

    /**
     * The name of a work queue that belongs to a study ({@code study:ID:PURPOSE}), so that deleting the study deletes
     * its units too; an empty purpose gives the study's prefix {@code study:ID}.
     */
    static String studyQueue(long studyId, String purpose) {
        return "study:" + studyId + (purpose.isEmpty() ? "" : ":" + purpose);
    }

    /**
     * Renews the heartbeat of a study its caller owns (see {@link Heartbeat}): while it is recent, no other process
     * takes the running study for dead.
     */
    void heartbeatStudy(long studyId);

    /** Renews the heartbeat of a run its caller owns (see {@link Heartbeat}). */
    void heartbeatRun(long runId);

    /**
     * Marks {@link Status#INTERRUPTED interrupted} every running study and run whose heartbeat is older than
     * {@code grace}: their process died (kill -9, power loss) without saying so. Rows that never had a heartbeat are
     * left alone. Stores do this when they open ({@link Heartbeat#grace()}).
     *
     * @return how many studies and runs it marked
     */
    int failStale(Duration grace);

    /**
     * The most recently created study that has {@link Status#FINISHED finished}: what {@code study},
     * {@code train --best} and {@code validate} take when no id is given, so a failed or interrupted search is never
     * taken by accident.
     *
     * @throws dev.heterolora.core.HeteroloraException (one line) if no study has finished yet
     */
    Study latestStudy();

    /** All studies, oldest first. */
    List<Study> studies();

    /** Sets a study's status. */
    void setStatus(long studyId, Status status);

    /**
     * Records a trial and its proxy scores in one transaction and keeps the study's best trial up to date.
     *
     * @return the trial's id
     */
    long recordTrial(NewTrial trial);

    /**
     * Records many trials in one transaction (JDBC batches), as {@link #recordTrial} would one by one: a search
     * writes its trials this way, a few hundred at a time. Nothing is recorded if any is refused.
     */
    void recordTrials(List<NewTrial> trials);

    /** All trials of a study in order of evaluation (seq). */
    List<Trial> trials(long studyId);

    /** The feasible trial with the highest finite fitness (ties: lowest seq), if any. */
    default Optional<Trial> bestTrial(long studyId) {
        return topTrials(studyId, 1).stream().findFirst();
    }

    /** Up to {@code n} feasible trials with finite fitness, highest fitness first (ties: lowest seq). */
    List<Trial> topTrials(long studyId, int n);

    /** How many trials a study has. */
    int trialCount(long studyId);

    /**
     * Makes exactly these trials the study's Pareto front: they get {@code pareto = true}, every other trial of the
     * study {@code false}. All ids must be trials of this study.
     */
    void markPareto(long studyId, Collection<Long> trialIds);

    /**
     * Records a new run with status {@link Status#RUNNING}.
     *
     * @param studyId    the study it belongs to, or {@code null}
     * @param trialId    the trial whose plan it trains, or {@code null}; must belong to {@code studyId} if both are given
     * @param kind       e.g. {@code ppo}, {@code sft}, {@code validate}
     * @param configJson the run's configuration as JSON; {@code null} is stored as {@code {}}
     * @param outputDir  where it writes its files, or {@code null}
     * @return the run's id
     */
    long createRun(Long studyId, Long trialId, String kind, String configJson, String outputDir);

    /** Marks an ended run as {@link Status#RUNNING} again and clears its message (it resumes from a checkpoint). */
    void reopenRun(long runId);

    /**
     * Ends a run.
     *
     * @param status  {@link Status#FINISHED}, {@link Status#FAILED} or {@link Status#INTERRUPTED}
     * @param message a one-line outcome (the error for a failed run), or {@code null}
     */
    void finishRun(long runId, Status status, String message);

    /** The run with this id, if any. */
    Optional<Run> run(long id);

    /** The runs of a study, or all runs if {@code studyId} is {@code null}; oldest first. */
    List<Run> runs(Long studyId);

    /**
     * Records the metrics of one step of a run in one transaction; recording the same step and name again replaces
     * the value (so a resumed run can rewrite a step).
     */
    void recordMetrics(long runId, int step, Map<String, Double> values);

    /** All metrics of a run, by step, then name. */
    List<Metric> metrics(long runId);

    /**
     * Records one plan a validation run trained, with the proxy scores given for it, in one transaction. Recording
     * the same (run, label) again replaces the plan and its scores, so an interrupted validation can resume. The
     * trial, if given, must exist and belong to the run's study (when the run has one).
     */
    void recordValidation(NewValidation validation);

    /**
     * The plans a validation run trained, in the order they were first recorded (then by label), each with its
     * trial's proxy scores overlaid with the scores recorded for the validation.
     */
    List<Validation> validations(long runId);

    /** Records how well one proxy predicted one target over a validation run; the same (run, proxy, target) replaces it. */
    void recordCorrelation(ValidationCorrelation correlation);

    /** The correlations recorded for a validation run, by target, then proxy. */
    List<ValidationCorrelation> correlations(long runId);

    /**
     * The units of work that cooperating worker processes share through this storage (valid while it is open): how
     * {@code validate}, experiments and searches spread over processes and machines.
     */
    WorkQueue workQueue();

    /** Releases the storage; a storage that only lived in memory is gone afterwards. */
    @Override
    void close();
}
