package org.ratepayer

/**
 * Kotlin -> Rust call overhead of a fee quote, in ns per call (not a test).
 * Run: scripts/bench-kotlin (mvn -Pbench test-compile exec:exec).
 * Also times calls that do little in Rust (no arguments, a record back, a
 * parse, a date) to separate the boundary from the quote itself; the Rust-only
 * cost of the same calls comes from bindings/ffi/examples/rust_baseline.rs.
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
    // Many quotes in one call (Profile.quoteFees): the boundary is paid once
    // per batch of 100, the figure is per quote.
    val requests = List(100) { FeeRequest("57.22", Channel.ONLINE, PaymentMethod.CREDIT_CARD, 1u) }
    repeat(maxOf(1, n / 1000)) { sink += shelby.quoteFees(requests).size } // warm-up
    var batchCalls = 0
    val batchStart = System.nanoTime()
    repeat(maxOf(1, n / 100)) {
        sink += shelby.quoteFees(requests).size
        batchCalls += 100
    }
    val batchNs = (System.nanoTime() - batchStart).toDouble() / batchCalls
    println("%-48s %8.0f ns/call  (%d quotes)".format("quoteFees, 100 requests a call (per quote)", batchNs, batchCalls))
    // The same quote in batches of 1,000 with a GC between batches (not
    // timed): what a call costs when the garbage of earlier calls (the
    // structures' native memory, freed by a cleaner after a GC) does not pile
    // up, closer to an app making calls between other work.
    var timed = 0L
    var calls = 0
    repeat(maxOf(1, n / 1000)) {
        System.gc()
        val start = System.nanoTime()
        repeat(1000) {
            sink += shelby.quoteFee("57.22", Channel.ONLINE, PaymentMethod.CREDIT_CARD, 1u).accounts.toInt()
        }
        timed += System.nanoTime() - start
        calls += 1000
    }
    println("%-48s %8.0f ns/call  (%d calls)".format("quoteFee, batches of 1000, GC between", timed.toDouble() / calls, calls))
    println("(sink $sink)")
}
