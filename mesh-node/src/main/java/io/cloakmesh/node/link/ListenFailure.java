package io.cloakmesh.node.link;

import io.cloakmesh.node.config.HostPort;
import io.cloakmesh.node.net.Failures;

/**
 * A listener of the node cannot bind. The message names the setting and the address, since the
 * operating system's reason alone ("Address already in use") does not say which of a node's ports it was.
 */
public final class ListenFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ListenFailure(String setting, HostPort address, Throwable cause) {
        super(setting + ": cannot listen on " + address + ": " + Failures.rootMessage(cause), cause);
    }
}
