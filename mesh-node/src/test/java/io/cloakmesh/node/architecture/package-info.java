/** Architecture rules checked against the compiled classes. */
package io.cloakmesh.node.architecture;
