package io.cloakmesh.protocol.rediscluster;

/** Hash slots {@code start} to {@code end}, both included. */
public record SlotRange(int start, int end) {
}
