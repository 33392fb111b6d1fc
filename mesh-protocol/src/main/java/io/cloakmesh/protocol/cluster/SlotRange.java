package io.cloakmesh.protocol.cluster;

/** Hash slots {@code start} to {@code end}, both included. */
public record SlotRange(int start, int end) {
}
