package org.ratepayer

/**
 * Kotlin -> Rust call overhead of a fee quote, in ns per call (not a test).
 * Run: scripts/bench-kotlin (mvn -Pbench test-compile exec:exec).
 * Also times a call that does almost nothing in Rust (`info`-free
 * `isFedBusinessDay`) to separate the boundary from the quote itself.
 */
fun main() {
    val n = (System.getProperty("bench.iterations") ?: "200000").toInt()
    val shelby = Profile.builtin("shelby")
    val day = java.time.LocalDate.parse("2026-11-25")
    fun time(label: String, body: () -> Unit) {
        repeat(n / 10) { body() } // warm-up (JIT, JNA)
        val start = System.nanoTime()
        repeat(n) { body() }
        val ns = (System.nanoTime() - start).toDouble() / n
        println("%-48s %8.0f ns/call  (%d calls)".format(label, ns, n))
    }
    var sink = 0
    time("quoteFee(\"57.22\", ONLINE, CREDIT_CARD, 1)") {
        sink += shelby.quoteFee("57.22", Channel.ONLINE, PaymentMethod.CREDIT_CARD, 1u).accounts.toInt()
    }
    time("builtinProfileIds() (no arguments)") {
        sink += builtinProfileIds().size
    }
    time("profile.info() (a record back)") {
        sink += shelby.info().tariffIds.size
    }
    time("parseAmount(\"57.22\", \"USD\")") {
        sink += parseAmount("57.22", "USD").amount.scale()
    }
    time("isFedBusinessDay(LocalDate)") {
        if (isFedBusinessDay(day)) sink++
    }
    println("(sink $sink)")
}
