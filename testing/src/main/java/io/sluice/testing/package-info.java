/**
 * Test support for other modules (use at test scope): {@link io.sluice.testing.SluiceCluster}, N real brokers in one
 * JVM with kill, restart-from-disk, wipe and pause, and faults on the links between brokers (cut, delay, heal,
 * isolate) that need neither root nor iptables.
 *
 * <h2>What a broker sends another, and where it can be faulted</h2>
 * A broker talks to its peers over three channels:
 * <ol>
 *   <li><b>Raft server protocol</b> (Ratis over gRPC, to the peer's Raft port): appendEntries and heartbeats,
 *       requestVote (pre-vote and vote), startLeaderElection, readIndex, installSnapshot (with Sluice only the
 *       notification that makes a replica fetch a snapshot from a peer).</li>
 *   <li><b>Internal listener</b> (Sluice's ReplicaSync gRPC service, to the peer's internal port): a replica catching
 *       up by snapshot install fetches the snapshot and shard records from a peer.</li>
 *   <li><b>Raft client protocol</b> (to the peer's Raft port): a broker that receives a write for a group it does not
 *       lead forwards it to the leader with a Ratis client.</li>
 * </ol>
 *
 * <h2>Why not a TCP proxy per link for Raft</h2>
 * A proxy per link would need each broker to reach each peer at a proxy address of its own, i.e. per-broker Raft
 * addresses. Ratis does not keep addresses local: a group's configuration, addresses included, is a log entry the
 * leader replicates, so the leader's view of every peer's address would replace the others' on the followers (and
 * the RaftClient that forwards writes learns leader addresses from NotLeader replies built from that configuration).
 * A single proxy in front of each broker's Raft port keeps the addresses consistent but cannot tell which broker a
 * connection comes from, so it can fault a broker but not a link, nor one direction of it.
 *
 * <h2>Raft links: Ratis's own test hooks</h2>
 * Ratis compiles named injection points into its main jars ({@code org.apache.ratis.util.CodeInjectionForTesting};
 * its MiniRaftCluster blocks and delays requests with them, see BlockRequestHandlingInjection and
 * DelayLocalExecutionInjection in Ratis's tests). In Ratis 3.3.0 (checked with javap) every server-to-server request
 * except installSnapshot passes {@code GrpcServicesImpl.sendRequest} on the <em>sending</em> side, with the sender's
 * peer id and the request, which names the receiver; installSnapshot passes {@code RaftServerImpl.installSnapshot}
 * on the <em>receiving</em> side, with both ids. {@code RatisLinkHooks} hooks these two points, so
 * a fault applies to one direction of one link:
 * <ul>
 *   <li>appendEntries (and heartbeats) on a blocked link are <em>held</em> on the leader's appender thread for that
 *       follower (Ratis runs one per follower and group, and calls the hook outside its locks) until the link opens:
 *       the follower hears nothing, as behind a network that drops packets, and gets the held request when it heals
 *       (as TCP would retransmit it; a stale one is refused by its term). A failure cannot be injected there: an
 *       exception would kill the appender (Ratis would restart it, logging errors). When the leader steps down Ratis
 *       interrupts its appenders; a held one keeps waiting (ending it by InterruptedIOException would leave its gRPC
 *       stream open, and closing the channel then waits 3 s), sends when the link opens and ends cleanly. Meanwhile
 *       Ratis's step-down gives up waiting for it after 5 s and logs "Failed to step down ... TimeoutException",
 *       which is harmless. Only {@link io.sluice.testing.SluiceCluster#kill} (and close) drops what a broker holds,
 *       so that Ratis can close it.</li>
 *   <li>requestVote, startLeaderElection and readIndex on a blocked link <em>fail at once</em> with an IOException,
 *       which Ratis treats as no answer (a candidate gets no vote from that peer). Holding them would hold threads
 *       that are not the link's own (readIndex runs on the caller's thread, e.g. a client's call).</li>
 *   <li>installSnapshot notifications on a blocked link fail on the receiver. The receiver runs them on its gRPC
 *       transport thread, where waiting would stall every connection of that event loop: they are never delayed.</li>
 *   <li>A delay makes the sending thread sleep before the request goes out. For appendEntries that thread is the
 *       follower's appender, so the link also carries at most one batch per delay: a slow link, not only a far one.
 *       (The hook runs before Ratis starts the request's timeout timer, so the delay does not count as RPC time.)</li>
 * </ul>
 * The hooks are process-wide; each cluster's peer ids are kept unique in the JVM (a second live cluster gets
 * {@code c<k>-n<i>} ids), and requests of peer ids no cluster registered are left alone.
 *
 * <h2>Internal listener: one TCP proxy per directed link</h2>
 * Peers' internal addresses are only ever read from each broker's own configuration ({@code peers}), never from Raft,
 * so broker {@code i}'s peer list can name, for each peer {@code j}, a proxy that exists for the link
 * {@code i -> j} only. Its forward direction (i's requests) is held while the link is blocked and delayed by the
 * link's delay; its backward direction (j's replies) is held only while either end is paused.
 *
 * <h2>Clients: a front door per broker</h2>
 * Client addresses are also read from configuration only, so every peer list names a proxy in front of each broker's
 * client port; DescribeCluster answers and NOT_LEADER errors point there. {@code pause} holds it both ways.
 *
 * <h2>Not simulated</h2>
 * <ul>
 *   <li>Raft client protocol between brokers (a forwarded write): Ratis client requests carry a random client id,
 *       nothing that names the forwarding broker, so a cut link does not stop a broker from forwarding a client's
 *       write to a leader on the other side. Isolating a broker therefore does not make every write it receives
 *       fail; writes it leads itself cannot commit.</li>
 *   <li>One-way loss of replies: a request that gets through gets its reply (faults are per request direction,
 *       as Raft's RPCs are).</li>
 *   <li>Pause is not SIGSTOP: the paused broker's threads keep running (see
 *       {@link io.sluice.testing.SluiceCluster#pause}).</li>
 *   <li>Kill is {@code Broker.close()}, an orderly stop, not a process crash.</li>
 * </ul>
 *
 * <h2>Ratis behaviour worth knowing when writing fault tests</h2>
 * <ul>
 *   <li>A leader that steps down because it lost its majority (isolated, paused) does not start an election for
 *       Ratis's leader step-down wait time, 10 s by default: making it leader again right after a heal takes that
 *       long.</li>
 *   <li>A follower whose disk was wiped only catches up in a group whose leader has purged its log past what the
 *       follower had acknowledged (it is then told to install a snapshot): a leader still holding those entries
 *       keeps the follower's old match index and will not resend below it (LogAppenderBase
 *       .getNextIndexForInconsistency), until another broker leads. Write enough to every group, the metadata
 *       group included, with a short log (small {@code raft.log.segment.max.bytes} and
 *       {@code raft.snapshot.threshold.entries}, {@code raft.log.purge.gap=1}), as WipedFollowerTest does.</li>
 * </ul>
 */
package io.sluice.testing;
