package io.sluice.common;

import io.grpc.stub.StreamObserver;
import io.sluice.proto.v1.ErrorCode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How every Sluice gRPC service answers a unary call: run the handler, send its result, or map its failure to the
 * error catalogue ({@link GrpcErrors}). An exception that is not a {@link SluiceException} is a bug: logged, and
 * answered as INTERNAL.
 */
public final class GrpcCalls {
    private static final Logger LOG = LoggerFactory.getLogger(GrpcCalls.class);

    private GrpcCalls() {
    }

    /** Answers with {@code call}'s result, computed on the calling thread. */
    public static <T> void sync(StreamObserver<T> out, Supplier<T> call) {
        T result;
        try {
            result = call.get();
        } catch (RuntimeException e) {
            out.onError(toStatus(e));
            return;
        }
        out.onNext(result);
        out.onCompleted();
    }

    /** Answers when {@code call}'s future completes; the handler must not block. */
    public static <T> void async(StreamObserver<T> out, Supplier<CompletableFuture<T>> call) {
        CompletableFuture<T> f;
        try {
            f = call.get();
        } catch (RuntimeException e) {
            out.onError(toStatus(e));
            return;
        }
        f.whenComplete((result, error) -> {
            if (error != null) {
                out.onError(toStatus(error));
            } else {
                out.onNext(result);
                out.onCompleted();
            }
        });
    }

    /** The gRPC status (with the catalogue detail) for a handler's failure. */
    public static RuntimeException toStatus(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (!(cause instanceof SluiceException)) {
            LOG.error("unexpected failure serving a call", cause);
            cause = SluiceException.of(ErrorCode.INTERNAL, "internal error: " + cause, cause);
        }
        return GrpcErrors.toStatus((SluiceException) cause);
    }
}
