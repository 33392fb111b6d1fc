import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Lettuce cluster client load for scripts/bench/cluster, run from source (java -cp ... this file):
 * one RedisClusterClient given only HOST:PORT, REQUESTS GETs of keys spread over every slot with
 * IN_FLIGHT outstanding at once (Lettuce pipelines them on its one connection per node), after a warm-up.
 * Prints the GETs per second; exits 1 if any GET failed.
 * Usage: LettuceClusterLoad HOST PORT REQUESTS IN_FLIGHT
 */
public final class LettuceClusterLoad {
    private static final int KEYS = 100_000;

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int requests = Integer.parseInt(args[2]);
        int inFlight = Integer.parseInt(args[3]);
        RedisClusterClient client = RedisClusterClient.create(RedisURI.create(host, port));
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            RedisAdvancedClusterAsyncCommands<String, String> commands = connection.async();
            run(commands, requests / 5, inFlight);
            long start = System.nanoTime();
            long failed = run(commands, requests, inFlight);
            double seconds = (System.nanoTime() - start) / 1e9;
            if (failed > 0) {
                System.err.println(failed + " of " + requests + " GETs failed");
                System.exit(1);
            }
            System.out.println((long) (requests / seconds));
        } finally {
            client.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    /** Sends {@code requests} GETs keeping {@code inFlight} outstanding; returns how many failed. */
    private static long run(RedisAdvancedClusterAsyncCommands<String, String> commands, int requests, int inFlight)
            throws InterruptedException {
        Semaphore window = new Semaphore(inFlight);
        AtomicLong failed = new AtomicLong();
        for (int i = 0; i < requests; i++) {
            window.acquire();
            commands.get("key:" + (i * 7919L % KEYS)).whenComplete((value, error) -> {
                if (error != null) {
                    failed.incrementAndGet();
                }
                window.release();
            });
        }
        window.acquire(inFlight);
        return failed.get();
    }
}
