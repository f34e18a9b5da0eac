package dev.heterolora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.heterolora.trainer.ppo.PpoSettings;
import dev.heterolora.trainer.ppo.Regulariser;
import dev.heterolora.trainer.ppo.ValueSetup;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The flags {@code experiment rlhf} gives a child {@code train} parse back to exactly the same settings. */
class PpoOptionsTest {
    @Command(name = "holder")
    static final class Holder {
        @Mixin
        PpoOptions ppo;
    }

    private static Holder parse(PpoSettings s, ValueSetup v) {
        Holder h = new Holder();
        new CommandLine(h).parseArgs(PpoOptions.arguments(s, v).toArray(new String[0]));
        return h;
    }

    @Test
    void argumentsRoundTripEverySetting() {
        PpoSettings s = new PpoSettings(7, 24, 6, 3, 3.5e-5, 0.07, 6, 5000, Regulariser.JS_EXACT, 0.99, 0.9, 0.15, 0.3,
                0.25, 0.5, 9, 0.8, 0.95, -1.5, 42);
        ValueSetup v = new ValueSetup(ValueSetup.Kind.SHARED, 3);
        Holder h = parse(s, v);
        assertThat(h.ppo.settings()).isEqualTo(s);
        assertThat(h.ppo.value()).isEqualTo(v);
        PpoSettings none = PpoSettings.defaults().withRegulariser(Regulariser.NONE).withSeed(3);
        assertThat(parse(none, ValueSetup.defaults()).ppo.settings()).isEqualTo(none);
    }
}
