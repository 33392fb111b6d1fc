package io.cloakmesh.node.net;

/** Turning a wrapped socket or stream failure into the one line an operator needs. */
public final class Failures {
    private Failures() {
    }

    /** The innermost cause. */
    public static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /** The innermost cause's message: what the operator needs from a wrapped socket error. */
    public static String rootMessage(Throwable t) {
        Throwable root = rootCause(t);
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
