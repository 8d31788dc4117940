package io.sluice.broker.config;

import io.sluice.common.config.HostPort;

/**
 * A broker of the cluster as the static peer list names it:
 * {@code id@clientHost:clientPort@raftHost:raftPort@internalHost:internalPort}. Clients use the first address, Raft
 * the second, broker-to-broker RPCs (replica catch-up) the third.
 */
public record PeerAddress(String nodeId, HostPort client, HostPort raft, HostPort internal) {
    public static PeerAddress parse(String text) {
        String[] parts = text.trim().split("@");
        if (parts.length != 4 || parts[0].isEmpty()) {
            throw new IllegalArgumentException("expected id@clientHost:port@raftHost:port@internalHost:port, got "
                    + text + (parts.length == 3 ? " (a peer now also names its internal address, where brokers "
                    + "serve each other replica catch-up: add @host:port, e.g. the Raft port + 50)" : ""));
        }
        return new PeerAddress(parts[0], HostPort.parse(parts[1]), HostPort.parse(parts[2]), HostPort.parse(parts[3]));
    }

    @Override
    public String toString() {
        return nodeId + "@" + client + "@" + raft + "@" + internal;
    }
}
