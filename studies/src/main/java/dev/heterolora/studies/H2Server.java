package dev.heterolora.studies;

import dev.heterolora.core.HeteroloraException;

import java.io.IOException;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import org.h2.engine.SysProperties;
import org.h2.tools.Server;

/**
 * The H2 TCP server that lets several processes (and, if told, machines) share one data directory's study database:
 * {@code heterolora server start} runs one, and while it runs every local command on that directory connects through
 * it ({@link StudyDatabase#inHome}) instead of opening the file, which H2 lets only one process do.
 *
 * <p>It listens on loopback unless the JVM's {@code h2.bindAddress} names another address (set before H2 loads), and
 * accepts only the database's own users with their generated passwords; remote clients cannot create databases. Its
 * address, port, process id and a generated shutdown password are kept in the owner-only file
 * {@code server.properties} in the data directory while it runs.
 */
public final class H2Server implements AutoCloseable {
    static final String FILE = "server.properties";
    private static final String LOOPBACK = "127.0.0.1";

    /**
     * A running server as its {@code server.properties} describes it.
     *
     * @param address the address it listens on ({@code 0.0.0.0}: every interface)
     */
    public record Info(String address, int port, long pid) {
        /** Where a client on this machine connects. */
        public String clientHost() {
            return address.equals("0.0.0.0") || address.equals("::") ? LOOPBACK : address;
        }
    }

    private final Path home;
    private final Server server;

    private H2Server(Path home, Server server) {
        this.home = home;
        this.server = server;
    }

    /**
     * Creates and migrates the data directory's database if needed, then serves it from this process.
     *
     * @param port the TCP port, or 0 for any free one
     * @throws HeteroloraException (one line) if a server already runs for {@code home} or the port cannot be bound
     */
    public static H2Server start(Path home, int port) {
        if (System.getProperty("h2.bindAddress") == null) {
            System.setProperty("h2.bindAddress", LOOPBACK);
        }
        if (SysProperties.BIND_ADDRESS == null) {
            throw new HeteroloraException("the H2 server would listen on every interface: h2.bindAddress must be set "
                    + "before H2 is first used in this JVM (the heterolora command does so)");
        }
        Optional<Info> running = running(home);
        if (running.isPresent()) {
            throw new HeteroloraException("a server already runs for " + home + " (pid " + running.get().pid()
                    + ", port " + running.get().port() + ")");
        }
        StudyDatabase.at(StudyDatabase.fileUrl(home)).open().close();
        String address = SysProperties.BIND_ADDRESS;
        String shutdownPassword = Passwords.random().admin();
        Server server;
        try {
            server = Server.createTcpServer(loopback(address)
                    ? new String[] {"-tcpPort", String.valueOf(port), "-baseDir", home.toAbsolutePath().toString(),
                        "-ifExists", "-tcpPassword", shutdownPassword}
                    : new String[] {"-tcpPort", String.valueOf(port), "-baseDir", home.toAbsolutePath().toString(),
                        "-ifExists", "-tcpPassword", shutdownPassword, "-tcpAllowOthers"}).start();
        } catch (SQLException e) {
            throw new HeteroloraException("cannot start the H2 server: " + SqlErrors.oneLine(e));
        }
        Path file = home.resolve(FILE);
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            server.stop();
            throw new HeteroloraException("cannot replace the stale " + file + ": " + PrivateFiles.reason(e));
        }
        PrivateFiles.createSecret(file, "# the H2 server of this data directory (heterolora server start)\n"
                + "address=" + address + "\nport=" + server.getPort() + "\npid=" + ProcessHandle.current().pid()
                + "\nshutdown=" + shutdownPassword + "\n");
        return new H2Server(home, server);
    }

    /** The port it listens on. */
    public int port() {
        return server.getPort();
    }

    /** Blocks until the server has been stopped (by {@link #stop(Path)} from any process, or {@link #close()}). */
    public void awaitStop() throws InterruptedException {
        while (server.isRunning(false)) {
            Thread.sleep(200);
        }
        forget();
    }

    /** Stops serving (open connections are closed, the database file is closed) and removes {@code server.properties}. */
    @Override
    public void close() {
        server.stop();
        forget();
    }

    /** The server that serves {@code home}'s database, if one is running (its process is alive and its port answers). */
    public static Optional<Info> running(Path home) {
        Path file = home.resolve(FILE);
        if (!Files.isReadable(file)) {
            return Optional.empty();
        }
        Properties p = read(file);
        Info info;
        try {
            info = new Info(p.getProperty("address"), Integer.parseInt(p.getProperty("port")),
                    Long.parseLong(p.getProperty("pid")));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        boolean alive = ProcessHandle.of(info.pid()).map(ProcessHandle::isAlive).orElse(false);
        return alive && answers(info) ? Optional.of(info) : Optional.empty();
    }

    /**
     * Asks the server of {@code home} to stop and waits up to {@code wait} for its process to end.
     *
     * @return the server that was stopped, or empty if none was running
     */
    public static Optional<Info> stop(Path home, Duration wait) {
        Optional<Info> running = running(home);
        running.ifPresent(info -> {
            try {
                Server.shutdownTcpServer("tcp://" + info.clientHost() + ":" + info.port(),
                        read(home.resolve(FILE)).getProperty("shutdown"), false, false);
            } catch (SQLException e) {
                throw new HeteroloraException("cannot stop the H2 server on port " + info.port() + ": "
                        + SqlErrors.oneLine(e));
            }
            ProcessHandle.of(info.pid()).ifPresent(process -> {
                try {
                    process.onExit().get(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    // it stopped listening; its process may take a moment longer
                }
            });
        });
        return running;
    }

    private void forget() {
        try {
            Files.deleteIfExists(home.resolve(FILE));
        } catch (IOException e) {
            // a stale file is harmless: running() checks the process and the port
        }
    }

    private static boolean answers(Info info) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(info.clientHost(), info.port()), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean loopback(String address) {
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new HeteroloraException("unknown server address '" + address + "'");
        }
    }

    private static Properties read(Path file) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(Files.readString(file)));
        } catch (IOException e) {
            throw new HeteroloraException("cannot read " + file + ": " + PrivateFiles.reason(e));
        }
        return p;
    }
}
