package dev.heterolora.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.AdapterSite;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.SiteAdapter;
import dev.heterolora.core.SiteKind;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** What a study stores about a search (settings, options, score table) reads back to equal values. */
class JsonTest {

    @Test
    void settingsRoundTripAndDefaultWhatIsMissing() throws Exception {
        SearchSettings settings = new SearchSettings(-3, 20, 30, 7, 99, 16, 0.5);

        assertThat(SearchSettings.fromJson(settings.toJson())).isEqualTo(settings);
        assertThat(SearchSettings.fromJson(new ObjectMapper().readTree("{\"seed\":5}")))
                .isEqualTo(SearchSettings.defaults(5));
        assertThatThrownBy(() -> SearchSettings.fromJson(new ObjectMapper().readTree("{}")))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("'seed'");
        assertThatThrownBy(() -> new SearchSettings(1, 1, 1, 1, 1, 8, 1))
                .isInstanceOf(HeteroloraException.class).hasMessage("population must be at least 2, got 1");
        assertThat(settings.withSeed(8).seed()).isEqualTo(8);
    }

    @Test
    void spaceOptionsRoundTrip() {
        SpaceOptions options = new SpaceOptions(SpaceOptions.parseKinds("down,q,cross_layer"), false,
                SpaceOptions.parseRanks("8,2"), AlphaRule.parse("32"));

        assertThat(options.toJson().toString())
                .isEqualTo("{\"kinds\":[\"q\",\"down\",\"cross_layer\"],\"shortcuts\":false,\"ranks\":[0,2,8],"
                        + "\"alpha\":\"32\"}");
        assertThat(SpaceOptions.fromJson(options.toJson())).isEqualTo(options);
        assertThat(AlphaRule.parse(AlphaRule.DEFAULT.text())).isEqualTo(AlphaRule.DEFAULT);
    }

    @Test
    void siteScoreTablesRoundTripAndAnswerByRank() {
        SearchSpace space = SearchSpace.of(Fixtures.llamaTiny(), SpaceOptions.defaults(), 10_000);
        SiteScoreTable table = SiteScoreTable.of(space, Fixtures.diminishingScores(space, 4));
        AdapterSite k = AdapterSite.parse("1.k");

        SiteScoreTable back = SiteScoreTable.fromJson(space, table.toJson());

        assertThat(back.toJson()).isEqualTo(table.toJson());
        assertThat(back.score(k, 32)).isEqualTo(table.score(space.indexOf(k), 6));
        assertThatThrownBy(() -> back.score(k, 64)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SiteScoreTable.fromJson(space, new ObjectMapper().createObjectNode()))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("for site 0.q");
    }

    /**
     * A trial's plan text is written without Jackson (a search stores thousands a second); it must be Jackson's
     * text of the same tree, character for character, or stored plans would change.
     */
    @Test
    void planTextIsJacksonsTextOfThePlanTree() {
        SplittableRandom random = new SplittableRandom(7);
        double[] alphas = {16.0, 2.0, 0.5, 1e-7, 1e21, 3.3333333333333335, 123456.789, Double.MIN_VALUE,
            Double.MAX_VALUE, 0.1 + 0.2};
        assertThat(AdapterPlan.empty().toJsonString()).isEqualTo("{\"sites\":{}}");
        for (int n = 0; n < 500; n++) {
            TreeMap<AdapterSite, SiteAdapter> sites = new TreeMap<>();
            for (int i = random.nextInt(12); i >= 0; i--) {
                SiteKind kind = SiteKind.values()[random.nextInt(SiteKind.values().length)];
                sites.put(new AdapterSite(random.nextInt(40), kind), new SiteAdapter(
                        1 + random.nextInt(128), random.nextBoolean() ? alphas[random.nextInt(alphas.length)]
                        : random.nextDouble() * Math.pow(10, random.nextInt(-8, 9))));
            }
            AdapterPlan plan = new AdapterPlan(sites);
            assertThat(plan.toJsonString()).isEqualTo(plan.toJson().toString());
            assertThat(AdapterPlan.fromJson(plan.toJsonString())).isEqualTo(plan);
        }
    }
}
