/** Logging that an attacker cannot turn into a flood: rate limits for repeated lines. */
package io.cloakmesh.node.logging;
