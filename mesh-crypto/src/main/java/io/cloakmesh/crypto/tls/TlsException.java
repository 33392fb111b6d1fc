package io.cloakmesh.crypto.tls;

/**
 * TLS material that cannot be used. {@link #setting()} is the Redis-style name of the setting at fault
 * ({@code cert-file}, {@code ciphers}, ...), so the caller can name the full path of it.
 */
public final class TlsException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String setting;

    public TlsException(String setting, String reason) {
        super(reason);
        this.setting = setting;
    }

    public TlsException(String setting, String reason, Throwable cause) {
        super(reason, cause);
        this.setting = setting;
    }

    public String setting() {
        return setting;
    }
}
