/** Policy filters on Redis requests with RedisShake's rule names: the command table, key extraction and verdicts, pure. */
package io.cloakmesh.protocol.filter;
