// Builds the module on its own (`gradle assembleRelease`); an app can instead include it:
//   include(":casekit"); project(":casekit").projectDir = file("<repo>/bindings-swift/android")
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "casekit"
