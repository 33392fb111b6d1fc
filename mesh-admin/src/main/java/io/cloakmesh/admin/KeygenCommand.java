package io.cloakmesh.admin;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code mesh-admin keygen FILE}: a new mesh key file, created with mode 0600. */
@Command(name = "keygen", description = {"Write a new 32-byte random key file with mode 0600: a mesh key",
    "(link.security.key-file) or a spiped key. Refuses to overwrite an existing file."})
final class KeygenCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "The file to create.")
    Path file;

    @Override
    public Integer call() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        try {
            // Created with its final mode, so the key is never readable by others, not even briefly.
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE)) {
                out.write(key);
            }
        } catch (FileAlreadyExistsException e) {
            System.err.println("mesh-admin: " + file + " already exists; not overwriting a key");
            return 1;
        } catch (IOException e) {
            System.err.println("mesh-admin: cannot write " + file + ": " + e.getMessage());
            return 1;
        } finally {
            java.util.Arrays.fill(key, (byte) 0);
        }
        System.out.println("wrote a new 32-byte key to " + file + " (mode 0600)");
        return 0;
    }
}
