package io.cloakmesh.node.rediscluster;

import io.cloakmesh.node.testing.RedisClusterFixture;
import org.apache.pekko.actor.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Tests against a real 3-primary, 3-replica Redis Cluster on 127.0.0.2, with an actor system to talk to it. */
abstract class RealRedisCluster {
    static RedisClusterFixture cluster;
    static ActorSystem system;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = RedisClusterFixture.start(3);
        system = ActorSystem.create("real-cluster-test");
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (system != null) {
            system.terminate();
        }
        if (cluster != null) {
            cluster.close();
        }
    }
}
