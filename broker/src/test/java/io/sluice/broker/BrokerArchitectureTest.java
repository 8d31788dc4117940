package io.sluice.broker;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The broker's layers (see the package-info of io.sluice.broker) and the direction of calls between them. A package
 * cycle or a layer called backwards fails the build.
 */
class BrokerArchitectureTest {
    private static JavaClasses broker;

    @BeforeAll
    static void importBroker() {
        broker = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.sluice.broker");
    }

    @Test
    void packages_haveNoCycles() {
        slices().matching("io.sluice.broker.(**)").should().beFreeOfCycles().check(broker);
    }

    @Test
    void layers_areCalledInOneDirection() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("Root").definedBy("io.sluice.broker")
                .layer("Grpc").definedBy("io.sluice.broker.grpc..")
                .layer("Stream").definedBy("io.sluice.broker.stream..")
                .layer("Ratis").definedBy("io.sluice.broker.replication.ratis..")
                .layer("Replication").definedBy("io.sluice.broker.replication")
                .layer("Metadata").definedBy("io.sluice.broker.metadata..")
                .layer("Storage").definedBy("io.sluice.broker.storage..")
                .layer("Config").definedBy("io.sluice.broker.config..")
                .whereLayer("Root").mayNotBeAccessedByAnyLayer()
                .whereLayer("Grpc").mayOnlyBeAccessedByLayers("Root")
                .whereLayer("Stream").mayOnlyBeAccessedByLayers("Root", "Grpc")
                .whereLayer("Ratis").mayOnlyBeAccessedByLayers("Root")
                .whereLayer("Replication").mayOnlyBeAccessedByLayers("Root", "Grpc", "Stream", "Ratis")
                .whereLayer("Metadata").mayOnlyBeAccessedByLayers("Root", "Grpc", "Stream", "Replication", "Ratis")
                .whereLayer("Storage").mayOnlyBeAccessedByLayers("Root", "Grpc", "Stream", "Replication", "Ratis")
                .check(broker);
    }

    @Test
    void onlyTheRatisPackage_usesRatis() {
        noClasses().that().resideOutsideOfPackage("io.sluice.broker.replication.ratis..")
                .and().resideOutsideOfPackage("io.sluice.broker")
                .should().dependOnClassesThat().resideInAPackage("org.apache.ratis..")
                .check(broker);
    }

    @Test
    void theDomainAndBelow_knowNothingOfGrpc() {
        noClasses().that().resideInAnyPackage("io.sluice.broker.stream..", "io.sluice.broker.replication",
                        "io.sluice.broker.metadata..", "io.sluice.broker.storage..")
                .should().dependOnClassesThat().resideInAPackage("io.grpc..")
                .check(broker);
    }

    @Test
    void onlyReplicationAndStorage_touchChronicleQueue() {
        noClasses().that().resideOutsideOfPackages("io.sluice.broker.storage..", "io.sluice.broker")
                .should().dependOnClassesThat().resideInAPackage("net.openhft..")
                .check(broker);
    }
}
