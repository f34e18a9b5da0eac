package dev.heterolora.dashboard;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.studies.StudyDatabase;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.javalin.util.JavalinBindException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code heterolora dashboard}: a read-only web application over the study database, as optuna-dashboard is for
 * Optuna studies. An embedded Javalin (Jetty) server serves a few pages (studies, a study, runs, a run, experiments,
 * the work queue), the JSON endpoints under {@code /api/} that those pages draw from and that scripts may call too,
 * and ECharts from its WebJar inside the jar: nothing is fetched from the network.
 *
 * <p>Safe by construction: the database is reached only as its SELECT-only user ({@link ReadOnlyDatabase}); requests
 * choose among queries written here and never send SQL; list endpoints are paged and every other response is
 * bounded; pages put stored text into the DOM as text, never as markup, under a Content-Security-Policy that allows
 * only the server's own scripts; and a server bound to a loopback address answers only requests whose Host header
 * names a loopback address, so a web page elsewhere cannot read the database through DNS rebinding.
 *
 * <p>Pages stay live by polling the API every second (studies and runs that another process is writing update in
 * the open page without a reload).
 */
public final class Dashboard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Dashboard.class);
    private static final Pattern LOOPBACK_V4 = Pattern.compile("127(\\.\\d{1,3}){3}");
    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
    /** The pages and the script each loads; the shell names the script, the script fills the page from the API. */
    private static final Map<String, String> PAGES = Map.of("/", "studies", "/studies/{id}", "study", "/runs", "runs",
            "/runs/{id}", "run", "/experiments", "experiments", "/queue", "queue");

    private final ReadOnlyDatabase db;
    private final Javalin server;
    private final String url;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private Dashboard(ReadOnlyDatabase db, Javalin server, String url) {
        this.db = db;
        this.server = server;
        this.url = url;
    }

    /**
     * Connects to the study database read-only and starts serving.
     *
     * @param host    the address to listen on, e.g. {@code 127.0.0.1}
     * @param port     the port, or 0 for any free one
     * @param database the study database; it is only ever read (see {@link ReadOnlyDatabase})
     * @throws HeteroloraException (one line) if the port is taken, the host cannot be bound or the database cannot
     *                             be opened
     */
    public static Dashboard start(String host, int port, StudyDatabase database) {
        if (port < 0 || port > 65_535) {
            throw new HeteroloraException("--port must be between 0 and 65535, not " + port);
        }
        InetAddress address = address(host);
        checkFree(address, port);
        ReadOnlyDatabase db = ReadOnlyDatabase.open(database);
        try {
            Api api = new Api(db);
            Shell shell = Shell.load();
            Javalin server = Javalin.create(config -> configure(config, api, shell, address)).start(host, port);
            String shown = address.getHostAddress().contains(":") ? "[" + address.getHostAddress() + "]" : host;
            return new Dashboard(db, server, "http://" + shown + ":" + server.port() + "/");
        } catch (JavalinBindException e) {
            db.close();
            throw taken(address, port);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** Where the dashboard is, e.g. {@code http://127.0.0.1:8080/}. */
    public String url() {
        return url;
    }

    /** Blocks until {@link #close} is called (by a shutdown hook on Ctrl-C, say). */
    public void awaitClose() throws InterruptedException {
        stopped.await();
    }

    /** Stops the server and closes the database connections. */
    @Override
    public void close() {
        try {
            server.stop();
        } finally {
            db.close();
            stopped.countDown();
        }
    }

    private static void configure(JavalinConfig config, Api api, Shell shell, InetAddress address) {
        config.startup.showJavalinBanner = false;
        config.startup.showOldJavalinVersionWarning = false;
        config.jsonMapper(new JavalinJackson(mapper(), false));
        config.staticFiles.enableWebjars();
        config.staticFiles.add(files -> {
            files.hostedPath = "/static";
            files.directory = "/dashboard/static";
            files.location = Location.CLASSPATH;
        });
        config.routes.before(ctx -> {
            ctx.header("Content-Security-Policy", CSP);
            ctx.header("X-Content-Type-Options", "nosniff");
            ctx.header("Referrer-Policy", "no-referrer");
            if (address.isLoopbackAddress() && !loopbackHost(ctx.host())) {
                throw new HttpResponseException(HttpStatus.FORBIDDEN.getCode(),
                        "this dashboard only answers requests addressed to the loopback interface");
            }
        });
        PAGES.forEach((path, page) -> config.routes.get(path, ctx -> ctx.html(shell.page(page))));
        api.routes(config.routes);
        config.routes.exception(HeteroloraException.class, (e, ctx) -> error(ctx, HttpStatus.BAD_REQUEST.getCode(),
                e.getMessage()));
        config.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), e.getMessage()));
        config.routes.exception(Exception.class, (e, ctx) -> {
            LOG.error("dashboard request {} failed", ctx.path(), e);
            error(ctx, HttpStatus.INTERNAL_SERVER_ERROR.getCode(), "internal error: " + e.getClass().getSimpleName());
        });
        config.routes.error(HttpStatus.NOT_FOUND.getCode(), ctx -> {
            if (ctx.result() == null) {
                error(ctx, HttpStatus.NOT_FOUND.getCode(), "no such page: " + ctx.path());
            }
        });
    }

    /** Errors are {@code {"error": "..."}} under {@code /api/}, plain text elsewhere. */
    private static void error(Context ctx, int status, String message) {
        ctx.status(status);
        if (ctx.path().startsWith("/api/")) {
            ctx.json(Map.of("error", message));
        } else {
            ctx.contentType("text/plain; charset=utf-8").result(message);
        }
    }

    /** Whether a Host header ({@code name[:port]}) names this machine's loopback interface. */
    static boolean loopbackHost(String host) {
        if (host == null) {
            return false;
        }
        String name = URI.create("http://" + host + "/").getHost();
        if (name == null) {
            return false;
        }
        String bare = name.startsWith("[") ? name.substring(1, name.length() - 1) : name;
        return Set.of("localhost", "::1", "0:0:0:0:0:0:0:1").contains(bare) || LOOPBACK_V4.matcher(bare).matches();
    }

    /**
     * Fails with one line when the port cannot be bound, before the server is built (Jetty would fail the same way,
     * but only after Javalin logged an error of its own); a port taken in between still fails with the same line.
     */
    private static void checkFree(InetAddress address, int port) {
        if (port == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(address, port));
        } catch (IOException e) {
            throw taken(address, port);
        }
    }

    private static HeteroloraException taken(InetAddress address, int port) {
        return new HeteroloraException("cannot listen on " + address.getHostAddress() + ":" + port + ": the port is "
                + "taken or not allowed (choose another with --port)");
    }

    private static InetAddress address(String host) {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new HeteroloraException("cannot listen on '" + host + "': unknown host");
        }
    }

    /**
     * The API's JSON: snake_case field names, instants as ISO-8601 text, and NaN or infinite numbers as
     * {@code null} (the store reads missing numbers back as NaN; JSON has no NaN).
     */
    static ObjectMapper mapper() {
        SimpleModule module = new SimpleModule("dashboard");
        module.addSerializer(Instant.class, ToStringSerializer.instance);
        StdSerializer<Double> finite = new StdSerializer<>(Double.class) {
            @Override
            public void serialize(Double value, JsonGenerator gen, SerializerProvider provider) throws IOException {
                if (Double.isFinite(value)) {
                    gen.writeNumber(value);
                } else {
                    gen.writeNull();
                }
            }
        };
        module.addSerializer(Double.class, finite);
        module.addSerializer(double.class, finite);
        return new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS).registerModule(module);
    }
}
