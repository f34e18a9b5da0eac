package dev.heterolora.search;

import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.ModelFamily;
import dev.heterolora.core.SiteKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The rules a searched plan must be compared against honestly, each defined once here: the CLI's baseline table,
 * the strategies of the same names ({@link BaselineSearch}), the GA's starting plans and {@code validate}'s
 * comparison all take their plans from this enum.
 *
 * <p>The uniform-rank rules put the largest allowed rank whose plan fits the budget (capped per site like every
 * rank of the {@link SearchSpace}) on a set of sites of the space:
 * <ul>
 *   <li>{@code peft-default}: PEFT's default target modules, what a user gets without choosing any
 *       ({@link #peftDefaultKinds}: q and v for Llama and Qwen2, GPT-2's fused {@code c_attn});</li>
 *   <li>{@code all-linear}: every projection (PEFT's {@code all-linear}), no shortcut: plain LoRA everywhere;</li>
 *   <li>{@code uniform}: every site of the space, shortcuts included: the ablation "same placement budget, no
 *       heterogeneity".</li>
 * </ul>
 * {@code topk} is HeteroLoRA's own rule (sites by per-site score at one fixed rank) and {@code random} the mean
 * fitness of {@value #RANDOM_PLANS} seeded random plans repaired into the budget: what any search must beat.
 *
 * <p>Whether a rule fits is known before any fitness: {@link #check} gives, for every rule whose smallest plan
 * exceeds the budget, the parameters it would need.
 */
public enum Baseline {
    PEFT_DEFAULT("peft-default", "uniform rank on PEFT's default target modules (q and v; GPT-2: c_attn)"),
    ALL_LINEAR("all-linear", "uniform rank on every projection, no shortcuts"),
    UNIFORM("uniform", "uniform rank on every site of the search space, shortcuts included"),
    TOPK("topk", "HeteroLoRA's rule: the best-scoring sites at one fixed rank, as many as fit"),
    RANDOM("random", "mean fitness of " + Baseline.RANDOM_PLANS + " seeded random plans repaired into the budget");

    /** Plans the {@code random} baseline averages over. */
    public static final int RANDOM_PLANS = 20;

    private final String id;
    private final String description;

    Baseline(String id, String description) {
        this.id = id;
        this.description = description;
    }

    /** The name users see and type ({@code peft-default}, …). */
    public String id() {
        return id;
    }

    /** One line saying what the rule does. */
    public String description() {
        return description;
    }

    /** The baseline called {@code name} (case-insensitive). */
    public static Baseline named(String name) {
        String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(b -> b.id.equals(n)).findFirst()
                .orElseThrow(() -> new HeteroloraException("unknown baseline '" + name + "' (expected one of "
                        + Arrays.stream(values()).map(Baseline::id).collect(Collectors.joining(", ")) + ")"));
    }

    /**
     * PEFT's default LoRA target modules of a family (its {@code TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING}):
     * {@code q_proj, v_proj} for Llama and Qwen2, {@code c_attn} for GPT-2.
     */
    public static Set<SiteKind> peftDefaultKinds(ModelFamily family) {
        return switch (family) {
            case GPT2 -> EnumSet.of(SiteKind.QKV);
            case LLAMA, QWEN2 -> EnumSet.of(SiteKind.Q, SiteKind.V);
        };
    }

    /**
     * Why this rule cannot be applied here, if it cannot: the space lacks its sites, {@code topk}'s rank is not
     * an allowed rank, or {@code topk} has no per-site scores (the fitness has no {@link PlanFitness#surrogate()}).
     */
    public Optional<String> inapplicable(SearchSpace space, SearchSettings settings, boolean hasSiteScores) {
        return switch (this) {
            case PEFT_DEFAULT, ALL_LINEAR, UNIFORM -> sites(space).isEmpty()
                    ? Optional.of(id + ": the search space has no " + siteLabel(space).strip() + " sites")
                    : Optional.empty();
            case TOPK -> !space.options().ranks().contains(settings.topkRank())
                    ? Optional.of("top-k rank " + settings.topkRank() + " is not one of the allowed ranks "
                    + space.options().ranks())
                    : hasSiteScores ? Optional.empty()
                    : Optional.of("strategy topk needs a fitness that is a sum of per-site scores; this fitness is"
                    + " not (use auto, ga, nsga2, uniform, peft-default, all-linear or random)");
            case RANDOM -> Optional.empty();
        };
    }

    /**
     * Without any fitness: empty if the rule's plan fits the budget, else what its smallest plan needs. Call it on
     * an applicable rule ({@link #inapplicable}); per-site scores do not matter here.
     */
    public Optional<BaselineResult.DoesNotFit> doesNotFit(SearchSpace space, SearchSettings settings) {
        long needs = switch (this) {
            case PEFT_DEFAULT, ALL_LINEAR, UNIFORM -> space.parameters(uniform(space, space.options().ranks().get(1)));
            case TOPK -> {
                int rank = settings.topkRank();
                yield IntStream.range(0, space.size()).mapToLong(s -> space.cost(s, space.indexAtMost(s, rank)))
                        .min().orElseThrow();
            }
            case RANDOM -> 0;
        };
        if (needs <= space.budget()) {
            return Optional.empty();
        }
        String what = this == TOPK ? "rank " + settings.topkRank() + " at the cheapest site"
                : "rank " + space.options().ranks().get(1) + " on all " + sites(space).size() + " "
                + siteLabel(space) + "sites";
        return Optional.of(new BaselineResult.DoesNotFit(this, needs, "no " + id + " plan fits the budget of "
                + space.budget() + " parameters: " + what + " needs " + needs));
    }

    /**
     * The fitness-free verdict on every rule that applies to the space: those whose smallest plan exceeds the
     * budget, with what they need. For the CLI to say so before the proxy pass.
     */
    public static List<BaselineResult.DoesNotFit> check(SearchSpace space, SearchSettings settings) {
        return Arrays.stream(values()).filter(b -> b.inapplicable(space, settings, true).isEmpty())
                .flatMap(b -> b.doesNotFit(space, settings).stream()).toList();
    }

    /**
     * The rule's plans: one plan, or {@value #RANDOM_PLANS} for {@code random}.
     *
     * @param siteScores per-site scores ({@code topk} needs them; the others ignore them)
     * @throws HeteroloraException if the rule does not apply or does not fit
     */
    public List<AdapterPlan> plans(SearchSpace space, SearchSettings settings, Optional<SiteScores> siteScores) {
        return genotypes(space, settings, siteScores.map(s -> SiteScoreTable.of(space, s))).stream()
                .map(space::toPlan).toList();
    }

    /** This rule's fitness (the mean over its plans) next to a search with {@code fitness}; applicable rules only. */
    public BaselineResult evaluate(SearchSpace space, PlanFitness fitness, SearchSettings settings) {
        Optional<BaselineResult.DoesNotFit> unfit = doesNotFit(space, settings);
        if (unfit.isPresent()) {
            return unfit.get();
        }
        List<int[]> genotypes = genotypes(space, settings,
                fitness.surrogate().map(s -> SiteScoreTable.of(space, s)));
        List<Evaluation> evaluations = fitness.evaluate(genotypes.stream().map(space::toPlan).toList());
        double mean = evaluations.stream().mapToDouble(Evaluation::fitness).average().orElseThrow();
        long parameters = Math.round(genotypes.stream().mapToLong(space::parameters).average().orElseThrow());
        return new BaselineResult.Scored(this, parameters, mean);
    }

    /**
     * The one plan of each fixed rule in {@code rules} that applies to the space and fits its budget, in the given
     * order (for trainings next to searched plans); a rule that cannot fit goes to {@code unfit} instead.
     */
    public static Map<Baseline, AdapterPlan> fittingPlans(List<Baseline> rules, SearchSpace space,
                                                        SearchSettings settings,
                                                        Consumer<BaselineResult.DoesNotFit> unfit) {
        Map<Baseline, AdapterPlan> out = new LinkedHashMap<>();
        for (Baseline b : rules) {
            if (b.inapplicable(space, settings, false).isPresent()) {
                continue;
            }
            Optional<BaselineResult.DoesNotFit> tooBig = b.doesNotFit(space, settings);
            if (tooBig.isPresent()) {
                unfit.accept(tooBig.get());
            } else {
                out.put(b, b.plans(space, settings, Optional.empty()).get(0));
            }
        }
        return out;
    }

    /**
     * Every rule that applies to this space and fitness, in declaration order, evaluated with {@code fitness}
     * directly (not sent to any trial sink, so a study's trial sequence stays the strategy's own).
     */
    public static List<BaselineResult> evaluateAll(SearchSpace space, PlanFitness fitness, SearchSettings settings) {
        boolean scores = fitness.surrogate().isPresent();
        return Arrays.stream(values()).filter(b -> b.inapplicable(space, settings, scores).isEmpty())
                .map(b -> b.evaluate(space, fitness, settings)).toList();
    }

    /** The genotypes whose mean fitness is the rule's value: one, or {@value #RANDOM_PLANS} for random. */
    List<int[]> genotypes(SearchSpace space, SearchSettings settings, Optional<SiteScoreTable> scores) {
        if (this == RANDOM) {
            RandomGenerator random = settings.random();
            return IntStream.range(0, RANDOM_PLANS).mapToObj(i -> space.repair(space.randomGenotype(random))).toList();
        }
        return List.of(ladder(space, settings, scores).getLast());
    }

    /**
     * What the strategy of this rule evaluates, its answer last: every distinct fitting uniform plan from the
     * smallest rank up (so a study shows what each rank scores), or {@code topk}'s one plan.
     *
     * @throws HeteroloraException if the rule does not apply or does not fit
     */
    List<int[]> ladder(SearchSpace space, SearchSettings settings, Optional<SiteScoreTable> scores) {
        inapplicable(space, settings, scores.isPresent()).ifPresent(reason -> {
            throw new HeteroloraException(reason);
        });
        doesNotFit(space, settings).ifPresent(unfit -> {
            throw new HeteroloraException(unfit.message());
        });
        return switch (this) {
            case PEFT_DEFAULT, ALL_LINEAR, UNIFORM -> {
                List<int[]> fitting = new ArrayList<>();
                List<Integer> ranks = space.options().ranks();
                for (int rank : ranks.subList(1, ranks.size())) {
                    int[] g = uniform(space, rank);
                    if (space.isFeasible(g) && (fitting.isEmpty() || !Arrays.equals(fitting.getLast(), g))) {
                        fitting.add(g);
                    }
                }
                yield fitting;
            }
            case TOPK -> List.of(topk(space, settings, scores.orElseThrow()));
            case RANDOM -> throw new IllegalStateException("random has no ladder; see RandomSearch");
        };
    }

    /**
     * HeteroLoRA's rule: sites at {@code topkRank} (capped per site) in order of score there (ties: site order),
     * each enabled if it still fits, until {@code ceil(topkFraction · sites)} are on or none is left.
     */
    private static int[] topk(SearchSpace space, SearchSettings settings, SiteScoreTable table) {
        int[] at = IntStream.range(0, space.size()).map(s -> space.indexAtMost(s, settings.topkRank())).toArray();
        List<Integer> order = IntStream.range(0, space.size()).boxed()
                .sorted(Comparator.comparingDouble((Integer s) -> table.score(s, at[s])).reversed()
                        .thenComparing(Comparator.naturalOrder()))
                .toList();
        return Knapsack.fill(space, at, order, (int) Math.ceil(settings.topkFraction() * space.size()));
    }

    /** The genotype with {@code rank} (capped per site) on this rule's sites, all others off. */
    private int[] uniform(SearchSpace space, int rank) {
        int[] g = new int[space.size()];
        for (int s : sites(space)) {
            g[s] = space.indexAtMost(s, rank);
        }
        return g;
    }

    /** Genes of the sites a uniform-rank rule covers. */
    private List<Integer> sites(SearchSpace space) {
        Set<SiteKind> peft = peftDefaultKinds(space.config().family());
        return IntStream.range(0, space.size()).filter(s -> switch (this) {
            case PEFT_DEFAULT -> peft.contains(space.sites().get(s).kind());
            case ALL_LINEAR -> !space.sites().get(s).kind().isShortcut();
            case UNIFORM -> true;
            case TOPK, RANDOM -> throw new IllegalStateException(id + " is not a uniform-rank rule");
        }).boxed().toList();
    }

    /** How messages name this rule's sites: {@code "q, v "}, {@code "projection "}, or nothing for all sites. */
    private String siteLabel(SearchSpace space) {
        return switch (this) {
            case PEFT_DEFAULT -> peftDefaultKinds(space.config().family()).stream().map(SiteKind::id)
                    .collect(Collectors.joining(", ")) + " ";
            case ALL_LINEAR -> "projection ";
            default -> "";
        };
    }
}
