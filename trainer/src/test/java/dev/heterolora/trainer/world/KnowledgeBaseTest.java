package dev.heterolora.trainer.world;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.HeteroloraException;
import dev.heterolora.trainer.world.KnowledgeBase.Attribute;
import dev.heterolora.trainer.world.KnowledgeBase.Fact;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KnowledgeBaseTest {

    private final KnowledgeBase kb = KnowledgeBase.generate(1, 200);

    @Test
    void hasThreeFactsPerEntityWithUniqueNamesAndCapitals() {
        assertThat(kb.entities()).hasSize(200).doesNotHaveDuplicates()
                .allMatch(name -> name.matches("[A-Z][a-z]{2,11}"));
        assertThat(kb.facts()).hasSize(600);
        List<String> names = new ArrayList<>(kb.entities());
        names.addAll(kb.values(Attribute.CAPITAL));
        assertThat(names).hasSize(400).doesNotHaveDuplicates();
        assertThat(kb.facts()).allMatch(f -> kb.values(f.attribute()).contains(f.value()));
    }

    @Test
    void questionsAreShortAndLeadBackToTheirFact() {
        for (Fact fact : kb.facts()) {
            Task task = fact.task();
            assertThat(task.prompt()).hasSizeLessThanOrEqualTo(24)
                    .isEqualTo(fact.attribute().label() + " of " + fact.entity() + "?");
            assertThat(task.answer()).isEqualTo(fact.value());
            assertThat(kb.fact(task.prompt())).isEqualTo(fact);
        }
        assertThatThrownBy(() -> kb.fact("capital of Nowhere?"))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("Nowhere");
    }

    @Test
    void sameSeedSameKnowledgeOtherSeedOtherKnowledge() {
        assertThat(KnowledgeBase.generate(1, 200).facts()).isEqualTo(kb.facts());
        assertThat(KnowledgeBase.generate(2, 200).facts()).isNotEqualTo(kb.facts());
        assertThat(KnowledgeBase.generate(1, 50).entities()).isNotEmpty();
    }

    @Test
    void valuesAreSpreadOverThePools() {
        for (Attribute attribute : List.of(Attribute.COLOR, Attribute.ANIMAL)) {
            assertThat(kb.facts().stream().filter(f -> f.attribute() == attribute).map(Fact::value).distinct())
                    .hasSameSizeAs(kb.values(attribute));
        }
    }

    @Test
    void refusesSizesOutOfRange() {
        assertThatThrownBy(() -> KnowledgeBase.generate(1, 1)).isInstanceOf(HeteroloraException.class);
        assertThatThrownBy(() -> KnowledgeBase.generate(1, KnowledgeBase.MAX_ENTITIES + 1))
                .isInstanceOf(HeteroloraException.class);
    }
}
