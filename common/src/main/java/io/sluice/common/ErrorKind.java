package io.sluice.common;

import io.grpc.Status;
import io.sluice.proto.v1.ErrorCode;
import java.util.EnumMap;
import java.util.Map;

/**
 * The error catalogue as code: every kind of error a Sluice service answers, with its wire code
 * ({@link ErrorCode}, errors.proto), its gRPC status, whether retrying the same call may succeed, and the exception
 * name (and HTTP status) a Kinesis client knows it by. Services throw {@link SluiceException}s of these kinds; the
 * gRPC adapter ({@link GrpcErrors}) and the SDKs read the mapping from here and nowhere else.
 */
public enum ErrorKind {
    RESOURCE_NOT_FOUND(ErrorCode.RESOURCE_NOT_FOUND, Status.Code.NOT_FOUND, false, "ResourceNotFoundException", 400),
    RESOURCE_IN_USE(ErrorCode.RESOURCE_IN_USE, Status.Code.ALREADY_EXISTS, false, "ResourceInUseException", 400),
    INVALID_ARGUMENT(ErrorCode.INVALID_ARGUMENT, Status.Code.INVALID_ARGUMENT, false, "InvalidArgumentException",
            400),
    EXPIRED_ITERATOR(ErrorCode.EXPIRED_ITERATOR, Status.Code.FAILED_PRECONDITION, false, "ExpiredIteratorException",
            400),
    /** A forged, tampered or malformed iterator: Kinesis answers these as invalid arguments. */
    INVALID_ITERATOR(ErrorCode.INVALID_ITERATOR, Status.Code.INVALID_ARGUMENT, false, "InvalidArgumentException",
            400),
    /** Kinesis has no leaders to name; to its clients this is a retriable service-side refusal. */
    NOT_LEADER(ErrorCode.NOT_LEADER, Status.Code.UNAVAILABLE, true, "ServiceUnavailable", 503),
    THROTTLED(ErrorCode.THROTTLED, Status.Code.RESOURCE_EXHAUSTED, true, "ProvisionedThroughputExceededException",
            400),
    UNAVAILABLE(ErrorCode.UNAVAILABLE, Status.Code.UNAVAILABLE, true, "ServiceUnavailable", 503),
    INTERNAL(ErrorCode.INTERNAL, Status.Code.INTERNAL, false, "InternalFailure", 500),
    /** Sluice's idempotent producers (beyond Kinesis): retriable once the earlier batch is stored. */
    OUT_OF_ORDER_SEQUENCE(ErrorCode.OUT_OF_ORDER_SEQUENCE, Status.Code.FAILED_PRECONDITION, true,
            "InvalidArgumentException", 400),
    /** Sluice's idempotent producers: the batch is stored already; nothing to retry. */
    DUPLICATE_SEQUENCE(ErrorCode.DUPLICATE_SEQUENCE, Status.Code.ALREADY_EXISTS, false, "InvalidArgumentException",
            400),
    /** Consumer leases (KCL keeps them in DynamoDB, where a lost conditional write is this). */
    LEASE_LOST(ErrorCode.LEASE_LOST, Status.Code.FAILED_PRECONDITION, false, "ResourceInUseException", 400);

    private static final Map<ErrorCode, ErrorKind> BY_CODE = new EnumMap<>(ErrorCode.class);

    static {
        for (ErrorKind k : values()) {
            BY_CODE.put(k.code, k);
        }
    }

    private final ErrorCode code;
    private final Status.Code grpcStatus;
    private final boolean retriable;
    private final String kinesisException;
    private final int httpStatus;

    ErrorKind(ErrorCode code, Status.Code grpcStatus, boolean retriable, String kinesisException, int httpStatus) {
        this.code = code;
        this.grpcStatus = grpcStatus;
        this.retriable = retriable;
        this.kinesisException = kinesisException;
        this.httpStatus = httpStatus;
    }

    /** The kind of a wire code; INTERNAL for codes this version does not know (or UNSPECIFIED). */
    public static ErrorKind of(ErrorCode code) {
        ErrorKind k = BY_CODE.get(code);
        return k == null ? INTERNAL : k;
    }

    public ErrorCode code() {
        return code;
    }

    public Status.Code grpcStatus() {
        return grpcStatus;
    }

    /** Whether the same call may succeed when retried later. */
    public boolean retriable() {
        return retriable;
    }

    /** The {@code __type} a Kinesis client sees, e.g. ResourceNotFoundException. */
    public String kinesisException() {
        return kinesisException;
    }

    /** The HTTP status Kinesis answers this error with. */
    public int httpStatus() {
        return httpStatus;
    }
}
