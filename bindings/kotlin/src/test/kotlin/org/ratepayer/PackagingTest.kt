package org.ratepayer

import java.math.BigDecimal
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test

/**
 * The native library travels as a classpath resource (issue 19 item 5): the
 * tests run with no `jna.library.path`, so every call in this suite went
 * through the cdylib JNA found under its platform prefix on the classpath,
 * as an application finds it in the jar.
 */
class PackagingTest {
    @Test
    fun `the native library comes from the classpath, with no library path`() {
        assertNull(System.getProperty("jna.library.path"), "the tests must not set a library path")
        val resource = "${com.sun.jna.Platform.RESOURCE_PREFIX}/${System.mapLibraryName("ratepayer_ffi")}"
        assertNotNull(javaClass.classLoader.getResource(resource), "$resource on the classpath")
        assertEquals(0, BigDecimal("3.75").compareTo(packagedFee()))
    }
}

/** A fee quote through the library: Shelby's $3.75 card fee on $100.00 online. */
fun packagedFee(): BigDecimal =
    Profile.builtin("shelby").quoteFee("100.00", Channel.ONLINE, PaymentMethod.CREDIT_CARD, 1u).fee

/**
 * What scripts/test-kotlin runs with `java -cp` over the packaged jar, the
 * test classes and the jar's two dependencies (JNA, the Kotlin standard
 * library), with no library path: an application's view of the jar.
 */
fun main() {
    check(System.getProperty("jna.library.path") == null) { "run without jna.library.path" }
    val fee = packagedFee()
    check(BigDecimal("3.75").compareTo(fee) == 0) { "fee $fee" }
    println("packaged jar: Shelby's card fee on 100.00 online is $fee, from ${com.sun.jna.Platform.RESOURCE_PREFIX} in the jar")
}
