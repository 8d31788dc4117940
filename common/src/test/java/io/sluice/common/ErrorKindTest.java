package io.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.sluice.proto.v1.ErrorCode;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ErrorKindTest {
    @Test
    void everyWireCode_hasExactlyOneKind() {
        Set<ErrorCode> wire = EnumSet.allOf(ErrorCode.class);
        wire.remove(ErrorCode.ERROR_CODE_UNSPECIFIED);
        wire.remove(ErrorCode.UNRECOGNIZED);
        assertThat(Arrays.stream(ErrorKind.values()).map(ErrorKind::code)).containsExactlyInAnyOrderElementsOf(wire);
        for (ErrorKind k : ErrorKind.values()) {
            assertThat(ErrorKind.of(k.code())).isSameAs(k);
        }
    }

    @Test
    void retriableKinds_areTheOnesAClientMayRetry() {
        assertThat(Arrays.stream(ErrorKind.values()).filter(ErrorKind::retriable))
                .containsExactlyInAnyOrder(ErrorKind.NOT_LEADER, ErrorKind.THROTTLED, ErrorKind.UNAVAILABLE,
                        ErrorKind.OUT_OF_ORDER_SEQUENCE);
    }

    @Test
    void kindsMapToTheStatusesAndKinesisNamesClientsExpect() {
        assertThat(ErrorKind.RESOURCE_NOT_FOUND.grpcStatus()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(ErrorKind.RESOURCE_NOT_FOUND.kinesisException()).isEqualTo("ResourceNotFoundException");
        assertThat(ErrorKind.THROTTLED.kinesisException()).isEqualTo("ProvisionedThroughputExceededException");
        assertThat(ErrorKind.EXPIRED_ITERATOR.kinesisException()).isEqualTo("ExpiredIteratorException");
        assertThat(ErrorKind.INTERNAL.httpStatus()).isEqualTo(500);
        assertThat(GrpcErrors.toStatus(SluiceException.of(ErrorKind.THROTTLED, "slow down")).getStatus().getCode())
                .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    }

    @Test
    void anUnknownCode_isInternal() {
        assertThat(ErrorKind.of(ErrorCode.ERROR_CODE_UNSPECIFIED)).isEqualTo(ErrorKind.INTERNAL);
    }
}
