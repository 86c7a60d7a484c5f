package dev.jrwkv;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The arrows of DESIGN.md: core imports no app module; inside core, generate -> model -> format -> tensor. */
class ArchitectureTest {
    static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("dev.jrwkv");

    @Test
    void coreImportsNoApplicationModule() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("dev.jrwkv.cli..", "dev.jrwkv.server..", "dev.jrwkv.train..")
                .check(CORE);
    }

    @Test
    void layersPointOneWay() {
        noClasses().that().resideInAPackage("dev.jrwkv.tensor..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.jrwkv.format..", "dev.jrwkv.model..", "dev.jrwkv.tokenizer..", "dev.jrwkv.generate..")
                .check(CORE);
        noClasses().that().resideInAPackage("dev.jrwkv.format..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.jrwkv.model..", "dev.jrwkv.tokenizer..", "dev.jrwkv.generate..")
                .check(CORE);
        noClasses().that().resideInAPackage("dev.jrwkv.model..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.jrwkv.tokenizer..", "dev.jrwkv.generate..")
                .check(CORE);
        noClasses().that().resideInAPackage("dev.jrwkv.tokenizer..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.jrwkv.tensor..", "dev.jrwkv.format..", "dev.jrwkv.model..", "dev.jrwkv.generate..")
                .check(CORE);
    }

    @Test
    void vectorApiOnlyInTheVectorBackend() {
        // VectorBackend and its prefill GEMM kernel (TiledMatmul, package-private beside it)
        noClasses().that().doNotHaveSimpleName("VectorBackend").and().doNotHaveSimpleName("TiledMatmul")
                .and().resideOutsideOfPackage("dev.jrwkv.tensor.vector..")
                .should().dependOnClassesThat().resideInAPackage("jdk.incubator.vector..")
                .check(CORE);
    }
}
