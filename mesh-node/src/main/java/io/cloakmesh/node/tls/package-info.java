/** TLS at run time: contexts that follow their files, and the cluster transport's certificate checks. */
package io.cloakmesh.node.tls;
