package dev.heterolora.cli;

import dev.heterolora.core.HeteroloraException;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.StudyStorage;

/**
 * A study as the user names it on the command line: an id, a name ({@code search --name}), or nothing for the
 * latest finished study, the same for {@code study}, {@code report}, {@code export}, {@code replay} and
 * {@code study delete}.
 */
final class StudyRef {
    private StudyRef() {}

    /** The study {@code ref} names: an id when it is all digits and such a study exists, else a name. */
    static Study find(StudyStorage db, String ref) {
        if (ref == null) {
            return db.latestStudy();
        }
        if (ref.matches("\\d{1,18}")) {
            var byId = db.study(Long.parseLong(ref));
            if (byId.isPresent()) {
                return byId.get();
            }
            return db.studyNamed(ref).orElseThrow(() -> new HeteroloraException("no study with id " + ref));
        }
        return db.studyNamed(ref).orElseThrow(() -> new HeteroloraException("no study named '" + ref
                + "' (heterolora studies lists them)"));
    }
}
