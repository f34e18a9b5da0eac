package dev.heterolora.trainer.world;

/**
 * The exact judge of the embedded world: whether a response is correct, whether it follows the style rule, and
 * the preference score a user of the world wants maximised.
 *
 * <p>It exists so that accuracy, factuality, win-rates and the simulated preference labels are all computed from
 * one documented rule instead of an opinion. The rules:
 *
 * <ul>
 *   <li><b>Answer part</b>: the text of the response before its first {@code '.'} (the whole response if it has
 *       none), with leading and trailing space characters (U+0020 only) removed.</li>
 *   <li><b>Correct</b>: the answer part equals the task's answer exactly, case-sensitively. So {@code "47"},
 *       {@code " 47 ."} and {@code "47. ok"} are correct for {@code 47}; {@code "047"}, {@code "47 ok"},
 *       {@code "+47"} and {@code ""} are not.</li>
 *   <li><b>Style</b>: the response is one complete, minimal sentence: a non-empty answer part immediately followed
 *       by a single {@code '.'}, with nothing before or after (no spaces, no extra text). For a correct response
 *       this means it is exactly {@code answer + "."}. Style is judged on the form alone, so a wrong answer can
 *       still be in style.</li>
 *   <li><b>Score</b>: {@value #CORRECT_SCORE} if correct, plus {@value #STYLE_SCORE} if in style; so
 *       {@code "47."} scores 1.5, {@code "47"} and {@code "47. ok"} 1.0, {@code "48."} 0.5 and {@code "48"} 0.
 *       Correctness always outweighs style.</li>
 * </ul>
 */
public final class Oracle {

    /** Score for a correct answer part. */
    public static final double CORRECT_SCORE = 1.0;

    /** Score for following the style rule; smaller than {@link #CORRECT_SCORE}, so correctness comes first. */
    public static final double STYLE_SCORE = 0.5;

    private Oracle() {
    }

    /** The answer part of {@code response}: the text before its first period, without surrounding spaces. */
    public static String answerPart(String response) {
        int period = response.indexOf('.');
        String head = period < 0 ? response : response.substring(0, period);
        int start = 0;
        int end = head.length();
        while (start < end && head.charAt(start) == ' ') {
            start++;
        }
        while (end > start && head.charAt(end - 1) == ' ') {
            end--;
        }
        return head.substring(start, end);
    }

    /** Whether the answer part of {@code response} is exactly the task's answer. */
    public static boolean correct(Task task, String response) {
        return answerPart(response).equals(task.answer());
    }

    /** Whether {@code response} is exactly a non-empty answer part followed by one period. */
    public static boolean followsStyle(String response) {
        String part = answerPart(response);
        return !part.isEmpty() && response.equals(part + ".");
    }

    /** The preference score of {@code response}: correctness, then style (see the class comment). */
    public static double score(Task task, String response) {
        return (correct(task, response) ? CORRECT_SCORE : 0) + (followsStyle(response) ? STYLE_SCORE : 0);
    }
}
