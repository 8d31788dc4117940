package io.sluice.broker.config;

/**
 * A broker of the cluster as the static peer list names it: {@code id@clientHost:clientPort@raftHost:raftPort}.
 */
public record PeerAddress(String nodeId, HostPort client, HostPort raft) {
    public static PeerAddress parse(String text) {
        String[] parts = text.trim().split("@");
        if (parts.length != 3 || parts[0].isEmpty()) {
            throw new IllegalArgumentException("expected id@clientHost:port@raftHost:port, got " + text);
        }
        return new PeerAddress(parts[0], HostPort.parse(parts[1]), HostPort.parse(parts[2]));
    }

    @Override
    public String toString() {
        return nodeId + "@" + client + "@" + raft;
    }
}
