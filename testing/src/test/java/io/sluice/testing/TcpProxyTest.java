package io.sluice.testing;

import static io.sluice.testing.ClusterTestSupport.waitUpTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The proxy between brokers' internal listeners: a blocked link holds its forward bytes (and only those) until it
 * heals, a delayed link passes them on late, and a paused end holds both directions.
 */
class TcpProxyTest {

    /** An echo server that answers each byte with the byte + 1. */
    private static ServerSocket echoServer() throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread h = new Thread(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            int b;
                            while ((b = in.read()) >= 0) {
                                out.write(b + 1);
                                out.flush();
                            }
                        } catch (IOException e) {
                            // connection closed
                        }
                    });
                    h.setDaemon(true);
                    h.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return server;
    }

    @Test
    void cutHoldsRequestsUntilHealed_delayPassesThemLate_pauseHoldsReplies() throws Exception {
        LinkFaults faults = new LinkFaults(List.of("a", "b"));
        try (ServerSocket echo = echoServer();
             TcpProxy proxy = new TcpProxy("a-to-b", echo::getLocalPort, faults,
                     new TcpProxy.Gate(() -> !faults.blocked(0, 1), () -> faults.delayNanos(0, 1)),
                     new TcpProxy.Gate(() -> !faults.paused(0) && !faults.paused(1), () -> 0));
             Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
            DataInputStream in = new DataInputStream(client.getInputStream());
            OutputStream out = client.getOutputStream();

            out.write(1);
            assertThat(in.readUnsignedByte()).isEqualTo(2);

            // Cut: the request is read by the proxy and held at the gate (the event that proves it would have been
            // passed on by now), so it has not reached the server and no answer has come back.
            faults.cut(0, 1, true);
            long forwarded = proxy.forwardBytes();
            out.write(10);
            CompletableFuture<Integer> answer = CompletableFuture.supplyAsync(() -> readByte(in));
            waitUpTo(10).until(() -> proxy.heldChunks() == 1);
            assertThat(proxy.forwardBytes()).isEqualTo(forwarded);
            assertThat(answer).isNotDone();
            faults.cut(0, 1, false);
            assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo(11);
            assertThat(proxy.forwardBytes()).isEqualTo(forwarded + 1);

            // Delay: the answer takes at least the delay.
            faults.delay(0, 1, Duration.ofMillis(300));
            long t0 = System.nanoTime();
            out.write(20);
            assertThat(in.readUnsignedByte()).isEqualTo(21);
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
            faults.heal(0, 1);

            // A cut of the other direction (b's requests to a) does not hold a's requests or b's replies.
            faults.cut(1, 0, true);
            out.write(25);
            assertThat(in.readUnsignedByte()).isEqualTo(26);
            faults.cut(1, 0, false);

            // Pause of the far end: held both ways until resume.
            faults.pause(1, true);
            out.write(30);
            CompletableFuture<Integer> paused = CompletableFuture.supplyAsync(() -> readByte(in));
            waitUpTo(10).until(() -> proxy.heldChunks() == 1);
            assertThat(paused).isNotDone();
            faults.pause(1, false);
            assertThat(paused.get(10, TimeUnit.SECONDS)).isEqualTo(31);
            assertThat(proxy.heldChunks()).isZero();
        }
    }

    private static int readByte(DataInputStream in) {
        try {
            return in.readUnsignedByte();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
