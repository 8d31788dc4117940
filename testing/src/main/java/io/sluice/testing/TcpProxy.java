package io.sluice.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP forwarder on a loopback port of its own, in front of one listener, whose two directions can be held (bytes
 * read but not passed on until the gate opens, as a network that delivers nothing until it heals, or a stopped
 * process that neither reads nor writes) and delayed (each chunk passed on {@code delay} after it was read, so a
 * delay adds latency without limiting throughput).
 *
 * <p>"Forward" is from whoever connects to the listener behind the proxy (requests), "backward" the other way
 * (replies). The upstream port is looked up per connection, so the listener may move (a broker restarted on port 0).
 * Threads: one acceptor, and per connection a reader and a writer per direction, all daemons.
 */
final class TcpProxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TcpProxy.class);
    private static final int CHUNK = 64 << 10;
    /** Chunks read ahead per direction while held or delayed; then the reader stops reading (TCP back-pressure). */
    private static final int QUEUE_CHUNKS = 256;
    private static final byte[] EOF = new byte[0];

    /** When a direction may pass bytes on, and how late; re-evaluated whenever {@code monitor} is notified. */
    record Gate(BooleanSupplier open, LongSupplier delayNanos) {
        static final Gate ALWAYS_OPEN = new Gate(() -> true, () -> 0);
    }

    private final String name;
    private final ServerSocket server;
    private final IntSupplier upstreamPort;
    private final LinkFaults monitor;
    private final Gate forward;
    private final Gate backward;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicLong forwardBytes = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicInteger held = new AtomicInteger();
    private volatile boolean closed;

    /**
     * @param upstreamPort the loopback port to connect each new connection to (a value <= 0: refuse it by closing)
     * @param monitor      the object whose notifications announce gate changes
     */
    TcpProxy(String name, IntSupplier upstreamPort, LinkFaults monitor, Gate forward, Gate backward)
            throws IOException {
        this.name = name;
        this.upstreamPort = upstreamPort;
        this.monitor = monitor;
        this.forward = forward;
        this.backward = backward;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        Thread acceptor = new Thread(this::acceptLoop, "sluice-proxy-" + name + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Bytes passed on in the forward direction (towards the listener) since the proxy started. */
    long forwardBytes() {
        return forwardBytes.get();
    }

    /** Chunks waiting at a closed gate now (either direction). */
    int heldChunks() {
        return held.get();
    }

    /** Connections accepted since the proxy started. */
    long connections() {
        return connections.get();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket downstream;
            try {
                downstream = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("proxy {}: accept failed", name, e);
                }
                return;
            }
            connections.incrementAndGet();
            sockets.add(downstream);
            int port = upstreamPort.getAsInt();
            Socket upstream = new Socket();
            try {
                if (port <= 0) {
                    throw new IOException("no listener behind the proxy");
                }
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
                downstream.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
            } catch (IOException e) {
                LOG.debug("proxy {}: cannot connect to port {}: {}", name, port, e.toString());
                closeQuietly(downstream);
                closeQuietly(upstream);
                continue;
            }
            sockets.add(upstream);
            Connection c = new Connection(downstream, upstream);
            c.start(downstream, upstream, forward, forwardBytes, "fwd");
            c.start(upstream, downstream, backward, null, "back");
        }
    }

    /** One accepted connection: two directions, each a reader and a writer around a bounded queue. */
    private final class Connection {
        private final Socket a;
        private final Socket b;
        private final AtomicLong directionsOpen = new AtomicLong(2);

        Connection(Socket a, Socket b) {
            this.a = a;
            this.b = b;
        }

        void start(Socket from, Socket to, Gate gate, AtomicLong counter, String dir) {
            BlockingQueue<Object[]> queue = new ArrayBlockingQueue<>(QUEUE_CHUNKS);
            Thread reader = new Thread(() -> read(from, queue), "sluice-proxy-" + name + "-" + dir + "-read");
            Thread writer = new Thread(() -> write(to, queue, gate, counter), "sluice-proxy-" + name + "-" + dir
                    + "-write");
            reader.setDaemon(true);
            writer.setDaemon(true);
            reader.start();
            writer.start();
        }

        private void read(Socket from, BlockingQueue<Object[]> queue) {
            try {
                InputStream in = from.getInputStream();
                byte[] buf = new byte[CHUNK];
                while (true) {
                    int n = in.read(buf);
                    if (n < 0) {
                        break;
                    }
                    if (!enqueue(from, queue, Arrays.copyOf(buf, n))) {
                        return;
                    }
                }
            } catch (IOException e) {
                // the connection was closed or reset: the writer passes the end on
            }
            enqueue(from, queue, EOF);
        }

        /** Queues a chunk, waiting for room; false once the connection or the proxy is closed meanwhile. */
        private boolean enqueue(Socket from, BlockingQueue<Object[]> queue, byte[] chunk) {
            Object[] item = {chunk, System.nanoTime()};
            try {
                while (!queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
                    if (closed || from.isClosed()) {
                        return false;
                    }
                }
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        private void write(Socket to, BlockingQueue<Object[]> queue, Gate gate, AtomicLong counter) {
            try {
                OutputStream out = to.getOutputStream();
                while (true) {
                    Object[] item = queue.take();
                    byte[] chunk = (byte[]) item[0];
                    long readAt = (long) item[1];
                    if (!gate.open().getAsBoolean()) {
                        held.incrementAndGet();
                        try {
                            monitor.awaitOpen(() -> closed || gate.open().getAsBoolean());
                        } finally {
                            held.decrementAndGet();
                        }
                    }
                    long wait = readAt + gate.delayNanos().getAsLong() - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    if (closed) {
                        return;
                    }
                    if (chunk == EOF) {
                        to.shutdownOutput();
                        break;
                    }
                    out.write(chunk);
                    out.flush();
                    if (counter != null) {
                        counter.addAndGet(chunk.length);
                    }
                }
            } catch (IOException | InterruptedException e) {
                closeBoth();
                return;
            }
            if (directionsOpen.decrementAndGet() == 0) {
                closeBoth();
            }
        }

        private void closeBoth() {
            closeQuietly(a);
            closeQuietly(b);
            sockets.remove(a);
            sockets.remove(b);
        }
    }

    /** Resets every connection through the proxy (new ones are still accepted). */
    void dropConnections() {
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        sockets.clear();
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        dropConnections();
        synchronized (monitor) {
            monitor.notifyAll();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing anyway
        }
    }

    @Override
    public String toString() {
        return "proxy " + name + " :" + port();
    }
}
