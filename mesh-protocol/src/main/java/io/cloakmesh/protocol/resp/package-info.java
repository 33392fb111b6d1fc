/** The Redis protocol (RESP2 and RESP3), pure: frame boundaries with bounds, values, bytes back out. */
package io.cloakmesh.protocol.resp;
