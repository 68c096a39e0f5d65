package org.ratepayer

import java.math.BigDecimal
import java.time.Instant
import java.time.LocalDate
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** A customer's journey through the Kotlin surface, and what bad input raises. */
class JourneyTest {
    private val shelby = Profile.builtin("shelby")

    @Test
    fun `profiles load, describe themselves and report every problem`() {
        assertTrue(builtinProfileIds().containsAll(listOf("shelby", "medford", "cal-water")))
        val info = shelby.info()
        assertEquals("shelby", info.id)
        assertEquals("USD", info.currency)
        assertTrue("shelby-water-residential" in info.tariffIds)
        val broken = "id = \"\"\nname = \"x\"\ntime_zone = \"Mars/Base\"\ncurrency = \"USD\"\n"
        assertEquals(listOf("id", "time_zone"), validateProfile(broken, ProfileFormat.TOML).map { it.path })
        val e = assertThrows<RatepayerException.Profile> { Profile.fromToml(broken) }
        assertEquals("profile.invalid", e.code)
        assertEquals(2, e.problems.size)
        assertEquals(1, validateProfile("{", ProfileFormat.JSON).size)
    }

    @Test
    fun `a bill from meter reads matches the bill from usage`() {
        val reading = MeterReading(
            meter = MeterSpec(id = "M1", unit = "gal", dials = 7u, multiplier = null),
            opening = MeterRead(LocalDate.parse("2025-10-01"), "9999000", ReadKind.ACTUAL),
            closing = MeterRead(LocalDate.parse("2025-11-01"), "0006400", ReadKind.CUSTOMER_SUBMITTED),
        )
        val bill = shelby.billFromReads(
            "shelby-water-residential", LocalDate.parse("2025-10-01"), LocalDate.parse("2025-10-31"),
            listOf(reading), "5/8", null,
        )
        assertEquals(BigDecimal("57.22"), bill.total)
        assertEquals("57.22", bill.total.toPlainString())
        assertEquals(LineKind.FIXED, bill.lines.first().kind)
        assertTrue(bill.text.contains("57.22"))
    }

    @Test
    fun `a fee is quoted with BigDecimal amounts and confirmed`() {
        val quote = shelby.quoteFee("57.22", Channel.ONLINE, PaymentMethod.CREDIT_CARD, 1u)
        assertEquals(BigDecimal("3.75"), quote.fee)
        assertEquals(BigDecimal("60.97"), quote.total)
        assertEquals("USD", quote.currency)
        assertTrue(quote.feeFreeAlternatives.isNotEmpty())
        assertTrue(quote.disclosure.isNotBlank())
        val paid = shelby.confirmPayment(quote)
        assertEquals(BigDecimal("60.97"), paid.total)
        val tampered = quote.copy(fee = BigDecimal("0.01"))
        assertThrows<RatepayerException.Fee> { shelby.confirmPayment(tampered) }
        assertEquals(BigDecimal("12.30"), parseAmount("12.30", "USD").amount)
    }

    @Test
    fun `a password is checked against the profile's policy with codes and messages`() {
        val ctx = PasswordContext(username = "patdoe")
        val bad = shelby.checkPassword("Password1!", ctx, false)
        assertFalse(bad.accepted)
        assertEquals(listOf("password.too_short", "password.blocklisted"), bad.failures.map { it.code })
        assertTrue(bad.failures.all { it.message.isNotBlank() && !it.message.contains("Password1!") })
        assertFalse(shelby.checkPassword("correct horse battery staple", ctx, false).accepted)
        val good = shelby.checkPassword("violet tractor amber whistles", ctx, false)
        assertTrue(good.accepted)
        assertEquals("NFKC", good.normalization)
        val withContext = shelby.checkPassword("patdoe-loves-long-walks", ctx, false)
        assertTrue(withContext.failures.any { it.code == "password.contains_context" })
    }

    @Test
    fun `registration input is validated with public and internal reasons`() {
        val account = AccountRecord(accountNumber = "123456789", customerNumber = "5501")
        val form = RegistrationForm(
            accountNumber = " 123456789 ",
            customerNumber = "5501",
            email = "pat@example.com",
            username = "PatDoe",
            acceptedTermsVersion = "2024-07",
        )
        val web = RegistrationAttempt(RegistrationChannel.WEB, null, Instant.parse("2026-01-05T12:00:00Z"))
        val ok = shelby.checkRegistration(form, web, listOf(account), emptyList())
        assertTrue(ok is RegistrationOutcome.Accepted, "$ok")
        assertEquals("patdoe", (ok as RegistrationOutcome.Accepted).username)
        val wrong = shelby.checkRegistration(form.copy(customerNumber = "9999"), web, listOf(account), emptyList())
        val noMatch = shelby.checkRegistration(form, web, emptyList(), emptyList())
        assertTrue(wrong is RegistrationOutcome.Rejected)
        wrong as RegistrationOutcome.Rejected
        noMatch as RegistrationOutcome.Rejected
        assertEquals("registration.not_verified", wrong.code)
        assertEquals(wrong.message, noMatch.message, "a wrong proof and no account look the same")
        val phone = shelby.checkRegistration(form, web.copy(channel = RegistrationChannel.PHONE), listOf(account), emptyList())
        assertEquals("registration.channel_refused", (phone as RegistrationOutcome.Rejected).code)
    }

    @Test
    fun `autopay drafts roll to the banking day before a holiday`() {
        val options = shelby.autopayOptions().map { it.name }
        assertTrue("Card AutoPay" in options)
        val bills = listOf(
            BillDates(LocalDate.parse("2026-11-01"), LocalDate.parse("2026-11-26"), null), // Thanksgiving
            BillDates(LocalDate.parse("2026-06-10"), LocalDate.parse("2026-07-04"), null), // Saturday
        )
        assertEquals(
            listOf(LocalDate.parse("2026-11-25"), LocalDate.parse("2026-07-03")),
            shelby.nextDraftDates("Card AutoPay", bills),
        )
        assertTrue(LocalDate.parse("2026-11-26") in fedHolidays(2026))
        assertFalse(isFedBusinessDay(LocalDate.parse("2026-11-26")))
    }

    @Test
    fun `bad input raises the typed exception, never a crash`() {
        val money = assertThrows<RatepayerException.Money> {
            shelby.quoteFee("1,234.56", Channel.ONLINE, PaymentMethod.CREDIT_CARD, 1u)
        }
        assertEquals("money.malformed", money.code)
        assertTrue(money.detail.isNotBlank())
        assertThrows<RatepayerException.Money> { parseAmount("12.345", "USD") }
        assertThrows<RatepayerException.Money> { parseAmount("1", "USS") }
        assertThrows<RatepayerException.Fee> {
            shelby.quoteFee("10.00", Channel.MAIL, PaymentMethod.CREDIT_CARD, 1u)
        }
        assertThrows<RatepayerException.Profile> { Profile.builtin("nowhere") }
        assertThrows<RatepayerException.Profile> { Profile.fromJson("{\"id\": 3}") }
        val request = BillRequest(
            from = LocalDate.parse("2025-10-31"), to = LocalDate.parse("2025-10-01"),
            usage = "7400", unit = "gal", meterSize = "5/8",
        )
        assertThrows<RatepayerException.Bill> { shelby.bill("shelby-water-residential", request) }
        val ok = request.copy(from = LocalDate.parse("2025-10-01"), to = LocalDate.parse("2025-10-31"))
        assertThrows<RatepayerException.Input> { shelby.bill("shelby-water-residential", ok.copy(usage = "lots")) }
        assertThrows<RatepayerException.Input> { shelby.bill("shelby-water-residential", ok.copy(unit = "furlongs")) }
        assertThrows<RatepayerException.Bill> { shelby.bill("shelby-water-residential", ok.copy(meterSize = null)) }
        assertThrows<RatepayerException.Profile> { shelby.bill("no-such-tariff", ok) }
        assertThrows<RatepayerException.Autopay> {
            shelby.nextDraftDates("Card AutoPay", listOf(BillDates(LocalDate.parse("2026-02-01"), LocalDate.parse("2026-01-01"), null)))
        }
        // A BigDecimal the Rust side cannot hold exactly fails while lifting the
        // argument: still the typed exception, not InternalException.
        val huge = Money(BigDecimal("1" + "0".repeat(40)), "USD")
        assertThrows<RatepayerException.Money> { formatAmount(huge) }
        // The process is still healthy after every refusal.
        assertEquals(BigDecimal("3.75"), shelby.quoteFee("57.22", Channel.ONLINE, PaymentMethod.CREDIT_CARD, 1u).fee)
    }

    @Test
    fun `profiles are shared between threads`() {
        val threads = (1..4).map {
            Thread { repeat(200) { check(shelby.quoteFee("57.22", Channel.ONLINE, PaymentMethod.DEBIT_CARD, 1u).total > BigDecimal.ZERO) } }
        }
        threads.forEach(Thread::start)
        threads.forEach(Thread::join)
    }
}

/** Registration over a directory implemented in Kotlin (the foreign-trait pattern the store will use). */
class ForeignDirectoryTest {
    private val shelby = Profile.builtin("shelby")
    private val form = RegistrationForm(
        accountNumber = "123456789", customerNumber = "5501", email = "pat@example.com",
        username = "patdoe", acceptedTermsVersion = "2024-07",
    )
    private val web = RegistrationAttempt(RegistrationChannel.APP, null, Instant.parse("2026-01-05T12:00:00Z"))

    class MapDirectory(private val accounts: Map<String, AccountRecord>, private val taken: Set<String>) : AccountDirectory {
        val asked = mutableListOf<String>()
        override fun account(accountNumber: String): AccountRecord? = accounts[accountNumber].also { asked.add(accountNumber) }
        override fun usernameTaken(usernameLower: String): Boolean = usernameLower in taken
    }

    @Test
    fun `registration looks accounts up in a Kotlin directory`() {
        val dir = MapDirectory(mapOf("123456789" to AccountRecord(accountNumber = "123456789", customerNumber = "5501")), setOf("taken.user"))
        val ok = shelby.checkRegistrationIn(form, web, dir)
        assertTrue(ok is RegistrationOutcome.Accepted, "$ok")
        assertEquals(listOf("123456789"), dir.asked)
        val taken = shelby.checkRegistrationIn(form.copy(username = "Taken.User"), web, dir)
        assertEquals("registration.username_taken", (taken as RegistrationOutcome.Rejected).code)
    }

    @Test
    fun `an exception thrown by the Kotlin directory comes back typed`() {
        val broken = object : AccountDirectory {
            override fun account(accountNumber: String): AccountRecord? = throw IllegalStateException("database is down")
            override fun usernameTaken(usernameLower: String): Boolean = false
        }
        val e = assertThrows<RatepayerException.Store> { shelby.checkRegistrationIn(form, web, broken) }
        assertTrue(e.detail.contains("database is down"), e.detail)
    }
}
