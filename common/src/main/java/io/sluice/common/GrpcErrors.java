package io.sluice.common;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.ErrorDetail;

/** The one adapter between {@link SluiceException} and gRPC statuses (code + "sluice-error-bin" trailer). */
public final class GrpcErrors {
    public static final Metadata.Key<ErrorDetail> DETAIL_KEY =
            ProtoUtils.keyForProto(ErrorDetail.getDefaultInstance());

    private GrpcErrors() {
    }

    /** The gRPC status a catalogue error is sent with (see {@link ErrorKind}). */
    public static Status.Code statusCode(ErrorCode code) {
        return ErrorKind.of(code).grpcStatus();
    }

    public static StatusRuntimeException toStatus(SluiceException e) {
        Metadata trailers = new Metadata();
        trailers.put(DETAIL_KEY, e.detail());
        return Status.fromCode(statusCode(e.code())).withDescription(e.getMessage()).asRuntimeException(trailers);
    }

    /**
     * The catalogue error a failed call carries; calls that failed without one (transport errors, deadlines) are
     * mapped by their gRPC code.
     */
    public static SluiceException fromThrowable(Throwable t) {
        if (t instanceof SluiceException se) {
            return se;
        }
        Status status = Status.fromThrowable(t);
        Metadata trailers = Status.trailersFromThrowable(t);
        if (trailers != null) {
            ErrorDetail detail = trailers.get(DETAIL_KEY);
            if (detail != null) {
                return new SluiceException(detail, t);
            }
        }
        ErrorCode code = switch (status.getCode()) {
            case UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, CANCELLED -> ErrorCode.UNAVAILABLE;
            case RESOURCE_EXHAUSTED -> ErrorCode.THROTTLED;
            case NOT_FOUND -> ErrorCode.RESOURCE_NOT_FOUND;
            case INVALID_ARGUMENT -> ErrorCode.INVALID_ARGUMENT;
            default -> ErrorCode.INTERNAL;
        };
        String description = status.getDescription() == null ? status.getCode().toString() : status.getDescription();
        return SluiceException.of(code, description, t);
    }
}
