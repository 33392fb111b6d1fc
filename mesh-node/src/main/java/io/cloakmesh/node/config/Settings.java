package io.cloakmesh.node.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueType;
import io.cloakmesh.crypto.IoReasons;
import io.cloakmesh.crypto.KeyFileException;
import io.cloakmesh.crypto.SharedKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Typed reads of one config tree that turn every mistake into an {@link InvalidSettingException}
 * carrying the full path, so the operator is told exactly which line to fix.
 */
public final class Settings {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,62}");

    private final Config config;
    private final String prefix;

    Settings(Config config, String prefix) {
        this.config = config;
        this.prefix = prefix;
    }

    Settings at(String relative) throws InvalidSettingException {
        String path = relative;
        if (!config.hasPath(path) || config.getValue(path).valueType() != ConfigValueType.OBJECT) {
            throw new InvalidSettingException(full(path), "expected an object { ... }");
        }
        return new Settings(config.getConfig(path), full(path) + ".");
    }

    /** This block with {@code defaults} under it: a setting it leaves out takes the default's value. */
    Settings over(Settings defaults) {
        return new Settings(config.withFallback(defaults.config), prefix);
    }

    String full(String relative) {
        return prefix + relative;
    }

    boolean has(String path) {
        return config.hasPath(path);
    }

    Iterable<String> keys() {
        return config.root().keySet();
    }

    String string(String path) throws InvalidSettingException {
        try {
            return config.getString(path).trim();
        } catch (ConfigException.Missing e) {
            throw new InvalidSettingException(full(path), "missing");
        } catch (ConfigException e) {
            throw new InvalidSettingException(full(path), "expected a string");
        }
    }

    String required(String path) throws InvalidSettingException {
        String value = string(path);
        if (value.isEmpty()) {
            throw new InvalidSettingException(full(path), "required, but empty");
        }
        return value;
    }

    String name(String path) throws InvalidSettingException {
        String value = required(path);
        checkName(full(path), value);
        return value;
    }

    /** Whether {@code value} is a valid node, datacenter or service name. */
    public static boolean isName(String value) {
        return NAME.matcher(value).matches();
    }

    static void checkName(String path, String value) throws InvalidSettingException {
        if (!NAME.matcher(value).matches()) {
            throw new InvalidSettingException(path, "\"" + value
                    + "\" is not a valid name (letters, digits, '_' and '-', at most 63, starting with a letter or digit)");
        }
    }

    HostPort hostPort(String path) throws InvalidSettingException {
        return HostPort.parse(full(path), required(path));
    }

    /** A host:port, or null when the setting is empty. */
    HostPort optionalHostPort(String path) throws InvalidSettingException {
        String value = string(path);
        return value.isEmpty() ? null : HostPort.parse(full(path), value);
    }

    /** Refuses a host name that does not resolve, naming the setting (IP literals are never looked up). */
    static void resolvable(String path, HostPort hostPort) throws InvalidSettingException {
        try {
            java.net.InetAddress.getByName(hostPort.host());
        } catch (java.net.UnknownHostException e) {
            throw new InvalidSettingException(path, "cannot resolve host " + hostPort.host());
        }
    }

    List<HostPort> hostPorts(String path) throws InvalidSettingException {
        List<String> values;
        try {
            values = config.getStringList(path);
        } catch (ConfigException.Missing e) {
            throw new InvalidSettingException(full(path), "missing");
        } catch (ConfigException e) {
            throw new InvalidSettingException(full(path), "expected a list of \"host:port\" strings");
        }
        List<HostPort> result = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            result.add(HostPort.parse(full(path) + "[" + i + "]", values.get(i).trim()));
        }
        return List.copyOf(result);
    }

    /** A list of strings, each trimmed; {@code []} when empty. */
    List<String> strings(String path) throws InvalidSettingException {
        try {
            return config.getStringList(path).stream().map(String::trim).toList();
        } catch (ConfigException.Missing e) {
            throw new InvalidSettingException(full(path), "missing");
        } catch (ConfigException e) {
            throw new InvalidSettingException(full(path), "expected a list of strings");
        }
    }

    /** A size such as 16m or 65536, between {@code min} and {@code max} bytes. */
    long bytes(String path, long min, long max) throws InvalidSettingException {
        long value;
        try {
            value = config.getBytes(path);
        } catch (ConfigException.Missing e) {
            throw new InvalidSettingException(full(path), "missing");
        } catch (ConfigException e) {
            throw new InvalidSettingException(full(path), "expected a size such as 16m or 65536");
        }
        if (value < min || value > max) {
            throw new InvalidSettingException(full(path), "must be between " + min + " and " + max + " bytes, got " + value);
        }
        return value;
    }

    /** The keys and string values of an object such as {@code rename-command { XFLUSHDB = FLUSHDB }}. */
    Map<String, String> stringMap(String path) throws InvalidSettingException {
        Settings block = at(path);
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : block.keys()) {
            out.put(key, block.required(key));
        }
        return out;
    }

    /** A non-empty list of host:port with real ports; {@code what} names one element in the error. */
    List<HostPort> nonEmptyAddresses(String path, String what) throws InvalidSettingException {
        List<HostPort> addresses = hostPorts(path);
        if (addresses.isEmpty()) {
            throw new InvalidSettingException(full(path), "list at least one " + what + " (host:port)");
        }
        for (int i = 0; i < addresses.size(); i++) {
            if (addresses.get(i).port() == 0) {
                throw new InvalidSettingException(full(path) + "[" + i + "]", "needs a real port, not 0");
            }
        }
        return addresses;
    }

    /**
     * The stripped text of the secret file {@code file} that setting {@code path} names: refused when
     * other users can read it, like a key file; every failure names the setting.
     */
    String secretFile(String path, String file) throws InvalidSettingException {
        try {
            SharedKey.checkNotReadableByOthers(Path.of(file));
            return Files.readString(Path.of(file)).strip();
        } catch (KeyFileException e) {
            throw new InvalidSettingException(full(path), e.getMessage());
        } catch (IOException e) {
            throw new InvalidSettingException(full(path), "cannot read " + file + ": " + IoReasons.describe(e));
        }
    }

    boolean flag(String path) throws InvalidSettingException {
        try {
            return config.getBoolean(path);
        } catch (ConfigException.Missing e) {
            throw new InvalidSettingException(full(path), "missing");
        } catch (ConfigException e) {
            throw new InvalidSettingException(full(path), "expected true or false");
        }
    }

    Duration duration(String path, boolean zeroAllowed) throws InvalidSettingException {
        Duration d;
        try {
            d = config.getDuration(path);
        } catch (ConfigException.Missing e) {
            throw new InvalidSettingException(full(path), "missing");
        } catch (ConfigException e) {
            throw new InvalidSettingException(full(path), "expected a duration such as 5s or 250ms");
        }
        if (d.isNegative() || (!zeroAllowed && d.isZero())) {
            throw new InvalidSettingException(full(path), "must be " + (zeroAllowed ? "zero or more" : "positive")
                    + ", got " + config.getValue(path).unwrapped());
        }
        return d;
    }

    int integer(String path, int min, int max) throws InvalidSettingException {
        int value;
        try {
            value = config.getInt(path);
        } catch (ConfigException.Missing e) {
            throw new InvalidSettingException(full(path), "missing");
        } catch (ConfigException e) {
            throw new InvalidSettingException(full(path), "expected a whole number");
        }
        if (value < min || value > max) {
            throw new InvalidSettingException(full(path), "must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    /** Reads one named entry of a map-like object such as {@code exports}. */
    interface EntryReader<T> {
        T read(String name, Settings entry) throws InvalidSettingException;
    }

    /** Each key of this object is a name (checked) whose object becomes a T. */
    <T> Map<String, T> entries(EntryReader<T> reader) throws InvalidSettingException {
        Map<String, T> result = new LinkedHashMap<>();
        for (String name : keys()) {
            checkName(full(name), name);
            result.put(name, reader.read(name, at(name)));
        }
        return Map.copyOf(result);
    }

    /**
     * The keys a block may have; {@code elsewhere} explains a key that is valid in other blocks of its
     * kind (a setting of another service kind).
     */
    record KnownKeys(List<String> keys, Function<String, Optional<String>> elsewhere) {
    }

    /** Refuses keys the node does not know, which are almost always typos of ones it does. */
    void onlyKeys(List<String> known) throws InvalidSettingException {
        onlyKeys(new KnownKeys(known, key -> Optional.empty()));
    }

    void onlyKeys(KnownKeys known) throws InvalidSettingException {
        for (String key : keys()) {
            if (!known.keys().contains(key)) {
                throw new InvalidSettingException(full(key), known.elsewhere().apply(key).orElse(
                        "unknown setting (known here: " + String.join(", ", known.keys()) + ")"));
            }
        }
    }
}
