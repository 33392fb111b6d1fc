/** The spiped protocol's cryptography: the group 14 handshake and the sealed 1060-byte packets, as pure codecs. */
package io.cloakmesh.crypto.pipe;
