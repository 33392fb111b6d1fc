package io.cloakmesh.node.pipe;

/** A command line that cannot run; the message is printed before the usage text and the exit status is 1. */
public final class UsageException extends Exception {
    public UsageException(String message) {
        super(message);
    }
}
