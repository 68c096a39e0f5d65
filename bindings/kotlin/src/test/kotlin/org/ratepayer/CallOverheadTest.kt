package org.ratepayer

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * Issue 19 item 6, the cost of a Kotlin -> Rust call: the batch quote gives
 * what single quotes give, and the patched generated code (reused call
 * statuses, structure memory outside JNA's tracking; see
 * scripts/patch-kotlin-bindings) keeps every call's outcome its own. No
 * timings here: scripts/bench-kotlin measures them.
 */
class CallOverheadTest {
    private val shelby = Profile.builtin("shelby")

    @Test
    fun `the generated code carries the call-overhead patch`() {
        val patched = runCatching { Class.forName("org.ratepayer.UniffiCallStatusStack") }.isSuccess
        assertTrue(patched, "the generated Kotlin was not patched: run scripts/patch-kotlin-bindings on it")
    }

    @Test
    fun `a batch of quotes equals the single quotes, in order`() {
        val requests = shelby.acceptedPaymentOptions().flatMap { option ->
            listOf("57.22", "0.01", "1200").map { FeeRequest(it, option.channel, option.method, 2u) }
        }
        val batch = shelby.quoteFees(requests)
        assertEquals(requests.size, batch.size)
        for ((request, quote) in requests.zip(batch)) {
            assertEquals(shelby.quoteFee(request.amount, request.channel, request.method, request.accounts), quote)
        }
        assertEquals(emptyList<FeeQuote>(), shelby.quoteFees(emptyList()))
    }

    @Test
    fun `a refused request in a batch raises what the single quote raises`() {
        val good = FeeRequest("57.22", Channel.ONLINE, PaymentMethod.CREDIT_CARD, 1u)
        for (bad in listOf(good.copy(amount = "12,34"), good.copy(channel = Channel.MAIL))) {
            val single = assertThrows<RatepayerException> {
                shelby.quoteFee(bad.amount, bad.channel, bad.method, bad.accounts)
            }
            val batched = assertThrows<RatepayerException> { shelby.quoteFees(listOf(good, bad, good)) }
            assertEquals(single.javaClass, batched.javaClass)
            assertEquals(single.toString(), batched.toString())
        }
    }

    @Test
    fun `errors and successes interleaved on reused call statuses stay apart`() {
        // A failed call leaves its status written by Rust; the next call on
        // the thread reuses that status and must start from success.
        val threads = List(4) {
            Thread {
                repeat(500) { i ->
                    if (i % 3 == 0) {
                        val e = assertThrows<RatepayerException.Money> {
                            shelby.quoteFee("12,34", Channel.ONLINE, PaymentMethod.CREDIT_CARD, 1u)
                        }
                        assertTrue(e.code.startsWith("money."), e.code)
                    } else {
                        assertEquals("3.75", shelby.quoteFee("57.22", Channel.ONLINE, PaymentMethod.CREDIT_CARD, 1u).fee.toPlainString())
                        assertTrue(isFedBusinessDay(java.time.LocalDate.of(2026, 11, 25)))
                    }
                }
            }
        }
        val failures = java.util.concurrent.ConcurrentLinkedQueue<Throwable>()
        threads.forEach { t ->
            t.setUncaughtExceptionHandler { _, e -> failures.add(e) }
            t.start()
        }
        threads.forEach { it.join() }
        assertEquals(emptyList<Throwable>(), failures.toList())
    }
}
