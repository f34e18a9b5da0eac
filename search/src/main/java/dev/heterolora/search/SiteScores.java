package dev.heterolora.search;

import dev.heterolora.core.AdapterSite;

/** The additive part of a fitness: the score one site contributes at one rank (0 at rank 0). */
@FunctionalInterface
public interface SiteScores {
    double score(AdapterSite site, int rank);
}
