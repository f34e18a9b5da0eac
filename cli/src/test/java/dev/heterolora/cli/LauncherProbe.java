package dev.heterolora.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Stands in for the CLI's jar in {@link LauncherTest}: prints the JVM flags it was started with and, on request, a
 * line read from standard input; sleeps and exits with the status it is asked for; says when it is terminated.
 */
public final class LauncherProbe {
    private LauncherProbe() {}

    public static void main(String[] args) throws Exception {
        List<String> a = List.of(args);
        System.out.println("jvm " + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        if (a.contains("--stdin")) {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            System.out.println("stdin " + in.readLine());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("shutting down")));
        System.out.flush();
        Thread.sleep(value(a, "--sleep-ms", 0));
        System.exit(value(a, "--exit", 0));
    }

    private static int value(List<String> args, String flag, int otherwise) {
        int i = args.indexOf(flag);
        return i < 0 ? otherwise : Integer.parseInt(args.get(i + 1));
    }
}
