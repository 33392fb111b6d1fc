/** Wire formats as code: each protocol a pure codec plus the thin stream stage that drives it. */
package io.cloakmesh.protocol;
