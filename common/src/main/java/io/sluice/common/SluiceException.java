package io.sluice.common;

import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.ErrorDetail;

/**
 * An error from the catalogue in {@code errors.proto}, as thrown by the broker's services and by the client.
 * {@link #retriable()} says whether the same call may succeed later. Convert to and from gRPC with
 * {@link GrpcErrors}.
 */
public class SluiceException extends RuntimeException {
    private final ErrorDetail detail;

    public SluiceException(ErrorDetail detail) {
        this(detail, null);
    }

    public SluiceException(ErrorDetail detail, Throwable cause) {
        super(detail.getCode() + ": " + detail.getMessage(), cause);
        this.detail = detail;
    }

    public ErrorCode code() {
        return detail.getCode();
    }

    public boolean retriable() {
        return detail.getRetriable();
    }

    /** The plain message, without the code prefix. */
    public String reason() {
        return detail.getMessage();
    }

    public ErrorDetail detail() {
        return detail;
    }

    /** The catalogue entry of this error. */
    public ErrorKind kind() {
        return ErrorKind.of(detail.getCode());
    }

    /** Whether calls failing with this code may succeed when retried (see {@link ErrorKind}). */
    public static boolean isRetriable(ErrorCode code) {
        return ErrorKind.of(code).retriable();
    }

    public static SluiceException of(ErrorKind kind, String message) {
        return of(kind.code(), message);
    }

    public static SluiceException of(ErrorCode code, String message) {
        return new SluiceException(ErrorDetail.newBuilder().setCode(code).setMessage(message)
                .setRetriable(isRetriable(code)).build());
    }

    public static SluiceException of(ErrorCode code, String message, Throwable cause) {
        return new SluiceException(ErrorDetail.newBuilder().setCode(code).setMessage(message)
                .setRetriable(isRetriable(code)).build(), cause);
    }

    /** INVALID_ARGUMENT for {@code field}, which must be {@code expected} but was {@code actual}. */
    public static SluiceException invalidArgument(String field, String expected, String actual) {
        return new SluiceException(ErrorDetail.newBuilder()
                .setCode(ErrorCode.INVALID_ARGUMENT)
                .setMessage(field + ": must be " + expected + ", got " + actual)
                .setField(field).setLimit(expected).setActual(actual)
                .setRetriable(false).build());
    }

    /** INVALID_ARGUMENT for {@code field} whose size {@code actual} exceeds {@code limit} (both with units). */
    public static SluiceException overLimit(String field, String what, long actual, long limit, String unit) {
        return new SluiceException(ErrorDetail.newBuilder()
                .setCode(ErrorCode.INVALID_ARGUMENT)
                .setMessage(field + ": " + what + " of " + actual + " " + unit + " exceeds the limit of " + limit + " "
                        + unit + " (by " + (actual - limit) + ")")
                .setField(field).setLimit(limit + " " + unit).setActual(actual + " " + unit)
                .setRetriable(false).build());
    }

    public static SluiceException notFound(String message) {
        return of(ErrorCode.RESOURCE_NOT_FOUND, message);
    }

    public static SluiceException notLeader(String what, String leaderId, String leaderAddress) {
        String where = leaderAddress == null || leaderAddress.isEmpty()
                ? "no leader is known yet; retry shortly"
                : "send it to " + leaderId + " at " + leaderAddress;
        return new SluiceException(ErrorDetail.newBuilder()
                .setCode(ErrorCode.NOT_LEADER)
                .setMessage("this broker does not lead " + what + "; " + where)
                .setLeaderId(leaderId == null ? "" : leaderId)
                .setLeaderAddress(leaderAddress == null ? "" : leaderAddress)
                .setRetriable(true).build());
    }
}
