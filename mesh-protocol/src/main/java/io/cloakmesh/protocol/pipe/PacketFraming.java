package io.cloakmesh.protocol.pipe;

import io.cloakmesh.crypto.pipe.BadPacketException;
import io.cloakmesh.crypto.pipe.PacketOpener;
import io.cloakmesh.crypto.pipe.PacketSealer;
import io.cloakmesh.crypto.pipe.Packets;
import io.cloakmesh.crypto.pipe.Role;
import io.cloakmesh.crypto.pipe.SessionKeys;
import org.apache.pekko.util.ByteString;

/**
 * One end's data phase as bytes, without the stream stage: plaintext of any length becomes whole sealed
 * packets; wire bytes however TCP split them become plaintext, a packet cut across reads being held
 * until its rest arrives (at most one packet's bytes; at the wire's EOF they are dropped, as spiped
 * does). Pure: bytes in, bytes out, one output array per call.
 */
final class PacketFraming {
    private final PacketSealer sealer;
    private final PacketOpener opener;
    /** The start of a packet split across reads; made when a read first ends inside a packet (an idle connection has none). */
    private byte[] partialPacket;
    private int partialFill;

    PacketFraming(SessionKeys keys, Role self) {
        this.sealer = keys.sealerFor(self);
        this.opener = keys.openerFor(self);
    }

    /** The packets that carry {@code plain} (none for no bytes). */
    ByteString seal(ByteString plain) {
        int len = plain.length();
        if (len == 0) {
            return ByteString.emptyByteString();
        }
        byte[] sealed = new byte[Packets.sealedLength(len)];
        sealer.seal(plain.toArrayUnsafe(), 0, len, sealed, 0);
        return ByteString.fromArrayUnsafe(sealed);
    }

    /** The plaintext of every packet {@code wire} completes; a trailing partial packet is kept for later. */
    ByteString open(ByteString wire) throws BadPacketException {
        if (wire.isEmpty()) {
            return ByteString.emptyByteString();
        }
        byte[] src = wire.toArrayUnsafe();
        int off = 0;
        int len = src.length;
        byte[] out = new byte[Packets.openBufferLength((partialFill + len) / Packets.PACKET_LENGTH)];
        int outLen = 0;
        if (partialFill > 0) {
            int take = Math.min(Packets.PACKET_LENGTH - partialFill, len);
            System.arraycopy(src, off, partialPacket, partialFill, take);
            partialFill += take;
            off += take;
            len -= take;
            if (partialFill == Packets.PACKET_LENGTH) {
                outLen += opener.open(partialPacket, 0, out, outLen);
                partialFill = 0;
            }
        }
        while (len >= Packets.PACKET_LENGTH) {
            outLen += opener.open(src, off, out, outLen);
            off += Packets.PACKET_LENGTH;
            len -= Packets.PACKET_LENGTH;
        }
        if (len > 0) {
            if (partialPacket == null) {
                partialPacket = new byte[Packets.PACKET_LENGTH];
            }
            System.arraycopy(src, off, partialPacket, 0, len);
            partialFill = len;
        }
        return outLen == 0 ? ByteString.emptyByteString() : ByteString.fromArrayUnsafe(out, 0, outLen);
    }
}
