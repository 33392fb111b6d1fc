package io.cloakmesh.node.link;

import io.cloakmesh.crypto.tls.TlsException;
import io.cloakmesh.node.config.HostPort;
import io.cloakmesh.node.net.Failures;
import java.util.concurrent.CompletionException;

/**
 * A listener of the node cannot bind. The message names the setting and the address, since the
 * operating system's reason alone ("Address already in use") does not say which of a node's ports it was.
 */
public final class ListenFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ListenFailure(String setting, HostPort address, Throwable cause) {
        super(setting + ": cannot listen on " + address + ": " + Failures.rootMessage(cause), cause);
    }

    /** The failure of a listener that has TLS material to load: the material's own failure is not a bind failure. */
    static RuntimeException unlessTls(String setting, HostPort address, Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof TlsException) {
                return new CompletionException(failure);
            }
        }
        return new ListenFailure(setting, address, failure);
    }
}
