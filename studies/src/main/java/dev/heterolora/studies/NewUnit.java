package dev.heterolora.studies;

import java.util.Objects;

/**
 * A unit of work to {@link WorkQueue#enqueue enqueue}.
 *
 * @param key         names the unit within its queue (e.g. {@code trial 12}, {@code lora seed 2}); at most 400 characters
 * @param payloadJson what a worker needs to do it, as JSON
 */
public record NewUnit(String key, String payloadJson) {
    public NewUnit {
        if (Objects.requireNonNull(key, "key").isBlank() || key.length() > 400) {
            throw new IllegalArgumentException("a unit key must be 1 to 400 characters: '" + key + "'");
        }
        Objects.requireNonNull(payloadJson, "payloadJson");
    }
}
