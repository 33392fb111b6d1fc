/** The mesh link's open exchange: the entry names a service, the exit answers OK or why not. */
package io.cloakmesh.protocol.link;
