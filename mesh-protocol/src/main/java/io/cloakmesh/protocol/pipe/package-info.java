/** The spiped pipe protocol as a Pekko Streams BidiFlow: handshake, then fixed-size sealed packets. */
package io.cloakmesh.protocol.pipe;
