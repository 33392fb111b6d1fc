package io.cloakmesh.node.mesh;

/** A node cannot start for a reason its message names together with the setting at fault. */
final class StartFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StartFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
