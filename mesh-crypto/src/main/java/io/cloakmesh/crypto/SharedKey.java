package io.cloakmesh.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Set;

/**
 * The pipe protocol's shared secret K: SHA-256 of the key file's raw bytes, read to EOF with no parsing,
 * exactly as spiped computes it (so an empty file, as in {@code -k /dev/null}, is a valid key).
 *
 * <p>Unlike spiped, a regular key file that its group or other users can read is refused: a key that
 * leaked to another account lets that account read and forge every pipe that uses it.
 */
public final class SharedKey {
    /** Key files are read fully; anything larger than this is not a key file. */
    static final long MAX_KEY_FILE_BYTES = 1 << 20;

    private final byte[] k;

    private SharedKey(byte[] k) {
        this.k = k;
    }

    /** K = SHA-256 of the given raw key bytes. */
    public static SharedKey fromKeyBytes(byte[] keyFileBytes) {
        return new SharedKey(sha256(keyFileBytes));
    }

    /** Reads a key file, refusing one that other users could read. */
    public static SharedKey fromFile(Path file) throws KeyFileException {
        checkNotReadableByOthers(file);
        try (InputStream in = Files.newInputStream(file)) {
            return fromStream(in, file.toString());
        } catch (IOException e) {
            throw new KeyFileException("cannot read key file " + file + ": " + IoReasons.describe(e), e);
        }
    }

    /** Reads the key from a stream to EOF (spiped's {@code -k -}). */
    public static SharedKey fromStream(InputStream in, String name) throws KeyFileException {
        try {
            byte[] raw = in.readNBytes((int) MAX_KEY_FILE_BYTES + 1);
            if (raw.length > MAX_KEY_FILE_BYTES) {
                throw new KeyFileException("key file " + name + " is larger than " + MAX_KEY_FILE_BYTES + " bytes");
            }
            return fromKeyBytes(raw);
        } catch (IOException e) {
            throw new KeyFileException("cannot read key file " + name + ": " + IoReasons.describe(e), e);
        }
    }

    /**
     * Refuses a regular file with group or other read permission. Devices and pipes (/dev/null,
     * process substitution) are left alone: they hold no key at rest.
     */
    public static void checkNotReadableByOthers(Path file) throws KeyFileException {
        if (!Files.exists(file)) {
            throw new KeyFileException("cannot read key file " + file + ": no such file");
        }
        if (!Files.isRegularFile(file)) {
            return;
        }
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException e) {
            return;
        } catch (IOException e) {
            throw new KeyFileException("cannot read permissions of key file " + file + ": " + IoReasons.describe(e), e);
        }
        if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
            throw new KeyFileException("key file " + file + " is readable by other users; run: chmod 600 " + file);
        }
    }

    /** The 32-byte K. The caller must not modify it. */
    public byte[] bytes() {
        return k;
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
