package dev.anneal.server.standalone;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Picks or checks TCP ports before a server binds them. */
final class FreePorts {

    private FreePorts() {}

    /**
     * Returns a port that was free on {@code host} a moment ago: {@code port} itself when positive,
     * otherwise one the system picks. Another process may take it before the caller binds it.
     *
     * @throws IllegalStateException when {@code port} is positive and already taken; checked here
     *     because PostgreSQL would only be found not listening after its whole startup wait
     */
    static int resolve(String host, int port) throws IOException {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
        }
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(host))) {
            return socket.getLocalPort();
        } catch (BindException e) {
            throw new IllegalStateException("Port " + port + " on " + host + " is in use", e);
        }
    }
}
