package io.cloakmesh.node.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering the docs describe (docs/architecture.md), checked on the compiled classes of all three
 * library modules: a rule broken here fails the build.
 */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.cloakmesh");
    }

    @Test
    void noPackageCycles() {
        slices().matching("io.cloakmesh.(*).(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void cryptoDependsOnNoOtherModule() {
        noClasses().that().resideInAPackage("io.cloakmesh.crypto..")
                .should().dependOnClassesThat().resideInAnyPackage("io.cloakmesh.protocol..", "io.cloakmesh.node..")
                .check(classes);
    }

    @Test
    void protocolDependsOnCryptoOnly() {
        noClasses().that().resideInAPackage("io.cloakmesh.protocol..")
                .should().dependOnClassesThat().resideInAPackage("io.cloakmesh.node..")
                .check(classes);
    }

    @Test
    void transportIsBelowLinks() {
        noClasses().that().resideInAPackage("io.cloakmesh.node.transport..")
                .should().dependOnClassesThat().resideInAnyPackage("io.cloakmesh.node.link..", "io.cloakmesh.node.mesh..",
                        "io.cloakmesh.node.admin..", "io.cloakmesh.node.routing..", "io.cloakmesh.node.rediscluster..",
                        "io.cloakmesh.node.pipe..", "io.cloakmesh.node.net..")
                .check(classes);
    }

    @Test
    void adminKnowsTheNodeOnlyThroughManagedNode() {
        noClasses().that().resideInAPackage("io.cloakmesh.node.admin..")
                .should().dependOnClassesThat().resideInAPackage("io.cloakmesh.node.mesh..")
                .check(classes);
    }

    /** Adding a kind is one class and one line in the registry: nothing else may know a kind's class. */
    @Test
    void onlyTheRegistryKnowsEachKind() {
        noClasses().that().haveNameNotMatching("io\\.cloakmesh\\.node\\.link\\.(ServiceKinds|TcpKind|RedisClusterKind)(\\$.*)?")
                .should().dependOnClassesThat().haveNameMatching("io\\.cloakmesh\\.node\\.link\\.(TcpKind|RedisClusterKind)(\\$.*)?")
                .check(classes);
    }
}
