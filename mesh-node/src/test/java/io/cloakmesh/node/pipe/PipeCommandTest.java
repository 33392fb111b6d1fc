package io.cloakmesh.node.pipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloakmesh.node.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** spiped's usage errors: each one prints a reason and the synopsis and exits 1, before anything starts. */
class PipeCommandTest {

    @ParameterizedTest(name = "pipe {0}")
    @CsvSource(delimiter = '|', value = {
        "''| one of -e or -d is required",
        "-e -d -s [127.0.0.1]:1 -t [127.0.0.1]:2 -k k| -e and -d cannot be used together",
        "-e -s [127.0.0.1]:1 -t [127.0.0.1]:2| -s, -t and -k are required",
        "-e -s [127.0.0.1]:1 -s [127.0.0.1]:3 -t [127.0.0.1]:2 -k k| should be specified only once",
        "-e -s [127.0.0.1]:1 -t [127.0.0.1]:2 -k k -f -g| -f and -g cannot be used together",
        "-e -s [127.0.0.1]:1 -t [127.0.0.1]:2 -k k -r 5 -R| -r and -R cannot be used together",
        "-e -s [127.0.0.1]:1 -t [127.0.0.1]:2 -k k -n abc| Error parsing argument: -n abc: Invalid argument",
        "-e -s [127.0.0.1]:1 -t [127.0.0.1]:2 -k k -o -1| Error parsing argument: -o -1: Numerical result out of range",
        "-d -s [127.0.0.1]:1 -t [127.0.0.1]:2 -k k --max-handshakes 0| --max-handshakes 0: must be 1 or more",
        "-d -s [127.0.0.1]:1 -t [127.0.0.1]:2 -k k --max-handshakes x| --max-handshakes x: Invalid argument",
        "-e -s [127.0.0.1]:1 -t [127.0.0.1]:2 -k k --transport epoll| --transport epoll: must be netty or pekko-io",
        "-e -s [127.0.0.1]:1 -t x -k k| Address must contain port number: x",
        "-e -s :80 -t [127.0.0.1]:2 -k k| Error resolving socket address: :80",
        "-e -s [127.0.0.1]:99999 -t [127.0.0.1]:2 -k k| Invalid port number: 99999",
        "-e -s /tmp/pipe.sock -t [127.0.0.1]:2 -k k| Unix socket addresses are not supported",
        "-e -s [127.0.0.1]:1 -t [127.0.0.1]:2 -k k --syslog| --syslog is not supported",
        "-e -s [127.0.0.1]:1 -t [127.0.0.1]:2 -k k -u nobody| -u is not supported",
        "-e -s [127.0.0.1]:1 -t [127.0.0.1]:2 -k k extra| extra",
        "-x| -x"})
    void usageErrorsExitOneWithTheReasonAndTheSynopsis(String args, String expected) {
        String[] argv = ("pipe " + args).trim().split(" +");
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            status = Main.run(argv);
        } finally {
            System.setErr(original);
        }
        String output = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, status, output);
        assertTrue(output.contains(expected), output);
        assertTrue(output.contains("usage: mesh-node pipe {-e | -d}"), output);
    }
}
