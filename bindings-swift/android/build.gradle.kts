// casekit for Android: the generated Kotlin API (src/main/kotlin/casekit/casekit.kt) and
// the Rust library for each ABI (src/main/jniLibs/<abi>/libcasekit_ffi.so). Neither is
// committed: run bindings-swift/scripts/build-android.sh first (bindings-swift/README.md).
plugins {
    id("com.android.library") version "8.5.2"
    id("org.jetbrains.kotlin.android") version "2.0.21"
}

android {
    namespace = "casekit"
    compileSdk = 34

    defaultConfig {
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
    }

    sourceSets["main"].apply {
        kotlin.srcDir("src/main/kotlin")
        // The default location, spelled out: one directory per ABI.
        jniLibs.srcDir("src/main/jniLibs")
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    // The generated bindings call the library through JNA; the AAR carries JNA's own
    // native part (libjnidispatch.so) for every ABI.
    implementation("net.java.dev.jna:jna:5.14.0@aar")
}
