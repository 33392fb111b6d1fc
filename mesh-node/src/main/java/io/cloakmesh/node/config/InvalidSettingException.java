package io.cloakmesh.node.config;

/** A setting that cannot be used: names the setting's path and why, for an exit with status 1. */
public final class InvalidSettingException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String path;

    public InvalidSettingException(String path, String reason) {
        super(path + ": " + reason);
        this.path = path;
    }

    public String path() {
        return path;
    }
}
