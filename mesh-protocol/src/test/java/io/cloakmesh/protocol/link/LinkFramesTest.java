package io.cloakmesh.protocol.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;

class LinkFramesTest {
    @Test
    void requestRoundTripsAtEverySplit() {
        OpenRequest request = new OpenRequest("orders", Optional.of("07c37dfeb235213a872192d90877d0cd55635b91"));
        ByteString wire = LinkFrames.encode(request).concat(ByteString.fromString("client bytes"));
        int frameLength = LinkFrames.encode(request).size();
        for (int cut = 0; cut < frameLength; cut++) {
            assertNull(LinkFrames.decodeRequest(wire.take(cut)), "decoded from " + cut + " bytes");
        }
        LinkFrames.Decoded<OpenRequest> decoded = LinkFrames.decodeRequest(wire);
        assertEquals(request, decoded.frame());
        assertEquals(frameLength, decoded.length());
    }

    @Test
    void requestWithoutTargetNode() {
        OpenRequest request = OpenRequest.of("redis");
        assertEquals(request, LinkFrames.decodeRequest(LinkFrames.encode(request)).frame());
        assertEquals(ByteString.fromArray(new byte[] {'C', 'M', 'O', 1, 5, 'r', 'e', 'd', 'i', 's', 0}),
                LinkFrames.encode(request));
    }

    @Test
    void replyRoundTrips() {
        OpenReply refused = OpenReply.refused(OpenStatus.DRAINING, "node b1 is draining");
        assertEquals(refused, LinkFrames.decodeReply(LinkFrames.encode(refused)).frame());
        assertEquals(OpenReply.OK, LinkFrames.decodeReply(LinkFrames.encode(OpenReply.OK)).frame());
        assertNull(LinkFrames.decodeReply(LinkFrames.encode(refused).take(5)));
    }

    @Test
    void longDetailIsCutToFit() {
        OpenReply reply = OpenReply.refused(OpenStatus.TARGET_UNREACHABLE, "é".repeat(300));
        assertEquals(254, reply.detail().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        assertEquals(reply, LinkFrames.decodeReply(LinkFrames.encode(reply)).frame());
    }

    @Test
    void garbageIsRefusedAtTheFirstByte() {
        assertThrows(MalformedFrameException.class, () -> LinkFrames.decodeRequest(ByteString.fromString("P")));
        assertThrows(MalformedFrameException.class, () -> LinkFrames.decodeReply(ByteString.fromString("CMO")));
    }

    @Test
    void newerVersionIsReportedAsSuch() {
        assertThrows(LinkFrames.UnsupportedVersionException.class,
                () -> LinkFrames.decodeRequest(ByteString.fromArray(new byte[] {'C', 'M', 'O', 2})));
    }

    @Test
    void unknownStatusIsNeverReadAsOk() {
        assertThrows(MalformedFrameException.class,
                () -> LinkFrames.decodeReply(ByteString.fromArray(new byte[] {'C', 'M', 'R', 1, 99, 0})));
    }

    @Test
    void badUtf8IsRefused() {
        assertThrows(MalformedFrameException.class, () -> LinkFrames.decodeRequest(
                ByteString.fromArray(new byte[] {'C', 'M', 'O', 1, 1, (byte) 0xff, 0})));
    }
}
