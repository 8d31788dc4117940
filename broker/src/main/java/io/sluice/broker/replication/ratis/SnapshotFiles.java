package io.sluice.broker.replication.ratis;

import com.google.protobuf.MessageLite;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.AtomicFileOutputStream;
import org.apache.ratis.util.MD5FileUtil;

/** Writes and reads the single-file snapshots of both state machines (a protobuf message plus its .md5). */
final class SnapshotFiles {
    private SnapshotFiles() {
    }

    /** Atomically writes {@code state} as the snapshot at {@code ti}; a failure is thrown, never swallowed. */
    static void write(SimpleStateMachineStorage storage, TermIndex ti, MessageLite state) throws IOException {
        write(storage, ti, state.toByteArray());
    }

    /** As {@link #write(SimpleStateMachineStorage, TermIndex, MessageLite)}, for a serialized state. */
    static void write(SimpleStateMachineStorage storage, TermIndex ti, byte[] state) throws IOException {
        File f = storage.getSnapshotFile(ti.getTerm(), ti.getIndex());
        try (OutputStream out = new AtomicFileOutputStream(f)) {
            out.write(state);
        }
        MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(f);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(f.toPath(), md5), ti));
    }

    /** The bytes of the latest snapshot, or null if there is none. */
    static byte[] readLatest(SingleFileSnapshotInfo snapshot) throws IOException {
        if (snapshot == null) {
            return null;
        }
        File f = snapshot.getFile().getPath().toFile();
        if (snapshot.hasMd5()) {
            MD5FileUtil.verifySavedMD5(f, snapshot.getFile().getFileDigest());
        }
        return Files.readAllBytes(f.toPath());
    }
}
