/** The operator's command-line client for a cloakmesh mesh (commands arrive with the admin issue). */
package io.cloakmesh.admin;
