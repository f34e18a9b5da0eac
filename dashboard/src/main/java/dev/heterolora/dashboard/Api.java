package dev.heterolora.dashboard;

import dev.heterolora.studies.Run;
import dev.heterolora.studies.Study;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.NotFoundResponse;
import java.util.Optional;

/**
 * The JSON endpoints under {@code /api/} (listed in the README's Dashboard section): what the pages draw and what
 * scripts may call. Unknown ids answer 404, malformed parameters 400, both as {@code {"error": "..."}}; lists take
 * {@code offset} and {@code limit} (at most {@value Paging#MAX_LIMIT}) and answer {@code {total, offset, limit, items}}.
 */
final class Api {
    private final ReadOnlyDatabase db;
    private final Studies studies;
    private final Trials trials;
    private final Plans plans;
    private final Runs runs;
    private final Experiments experiments;
    private final WorkUnits queue;

    Api(ReadOnlyDatabase db) {
        this.db = db;
        this.studies = new Studies(db);
        this.trials = new Trials(db);
        this.plans = new Plans(db, trials);
        this.runs = new Runs(db, trials, plans);
        this.experiments = new Experiments(db, runs);
        this.queue = new WorkUnits(db);
    }

    /** Registers every endpoint. */
    void routes(RoutesConfig r) {
        r.get("/api/studies", ctx -> ctx.json(studies.list(ctx.queryParam("q"), ctx.queryParam("status"),
                ctx.queryParam("sort"), ctx.queryParam("order"), paging(ctx))));
        r.get("/api/studies/{id}", ctx -> ctx.json(found(studies.detail(studyId(ctx)), "study", ctx)));
        r.get("/api/studies/{id}/history", ctx -> ctx.json(trials.history(study(ctx).id())));
        r.get("/api/studies/{id}/trials", ctx -> ctx.json(trials.page(study(ctx).id(),
                "true".equals(ctx.queryParam("feasible")), ctx.queryParam("sort"), ctx.queryParam("order"),
                paging(ctx))));
        r.get("/api/studies/{id}/pareto", ctx -> ctx.json(trials.pareto(study(ctx).id())));
        r.get("/api/studies/{id}/plans", ctx -> ctx.json(plans.study(study(ctx))));
        r.get("/api/studies/{id}/validations", ctx -> ctx.json(runs.validations(study(ctx).id())));
        r.get("/api/studies/{id}/runs", ctx -> ctx.json(runs.list(study(ctx).id(), ctx.queryParam("kind"),
                paging(ctx))));
        r.get("/api/runs", ctx -> ctx.json(runs.list(null, ctx.queryParam("kind"), paging(ctx))));
        r.get("/api/runs/{id}", ctx -> ctx.json(found(runs.detail(runId(ctx)), "run", ctx)));
        r.get("/api/runs/{id}/metrics", ctx -> ctx.json(runs.metrics(run(ctx).id(),
                Params.integer("after", ctx.queryParam("after"), -1))));
        r.get("/api/experiments", ctx -> ctx.json(experiments.list(paging(ctx))));
        r.get("/api/queue", ctx -> ctx.json(queue.queue(ctx.queryParam("queue"), ctx.queryParam("status"),
                paging(ctx))));
    }

    private static Paging paging(Context ctx) {
        return Paging.of(ctx.queryParam("offset"), ctx.queryParam("limit"));
    }

    private static long studyId(Context ctx) {
        return Params.id("study id", ctx.pathParam("id"));
    }

    private static long runId(Context ctx) {
        return Params.id("run id", ctx.pathParam("id"));
    }

    private Study study(Context ctx) {
        return found(db.study(studyId(ctx)), "study", ctx);
    }

    private Run run(Context ctx) {
        return found(db.run(runId(ctx)), "run", ctx);
    }

    /** The value, or a 404 naming what was asked for. */
    private static <T> T found(Optional<T> value, String what, Context ctx) {
        return value.orElseThrow(() -> new NotFoundResponse("no " + what + " with id " + ctx.pathParam("id")));
    }
}
