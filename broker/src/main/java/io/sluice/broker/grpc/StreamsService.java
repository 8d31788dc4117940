package io.sluice.broker.grpc;

import static io.sluice.common.GrpcCalls.async;
import static io.sluice.common.GrpcCalls.sync;
import static io.sluice.common.GrpcCalls.toStatus;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.sluice.broker.stream.ControlPlane;
import io.sluice.broker.stream.ReadPath;
import io.sluice.broker.stream.WritePath;
import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.CreateStreamResponse;
import io.sluice.proto.v1.DeleteStreamRequest;
import io.sluice.proto.v1.DeleteStreamResponse;
import io.sluice.proto.v1.DescribeStreamRequest;
import io.sluice.proto.v1.DescribeStreamResponse;
import io.sluice.proto.v1.DescribeStreamSummaryRequest;
import io.sluice.proto.v1.DescribeStreamSummaryResponse;
import io.sluice.proto.v1.GetRecordsRequest;
import io.sluice.proto.v1.GetRecordsResponse;
import io.sluice.proto.v1.GetShardIteratorRequest;
import io.sluice.proto.v1.GetShardIteratorResponse;
import io.sluice.proto.v1.ListShardsRequest;
import io.sluice.proto.v1.ListShardsResponse;
import io.sluice.proto.v1.ListStreamsRequest;
import io.sluice.proto.v1.ListStreamsResponse;
import io.sluice.proto.v1.PutRecordRequest;
import io.sluice.proto.v1.PutRecordResponse;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsResponse;
import io.sluice.proto.v1.StreamsGrpc;
import io.sluice.proto.v1.SubscribeToShardEvent;
import io.sluice.proto.v1.SubscribeToShardRequest;

/** The gRPC face of the Streams service: decodes calls, hands them to the handlers, maps errors to the catalogue. */
public final class StreamsService extends StreamsGrpc.StreamsImplBase {
    private final ControlPlane control;
    private final WritePath writes;
    private final ReadPath reads;
    private final Subscriptions subscriptions;

    public StreamsService(ControlPlane control, WritePath writes, ReadPath reads, Subscriptions subscriptions) {
        this.control = control;
        this.writes = writes;
        this.reads = reads;
        this.subscriptions = subscriptions;
    }

    @Override
    public void createStream(CreateStreamRequest request, StreamObserver<CreateStreamResponse> out) {
        async(out, () -> control.createStream(request));
    }

    @Override
    public void deleteStream(DeleteStreamRequest request, StreamObserver<DeleteStreamResponse> out) {
        async(out, () -> control.deleteStream(request.getStreamName())
                .thenApply(v -> DeleteStreamResponse.getDefaultInstance()));
    }

    @Override
    public void describeStream(DescribeStreamRequest request, StreamObserver<DescribeStreamResponse> out) {
        async(out, () -> control.describeStream(request));
    }

    @Override
    public void describeStreamSummary(DescribeStreamSummaryRequest request,
                                      StreamObserver<DescribeStreamSummaryResponse> out) {
        async(out, () -> control.describeStreamSummary(request.getStreamName()));
    }

    @Override
    public void listStreams(ListStreamsRequest request, StreamObserver<ListStreamsResponse> out) {
        sync(out, () -> control.listStreams(request));
    }

    @Override
    public void listShards(ListShardsRequest request, StreamObserver<ListShardsResponse> out) {
        async(out, () -> control.listShards(request));
    }

    @Override
    public void putRecord(PutRecordRequest request, StreamObserver<PutRecordResponse> out) {
        async(out, () -> writes.putRecord(request));
    }

    @Override
    public void putRecords(PutRecordsRequest request, StreamObserver<PutRecordsResponse> out) {
        async(out, () -> writes.putRecords(request));
    }

    @Override
    public void getShardIterator(GetShardIteratorRequest request, StreamObserver<GetShardIteratorResponse> out) {
        async(out, () -> reads.getShardIterator(request));
    }

    @Override
    public void getRecords(GetRecordsRequest request, StreamObserver<GetRecordsResponse> out) {
        async(out, () -> reads.getRecords(request, subscriptions.executor()));
    }

    @Override
    public void subscribeToShard(SubscribeToShardRequest request, StreamObserver<SubscribeToShardEvent> out) {
        try {
            subscriptions.subscribe(request, (ServerCallStreamObserver<SubscribeToShardEvent>) out);
        } catch (RuntimeException e) {
            out.onError(toStatus(e));
        }
    }
}
