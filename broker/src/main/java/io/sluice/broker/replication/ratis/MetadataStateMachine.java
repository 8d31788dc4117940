package io.sluice.broker.replication.ratis;

import io.sluice.broker.metadata.MetadataCommands;
import io.sluice.broker.metadata.MetadataView;
import io.sluice.proto.internal.v1.MetadataCommand;
import io.sluice.proto.internal.v1.MetadataState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;

/**
 * The metadata group's state machine: applies {@link MetadataCommand}s through {@link MetadataCommands} and publishes
 * each new state as an immutable {@link MetadataView}. The whole state is small and is written whole in each snapshot.
 *
 * <p>Threads: apply and snapshot run on Ratis's single StateMachineUpdater thread of this group; {@link #view()} is
 * read from any thread.
 */
public final class MetadataStateMachine extends SluiceStateMachine {
    private final MetadataCommands commands;
    private final Consumer<MetadataView> onChange;
    private volatile MetadataView view = MetadataView.EMPTY;
    /** Futures of callers waiting for an index to be applied here, by index; completed on {@link #completions}. */
    // @GuardedBy("waiters")
    private final TreeMap<Long, List<CompletableFuture<Void>>> waiters = new TreeMap<>();
    private final Executor completions;

    /**
     * @param onChange    called on the apply thread with each new view
     * @param completions runs the continuations of {@link #awaitApplied} futures, off the apply thread
     */
    public MetadataStateMachine(int dataGroupCount, Consumer<MetadataView> onChange, ReplicaSync sync,
                                Executor completions) {
        super(sync);
        this.commands = new MetadataCommands(dataGroupCount);
        this.onChange = onChange;
        this.completions = completions;
    }

    /** Completes (on the completions executor) once this replica has applied log index {@code index}. */
    public CompletableFuture<Void> awaitApplied(long index) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        synchronized (waiters) {
            waiters.computeIfAbsent(index, k -> new ArrayList<>()).add(f);
        }
        wakeWaiters(); // applied already, or meanwhile
        return f;
    }

    /** Hands every waiter at or below the applied index to the completions executor; any thread may call it. */
    private void wakeWaiters() {
        long applied = getLastAppliedTermIndex().getIndex();
        List<CompletableFuture<Void>> due = new ArrayList<>();
        synchronized (waiters) {
            Map<Long, List<CompletableFuture<Void>>> head = waiters.headMap(applied, true);
            head.values().forEach(due::addAll);
            head.clear();
        }
        for (CompletableFuture<Void> f : due) {
            try {
                completions.execute(() -> f.complete(null));
            } catch (RejectedExecutionException e) { // the broker is closing
                f.completeExceptionally(e);
            }
        }
    }

    public MetadataView view() {
        return view;
    }

    @Override
    protected void load(SingleFileSnapshotInfo snapshot) throws IOException {
        byte[] bytes = SnapshotFiles.readLatest(snapshot);
        MetadataState state = bytes == null ? MetadataState.getDefaultInstance() : MetadataState.parseFrom(bytes);
        publish(new MetadataView(state));
        if (snapshot != null) {
            setLastAppliedTermIndex(snapshot.getTermIndex());
        }
        wakeWaiters();
    }

    @Override
    protected String installState(String leader, byte[] snapshot) throws IOException {
        MetadataState state = MetadataState.parseFrom(snapshot); // the whole state is in the file; just check it
        return state.getStreamsCount() + " streams";
    }

    /** Read barriers only: the answer is empty, what matters is that Ratis waited for this replica to catch up. */
    @Override
    public CompletableFuture<Message> query(Message request) {
        return CompletableFuture.completedFuture(Message.EMPTY);
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        MetadataCommand command = RatisBytes.parse(entry.getStateMachineLogEntry().getLogData(),
                MetadataCommand.parser());
        MetadataCommands.Outcome outcome = commands.apply(view.state(), entry.getTerm(), entry.getIndex(), command);
        publish(new MetadataView(outcome.state()));
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        wakeWaiters();
        return CompletableFuture.completedFuture(RatisBytes.toMessage(outcome.result()));
    }

    /** Entries with no command (leader no-ops, configuration changes) also move the applied index. */
    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        super.notifyTermIndexUpdated(term, index);
        wakeWaiters();
    }

    private void publish(MetadataView next) {
        MetadataView previous = view;
        view = next;
        if (previous != next) {
            onChange.accept(next);
        }
    }

    @Override
    public synchronized long takeSnapshot() throws IOException {
        TermIndex ti = getLastAppliedTermIndex();
        MetadataState state = view.state().toBuilder().setTerm(ti.getTerm()).setIndex(ti.getIndex()).build();
        SnapshotFiles.write(storage, ti, state);
        return ti.getIndex();
    }
}
