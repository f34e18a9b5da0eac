package dev.heterolora.trainer;

import dev.heterolora.core.HeteroloraException;

/**
 * Dynamic loss scaling for fp16 training, as {@code torch.amp.GradScaler} does it: the loss is multiplied by the
 * scale before the backward pass so that small fp16 gradients do not flush to zero, the gradients are divided by it
 * in fp32 before the update, and the scale adapts — an update whose gradients overflowed (inf or NaN) is skipped
 * and halves the scale, and every {@code growthInterval} clean updates in a row double it.
 */
public final class LossScale {
    /** GradScaler's defaults: 2^16, grown every 2000 clean updates. */
    public static final double INITIAL = 65536;
    public static final int GROWTH_INTERVAL = 2000;

    private final int growthInterval;
    private double scale;
    private int clean;
    private int skipped;

    public LossScale(double initial, int growthInterval) {
        if (!(initial > 0) || Double.isInfinite(initial) || growthInterval < 1) {
            throw new HeteroloraException("loss scale must be positive and finite and its growth interval >= 1");
        }
        this.scale = initial;
        this.growthInterval = growthInterval;
    }

    /** A scale with GradScaler's defaults. */
    public static LossScale standard() {
        return new LossScale(INITIAL, GROWTH_INTERVAL);
    }

    /** The factor the loss is multiplied by now. */
    public double value() {
        return scale;
    }

    /** Number of updates skipped so far because their gradients overflowed. */
    public int skipped() {
        return skipped;
    }

    /** Records an update's outcome: finite gradients count towards growth, an overflow halves the scale. */
    public void update(boolean finite) {
        if (finite) {
            if (++clean == growthInterval) {
                scale *= 2;
                clean = 0;
            }
        } else {
            scale /= 2;
            clean = 0;
            skipped++;
        }
    }
}
