package io.cloakmesh.admin;

/** A failure the operator must act on; printed as one line, exit status 1. */
final class AdminException extends Exception {
    private static final long serialVersionUID = 1L;

    AdminException(String message) {
        super(message);
    }
}
