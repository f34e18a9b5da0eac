package dev.heterolora.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.AdapterSite;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.ModelConfig;
import dev.heterolora.core.SiteAdapter;
import dev.heterolora.core.SiteKind;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SearchSpaceTest {

    private final ModelConfig llama = Fixtures.llamaTiny();

    @Test
    void allSitesWithShortcutsAreEveryProjectionAndShortcutInModelOrder() {
        SearchSpace space = SearchSpace.of(llama, SpaceOptions.defaults(), 100_000);

        assertThat(space.size()).isEqualTo(2 * 7 + 4 + 3);
        assertThat(space.sites()).isEqualTo(llama.sites(true));
        assertThat(space.sites().getFirst()).isEqualTo(AdapterSite.parse("0.q"));
        assertThat(space.indexOf(AdapterSite.parse("1.cross_layer"))).isEqualTo(space.size() - 1);
        assertThat(space.indexOf(AdapterSite.parse("0.cross_layer"))).isEqualTo(-1);
    }

    @Test
    void siteKindsAndShortcutsSelectTheSites() {
        SpaceOptions qv = new SpaceOptions(SpaceOptions.parseKinds("q, v"), true, SpaceOptions.DEFAULT_RANKS,
                AlphaRule.DEFAULT);
        SpaceOptions noShortcuts = new SpaceOptions(SpaceOptions.parseKinds("all"), false,
                SpaceOptions.DEFAULT_RANKS, AlphaRule.DEFAULT);

        assertThat(SearchSpace.of(llama, qv, 10_000).sites()).extracting(AdapterSite::toString)
                .containsExactly("0.q", "0.v", "1.q", "1.v");
        assertThat(SearchSpace.of(llama, noShortcuts, 10_000).sites()).hasSize(14)
                .noneMatch(s -> s.kind().isShortcut());
        assertThat(SearchSpace.of(Fixtures.gpt2Tiny(), noShortcuts, 10_000).sites())
                .extracting(s -> s.kind().id()).containsOnly("qkv", "o", "up", "down");
    }

    @Test
    void ranksAreCappedPerSiteByTheMatrixSizeAndCostRankTimesInPlusOut() {
        // llama-tiny: q is 64→64, k is 64→32 (2 KV heads of 16)
        SearchSpace space = SearchSpace.of(llama, SpaceOptions.defaults(), 100_000);
        int q = space.indexOf(AdapterSite.parse("0.q"));
        int k = space.indexOf(AdapterSite.parse("0.k"));

        assertThat(space.ranks(q)).containsExactly(0, 1, 2, 4, 8, 16, 32, 64);
        assertThat(space.ranks(k)).containsExactly(0, 1, 2, 4, 8, 16, 32);
        assertThat(space.cost(k, 3)).isEqualTo(4L * (64 + 32));
        assertThat(space.cost(q, 0)).isZero();

        // a cap that is not in the list becomes a rank of its own: k of a 12-wide model is 12→6
        SearchSpace narrow = SearchSpace.of(Fixtures.llama(1, 12, 2, 1, 24), SpaceOptions.defaults(), 10_000);
        assertThat(narrow.ranks(narrow.indexOf(AdapterSite.parse("0.k")))).containsExactly(0, 1, 2, 4, 6);
        assertThat(narrow.indexAtMost(narrow.indexOf(AdapterSite.parse("0.k")), 64)).isEqualTo(4);
    }

    @Test
    void plansAndGenotypesConvertBothWaysWithAlphaByTheRule() {
        SearchSpace space = SearchSpace.of(llama, SpaceOptions.defaults(), 100_000);
        int[] g = new int[space.size()];
        g[0] = 3;
        g[space.size() - 1] = 1;

        AdapterPlan plan = space.toPlan(g);

        assertThat(plan.adapters()).containsExactlyEntriesOf(new TreeMap<>(Map.of(
                AdapterSite.parse("0.q"), new SiteAdapter(4, 8),
                AdapterSite.parse("1.cross_layer"), new SiteAdapter(1, 2))));
        assertThat(space.encode(plan)).isEqualTo(g);
        assertThat(space.parameters(g)).isEqualTo(plan.trainableParameters(llama)).isEqualTo(4 * 128 + 128);

        SpaceOptions fixed = new SpaceOptions(EnumSet.of(SiteKind.Q), false, List.of(8), AlphaRule.parse("16"));
        assertThat(SearchSpace.of(llama, fixed, 10_000).toPlan(new int[] {1, 1}).adapters().values())
                .containsOnly(new SiteAdapter(8, 16));
    }

    @Test
    void encodingRejectsSitesAndRanksOutsideTheSpace() {
        SpaceOptions q = new SpaceOptions(EnumSet.of(SiteKind.Q), false, List.of(4, 8), AlphaRule.DEFAULT);
        SearchSpace space = SearchSpace.of(llama, q, 10_000);

        assertThatThrownBy(() -> space.encode(AdapterPlan.fromJson("{\"sites\":{\"0.v\":4}}")))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("0.v is not in the search space");
        assertThatThrownBy(() -> space.encode(AdapterPlan.fromJson("{\"sites\":{\"0.q\":2}}")))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("rank 2 is not allowed");
    }

    @Test
    void theStoredJsonRebuildsTheSameSpaceAndRefusesAnotherModel() throws Exception {
        SpaceOptions options = new SpaceOptions(SpaceOptions.parseKinds("q,k,residual_ffn"), true,
                SpaceOptions.parseRanks("16,2,4"), AlphaRule.parse("1.5r"));
        SearchSpace space = SearchSpace.of(llama, options, 12_345);

        SearchSpace back = SearchSpace.fromJson(llama, new ObjectMapper().readTree(space.toJson().toString()));

        assertThat(back.toJson()).isEqualTo(space.toJson());
        assertThat(back.sites()).isEqualTo(space.sites());
        assertThat(back.options()).isEqualTo(options);
        assertThat(back.options().ranks()).containsExactly(0, 2, 4, 16);
        assertThat(back.budget()).isEqualTo(12_345);
        assertThatThrownBy(() -> SearchSpace.fromJson(Fixtures.llama(3, 64, 4, 2, 128), space.toJson()))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("does not match");
    }

    @Test
    void badChoicesFailWithOneLineMessages() {
        SpaceOptions qkv = new SpaceOptions(EnumSet.of(SiteKind.QKV), true, SpaceOptions.DEFAULT_RANKS,
                AlphaRule.DEFAULT);
        assertThatThrownBy(() -> SearchSpace.of(llama, qkv, 10_000))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("no adapter sites selected");
        assertThatThrownBy(() -> new SpaceOptions(EnumSet.noneOf(SiteKind.class), true, List.of(1), AlphaRule.DEFAULT))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("no adapter site kinds");
        assertThatThrownBy(() -> new SpaceOptions(EnumSet.of(SiteKind.Q), true, List.of(4, -2), AlphaRule.DEFAULT))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("positive integers");
        assertThatThrownBy(() -> new SpaceOptions(EnumSet.of(SiteKind.Q), true, List.of(0), AlphaRule.DEFAULT))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("at least one positive");
        assertThatThrownBy(() -> SpaceOptions.parseRanks("4,eight"))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("bad rank 'eight'");
        assertThatThrownBy(() -> SpaceOptions.parseKinds("q,z"))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("unknown adapter site kind 'z'");
        assertThatThrownBy(() -> AlphaRule.parse("two"))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("bad alpha rule");
        // cheapest adapter: rank 1 at a k or v projection, 64 + 32 parameters
        assertThatThrownBy(() -> SearchSpace.of(llama, SpaceOptions.defaults(), 95))
                .isInstanceOf(HeteroloraException.class)
                .hasMessage("budget of 95 parameters is below the cheapest possible adapter (rank 1 at 0.k needs 96)");
        assertThat(SearchSpace.of(llama, SpaceOptions.defaults(), 96).budget()).isEqualTo(96);
    }

    @Test
    void repairLowersTheCostliestAdapterOneStepAtATimeEarlierSiteFirst() {
        SpaceOptions qv = new SpaceOptions(EnumSet.of(SiteKind.Q, SiteKind.V), false, List.of(1, 2, 4, 8),
                AlphaRule.DEFAULT);
        // sites 0.q (128/rank), 0.v (96/rank), 1.q, 1.v; budget 2000
        SearchSpace space = SearchSpace.of(llama, qv, 2_000);

        // rank 8 everywhere is 1024 + 768 + 1024 + 768 = 3584: the q sites (1024 each) go to rank 4 first, 0.q
        // before 1.q, then both v sites (768 each): 512 + 384 + 512 + 384 = 1792 fits
        int[] repaired = space.repair(new int[] {4, 4, 4, 4});

        assertThat(repaired).containsExactly(3, 3, 3, 3);
        assertThat(space.parameters(repaired)).isEqualTo(1792);
        assertThat(space.repair(new int[] {4, 0, 0, 0})).containsExactly(4, 0, 0, 0);
        assertThat(space.repair(new int[] {4, 4, 4, 0})).containsExactly(3, 4, 3, 0);
    }
}
