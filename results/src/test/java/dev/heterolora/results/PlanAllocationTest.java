package dev.heterolora.results;

import dev.heterolora.core.HeteroloraException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PlanAllocationTest {
    @Test
    void parsesObjectsAndBareRanksDroppingRankZero() {
        PlanAllocation p = PlanAllocation.parse("{\"sites\":{\"1.residual_ffn\":{\"rank\":2,\"alpha\":4.0},"
                + "\"0.v\":8,\"0.q\":{\"rank\":8,\"alpha\":16.0},\"2.k\":0,\"0.cross_sublayer\":{\"rank\":1}}}");
        assertThat(p.sites()).extracting(PlanAllocation.Site::name)
                .containsExactly("0.q", "0.v", "0.cross_sublayer", "1.residual_ffn");
        assertThat(p.rank(0, "q")).isEqualTo(8);
        assertThat(p.rank(2, "k")).isZero();
        assertThat(p.sites().get(1).alpha()).isEqualTo(16.0);
        assertThat(p.sites().get(2).alpha()).isEqualTo(2.0);
        assertThat(p.layers()).isEqualTo(2);
        assertThat(p.kinds()).containsExactly("q", "v", "residual_ffn", "cross_sublayer");
        assertThat(p.maxRank()).isEqualTo(8);
    }

    @Test
    void acceptsTheBareSitesObjectAndAnEmptyPlan() {
        assertThat(PlanAllocation.parse("{\"3.up\": 4}").rank(3, "up")).isEqualTo(4);
        PlanAllocation empty = PlanAllocation.parse("{\"sites\":{}}");
        assertThat(empty.sites()).isEmpty();
        assertThat(empty.layers()).isZero();
    }

    @Test
    void rejectsMalformedPlansWithOneLine() {
        assertThatThrownBy(() -> PlanAllocation.parse("{\"sites\":")).isInstanceOf(HeteroloraException.class)
                .hasMessageStartingWith("plan is not valid JSON").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> PlanAllocation.parse("[1]")).isInstanceOf(HeteroloraException.class);
        assertThatThrownBy(() -> PlanAllocation.parse("{\"sites\":{\"q\":2}}")).isInstanceOf(HeteroloraException.class)
                .hasMessageContaining("bad adapter site 'q'");
        assertThatThrownBy(() -> PlanAllocation.parse("{\"sites\":{\"0.q\":-1}}")).isInstanceOf(HeteroloraException.class)
                .hasMessageContaining("bad rank");
        assertThatThrownBy(() -> PlanAllocation.parse("{\"sites\":{\"0.q\":1.5}}")).isInstanceOf(HeteroloraException.class);
    }

    @Test
    void ordersKindsProjectionsFirstThenShortcutsThenUnknown() {
        assertThat(PlanAllocation.orderKinds(List.of("cross_layer", "zeta", "down", "q", "qkv", "residual_attn", "q")))
                .containsExactly("qkv", "q", "down", "residual_attn", "cross_layer", "zeta");
    }

    @Test
    void readsTheSearchSpaceLeniently() {
        String space = "{\"budget\":9,\"sites\":[{\"site\":\"0.q\",\"ranks\":[0,2,16]},{\"site\":\"3.down\",\"ranks\":[0,4]}]}";
        assertThat(PlanAllocation.spaceSites(space)).containsExactly("0.q", "3.down");
        assertThat(PlanAllocation.spaceMaxRank(space)).isEqualTo(16);
        assertThat(PlanAllocation.spaceSites("{\"sites\":[\"1.v\"],\"ranks\":[0,8]}")).containsExactly("1.v");
        assertThat(PlanAllocation.spaceMaxRank("{\"sites\":[\"1.v\"],\"ranks\":[0,8]}")).isEqualTo(8);
        assertThat(PlanAllocation.spaceSites("not json")).isEmpty();
        assertThat(PlanAllocation.spaceMaxRank(null)).isZero();
    }
}
