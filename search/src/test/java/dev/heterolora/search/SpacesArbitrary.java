package dev.heterolora.search;

import dev.heterolora.core.ModelConfig;
import dev.heterolora.core.SiteKind;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Random search spaces for property tests: model family and size, site kinds, shortcuts, ranks and budget. */
final class SpacesArbitrary {

    private SpacesArbitrary() {}

    static Arbitrary<ModelConfig> models() {
        Arbitrary<ModelConfig> llamas = Combinators.combine(
                        Arbitraries.integers().between(1, 4),
                        Arbitraries.of(8, 16, 32, 64),
                        Arbitraries.of(1, 2, 4),
                        Arbitraries.of(1, 2, 3))
                .as((layers, hidden, kvDivisor, ffn) -> Fixtures.llama(layers, hidden, 4, 4 / kvDivisor, ffn * hidden));
        Arbitrary<ModelConfig> gpt2s = Combinators.combine(
                        Arbitraries.integers().between(1, 4), Arbitraries.of(8, 16, 32, 64))
                .as((layers, hidden) -> Fixtures.gpt2(layers, hidden, 4));
        return Arbitraries.oneOf(llamas, gpt2s);
    }

    /** A space over a random model whose budget lies anywhere from the cheapest adapter to everything at max. */
    static Arbitrary<SearchSpace> spaces() {
        return Combinators.combine(
                        models(),
                        Arbitraries.subsetOf(SiteKind.values()).ofMinSize(1),
                        Arbitraries.of(true, false),
                        Arbitraries.subsetOf(1, 2, 3, 4, 8, 16, 32, 64, 100).ofMinSize(1),
                        Arbitraries.doubles().between(0, 1))
                .as((model, kinds, shortcuts, ranks, share) -> {
                    SpaceOptions options = new SpaceOptions(EnumSet.copyOf(kinds), shortcuts, new ArrayList<>(ranks),
                            AlphaRule.DEFAULT);
                    List<SiteKind> present = model.sites(shortcuts).stream().map(s -> s.kind())
                            .filter(options.kinds()::contains).toList();
                    if (present.isEmpty()) {
                        return null;
                    }
                    SearchSpace widest = SearchSpace.of(model, options, Long.MAX_VALUE);
                    long cheapest = Long.MAX_VALUE;
                    long all = 0;
                    for (int s = 0; s < widest.size(); s++) {
                        cheapest = Math.min(cheapest, widest.cost(s, 1));
                        all += widest.cost(s, widest.rankCount(s) - 1);
                    }
                    return SearchSpace.of(model, options, cheapest + Math.round(share * (all - cheapest)));
                })
                .filter(s -> s != null);
    }
}
