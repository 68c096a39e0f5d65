package org.ratepayer

import java.math.BigDecimal
import java.nio.file.Files
import java.time.Instant
import java.time.LocalDate
import java.util.concurrent.Semaphore
import java.util.concurrent.atomic.AtomicInteger
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * A store implemented in Kotlin: tables of HashMaps; a transaction holds the
 * one permit from begin to commit or rollback and works on a copy of the
 * committed tables (copy on begin), which its commit puts in place.
 */
class MapKvStore : ForeignKvStore {
    private val committed = HashMap<String, HashMap<String, String>>()
    private val open = HashMap<ULong, HashMap<String, HashMap<String, String>>>()
    private val gate = Semaphore(1)
    private var next = 0UL
    val commits = AtomicInteger()
    val rollbacks = AtomicInteger()

    private fun copy(src: Map<String, HashMap<String, String>>) =
        HashMap(src.mapValues { HashMap(it.value) })

    private fun work(tx: ULong) = synchronized(this) { open[tx] }
        ?: throw RatepayerException.Store("store.no_transaction", "no open transaction $tx")

    override fun begin(): ULong {
        gate.acquire()
        synchronized(this) {
            next += 1u
            open[next] = copy(committed)
            return next
        }
    }

    override fun get(tx: ULong, table: String, key: String): String? = work(tx)[table]?.get(key)

    override fun put(tx: ULong, table: String, key: String, value: String) {
        work(tx).getOrPut(table) { HashMap() }[key] = value
    }

    override fun putIfAbsent(tx: ULong, table: String, key: String, value: String): Boolean {
        val t = work(tx).getOrPut(table) { HashMap() }
        if (key in t) return false
        t[key] = value
        return true
    }

    override fun delete(tx: ULong, table: String, key: String): Boolean = work(tx)[table]?.remove(key) != null

    override fun scan(tx: ULong, table: String, prefix: String): List<KvEntry> =
        work(tx)[table]?.filterKeys { it.startsWith(prefix) }?.map { KvEntry(it.key, it.value) } ?: emptyList()

    override fun commit(tx: ULong) {
        synchronized(this) {
            val w = open.remove(tx) ?: throw RatepayerException.Store("store.no_transaction", "no open transaction $tx")
            committed.clear()
            committed.putAll(w)
        }
        commits.incrementAndGet()
        gate.release()
    }

    override fun rollback(tx: ULong) {
        val removed = synchronized(this) { open.remove(tx) }
        if (removed != null) {
            rollbacks.incrementAndGet()
            gate.release()
        }
    }

    fun tables(): Set<String> = synchronized(this) { committed.keys.toSet() }
}

/** Keeps every message the portal sends, as an app's mailer would send them. */
class KeepingNotifier : Notifier {
    val sent = mutableListOf<Notice>()
    override fun send(to: String, subject: String, body: String) {
        synchronized(sent) { sent.add(Notice(to, subject, body)) }
    }
}

/** The portal journey over SQLite and over the Kotlin store above. */
class PortalTest {
    private val shelby = Profile.builtin("shelby")
    private val key = ByteArray(32) { 7 }
    private val password = "Glacier-violet-trombone-88"

    private val client = ClientInfo("198.51.100.20", "kotlin-test")
    private fun nov(day: Int, hour: Int) = Instant.parse("2025-11-%02dT%02d:00:00Z".format(day, hour))
    private fun date(text: String) = LocalDate.parse(text)

    private fun form(account: String, customer: String, username: String) = RegistrationForm(
        accountNumber = account,
        customerNumber = customer,
        email = "Pat@Example.com",
        username = username,
        acceptedTermsVersion = "2024-07",
    )

    /** The last one-time code in the messages to `to`. */
    private fun lastCode(messages: List<Notice>, to: String): String {
        val m = messages.lastOrNull { it.to.equals(to, ignoreCase = true) && Regex("\\d{6,}").containsMatchIn(it.body) }
        assertNotNull(m, "a code was sent to $to")
        return Regex("\\d{6,}").find(m!!.body)!!.value
    }

    /** The whole journey; `messages` returns every message sent so far. */
    private fun journey(portal: Portal, messages: () -> List<Notice>) {
        val imports = listOf(
            Triple("100001", "5001", false), Triple("100002", "5001", false),
            Triple("100003", "5001", true), Triple("100004", "5002", false),
        ).map { (n, c, closed) ->
            AccountImport(
                AccountRecord(accountNumber = n, customerNumber = c, zip = "28150", name = "Doe", email = "pat@example.com"),
                closed, "$n Elm Street",
            )
        }
        assertEquals(4UL, portal.importAccounts(imports, nov(1, 12)))
        for ((account, gallons) in listOf("100001" to "7400", "100002" to "3000")) {
            val request = BillRequest(
                from = date("2025-10-01"), to = date("2025-10-31"), usage = gallons, unit = "gal",
                meterSize = "5/8",
            )
            val bill = portal.postBill(
                account, "2025-10", "shelby-water-residential", request,
                date("2025-11-03"), date("2025-11-24"), null, nov(3, 12),
            )
            assertEquals(date("2025-11-24"), bill.dueDate)
        }

        // Register with Shelby's recipe (account + customer number); a
        // wrong proof is refused with the one public code.
        val reg = portal.register(form("000100001", "5001", "PatDoe"), password, RegistrationChannel.WEB, client, nov(5, 12))
        assertEquals("000100001", reg.account)
        assertEquals("patdoe", reg.username)
        val pat = reg.loginId
        val refused = assertThrows<RatepayerException.Portal> {
            portal.register(form("100004", "9999", "someone1"), password, RegistrationChannel.WEB, client, nov(5, 13))
        }
        assertEquals("registration.not_verified", refused.code)

        // Verify the email with the code sent to it.
        portal.verifyContact(pat, reg.emailCodeId, lastCode(messages(), "pat@example.com"), nov(5, 12))

        // Login from a new device: challenged, then signed in (a session
        // starts) and remembered.
        val challenged = portal.login("patdoe", password, null, client, nov(6, 9))
        assertTrue(challenged is LoginOutcome.ChallengeRequired, "$challenged")
        val challengeId = (challenged as LoginOutcome.ChallengeRequired).challengeId
        val signedIn = portal.passDeviceChallenge(pat, challengeId, lastCode(messages(), "pat@example.com"), "laptop", client, nov(6, 9))
        signedIn as LoginOutcome.SignedIn
        assertTrue(Regex("[0-9a-f]{64}").matches(signedIn.sessionToken), "a 64-hex session token")
        val device = signedIn.deviceToken
        assertNotNull(device)
        // A session lasts 30 minutes unused: each step below signs in from
        // the remembered device, as the app would, and passes the token.
        fun signIn(at: Instant): String {
            val o = portal.login("patdoe", password, device, client, at)
            assertTrue(o is LoginOutcome.SignedIn, "$o")
            return (o as LoginOutcome.SignedIn).sessionToken
        }
        assertTrue(portal.login("patdoe", password, device, client, nov(7, 9)) is LoginOutcome.SignedIn)
        assertThrows<RatepayerException.Portal> { portal.login("patdoe", "wrong-password-here", device, client, nov(7, 9)) }

        // Link a second account with the same proofs and the password again.
        var s = signIn(nov(7, 10))
        assertEquals("000100002", portal.linkAccount(s, form("100002", "5001", "patdoe"), password, "Lake cabin", client, nov(7, 10)))
        val home = portal.home(s, nov(7, 10))
        assertEquals(listOf("000100001", "000100002"), home.accounts.map { it.account })
        assertEquals(BigDecimal("57.22"), home.accounts[0].amountDue)
        assertEquals("Lake cabin", home.accounts[1].nickname)
        assertEquals(home.accounts[0].amountDue + home.accounts[1].amountDue, home.totalDue)

        // Quote: Shelby's card fee 3.75, e-check 0.95; pay a split partial amount by card.
        val card = portal.addPaymentMethod(
            s, NewPaymentMethod(PaymentMethod.CREDIT_CARD, "tok_visa_pat", "Visa ending 4242", CardExpiry(2030, 12u)), nov(7, 10),
        )
        val bank = portal.addPaymentMethod(
            s, NewPaymentMethod(PaymentMethod.ECHECK, "tok_bank_pat", "Checking ending 6789", null), nov(7, 10),
        )
        s = signIn(nov(7, 11))
        val split = PaymentTarget.Split(listOf(SplitAmount("100001", "30.00"), SplitAmount("100002", "10.00")))
        val quote = portal.quotePayment(s, split, "40.00", Channel.ONLINE, card, nov(7, 11))
        assertEquals(BigDecimal("3.75"), quote.quote.fee)
        assertEquals(BigDecimal("0.95"), portal.quotePayment(s, split, "40.00", Channel.ONLINE, bank, nov(7, 11)).quote.fee)
        // Fee evasion: an online e-check cannot be quoted as a fee-free bank draft.
        val relabelled = assertThrows<RatepayerException.Portal> { portal.quotePayment(s, split, "40.00", Channel.BANK_DRAFT, bank, nov(7, 11)) }
        assertEquals("invalid.channel", relabelled.code)
        val receipt = portal.pay(s, quote.id, "kotlin-payment-00000001", nov(7, 11))
        // Double submit: the same key returns the first receipt, records nothing new.
        assertEquals(receipt, portal.pay(s, quote.id, "kotlin-payment-00000001", nov(7, 11)))
        assertEquals(BigDecimal("43.75"), receipt.total)
        assertEquals(listOf(BigDecimal("30.00"), BigDecimal("10.00")), receipt.accounts.map { it.paid })
        assertEquals(BigDecimal("27.22"), portal.home(s, nov(7, 11)).accounts[0].amountDue)

        // AutoPay, then the cycle twice for the same date: drafted once.
        s = signIn(nov(7, 13))
        val enrolled = portal.enrolAutopay(
            s, EnrolRequest("100001", "Card AutoPay", card, "2024-07", null, null), nov(7, 13),
        )
        assertTrue(enrolled.firstBill is FirstBill.Current, "${enrolled.firstBill}")
        val first = portal.runAutopayCycle(date("2025-11-24"), nov(24, 6))
        assertEquals(1UL, first.drafted)
        assertEquals(BigDecimal("30.97"), first.charged)
        val second = portal.runAutopayCycle(date("2025-11-24"), nov(24, 7))
        assertEquals(0UL, second.drafted)
        assertEquals(null, second.charged)
        s = signIn(nov(24, 8))
        assertEquals("Card AutoPay", portal.home(s, nov(24, 8)).accounts[0].autopay)
        assertEquals(1, portal.bills(s, "100001", nov(24, 8)).bills.size)

        // Bad input raises the typed exception and changes nothing.
        s = signIn(nov(8, 9))
        val before = portal.home(s, nov(8, 9))
        assertThrows<RatepayerException.Money> { portal.quotePayment(s, split, "12,34", Channel.ONLINE, card, nov(8, 9)) }
        val unknown = assertThrows<RatepayerException.Portal> { portal.home("no-such-session", nov(8, 9)) }
        assertEquals("login.sign_in_required", unknown.code)
        assertThrows<RatepayerException.Portal> {
            portal.setDelivery(s, "100001", DeliverySettings(true, true, false, "not an email"), nov(8, 9))
        }
        assertEquals(before, portal.home(s, nov(8, 9)))

        // Staff link a closed account; delivery settings; an authorised user
        // who cannot change AutoPay; cancel; change the password; unlink.
        assertEquals("000100003", portal.staffLink("clerk-7", pat, "100003", nov(8, 8)))
        assertTrue(portal.home(s, nov(8, 9)).accounts.last().closed)
        portal.setDelivery(s, "100001", DeliverySettings(false, true, true, null), nov(8, 9)) // the billing email changes through a contact change
        assertTrue(portal.bills(s, "100001", nov(8, 9)).historyShown)
        val sam = portal.register(form("100004", "5002", "sam.doe"), password, RegistrationChannel.WEB, client, nov(8, 9)).loginId
        s = signIn(nov(8, 10))
        portal.addAuthorizedUser(s, "100001", "Sam.Doe", nov(8, 10))
        val samChallenge = portal.login("sam.doe", password, null, client, nov(8, 10)) as LoginOutcome.ChallengeRequired
        val samSession = (
            portal.passDeviceChallenge(sam, samChallenge.challengeId, lastCode(messages(), "pat@example.com"), null, client, nov(8, 10))
                as LoginOutcome.SignedIn
            ).sessionToken
        assertEquals("authorized_user", portal.home(samSession, nov(8, 10)).accounts.first { it.account == "000100001" }.role)
        assertEquals("portal.forbidden", assertThrows<RatepayerException.Portal> { portal.cancelAutopay(samSession, "100001", nov(8, 10)) }.code)
        s = signIn(nov(8, 11))
        portal.cancelAutopay(s, "100001", nov(8, 11))
        assertEquals(null, portal.home(s, nov(8, 11)).accounts[0].autopay)
        val newPassword = "Tidewater-marigold-saxophone-19"
        s = signIn(nov(9, 9))
        val rotated = portal.changePassword(s, password, newPassword, client, nov(9, 9))
        assertTrue(rotated != s, "a new session token")
        assertEquals("login.sign_in_required", assertThrows<RatepayerException.Portal> { portal.home(s, nov(9, 9)) }.code)
        assertEquals(3, portal.home(rotated, nov(9, 9)).accounts.size)
        assertEquals("login.wrong_credentials", assertThrows<RatepayerException.Portal> { portal.login("patdoe", password, null, client, nov(9, 10)) }.code)
        // The remembered device was forgotten: challenged again.
        val again = portal.login("patdoe", newPassword, device, client, nov(9, 10))
        assertTrue(again is LoginOutcome.ChallengeRequired, "$again")
        s = (
            portal.passDeviceChallenge(pat, (again as LoginOutcome.ChallengeRequired).challengeId, lastCode(messages(), "pat@example.com"), null, client, nov(9, 10))
                as LoginOutcome.SignedIn
            ).sessionToken
        portal.unlinkAccount(s, "100002", nov(9, 10))
        assertEquals(listOf("000100001", "000100003"), portal.home(s, nov(9, 10)).accounts.map { it.account })

        val kinds = portal.auditTrail().map { it.kind }
        for (k in listOf(
            "registered", "registration_rejected", "contact_verified", "device_trusted", "account_linked", "payment_made",
            "autopay_enrolled", "draft_executed", "access_granted", "autopay_cancelled", "password_changed", "account_unlinked",
            "session_ended",
        )) {
            assertTrue(k in kinds, "no $k in $kinds")
        }
    }

    @Test
    fun `the portal journey on a SQLite file, messages in the outbox`() {
        val dir = Files.createTempDirectory("ratepayer-portal")
        val portal = Portal.openSqlite(shelby, dir.resolve("portal.sqlite").toString(), key)
        val outbox = mutableListOf<Notice>()
        journey(portal) { outbox.addAll(portal.takeOutbox()); outbox }
        // The data is on disk: a second portal over the same file sees it.
        val again = Portal.openSqlite(shelby, dir.resolve("portal.sqlite").toString(), key)
        assertTrue(again.auditTrail().isNotEmpty())
        dir.toFile().deleteRecursively()
    }

    @Test
    fun `a PostgreSQL URL is told from a path, and an unreachable server is a Store error without the URL`() {
        val url = "postgres://ratepayer:s3cret-pw@127.0.0.1:1/nowhere?connect_timeout=2"
        val refused = assertThrows<RatepayerException.Portal> { Portal.openSqlite(shelby, url, key) }
        assertEquals("portal.database", refused.code)
        assertTrue("Portal.open" in refused.detail, refused.detail)
        val notPostgres = assertThrows<RatepayerException.Portal> { Portal.openPostgres(shelby, "portal.sqlite", key) }
        assertEquals("portal.database", notPostgres.code)
        val dir = Files.createTempDirectory("ratepayer-kotlin-schema")
        val schemaOnFile = assertThrows<RatepayerException.Portal> {
            Portal.open(shelby, dir.resolve("p.sqlite").toString(), key, schema = "billing")
        }
        assertTrue("schema" in schemaOnFile.detail, schemaOnFile.detail)
        dir.toFile().deleteRecursively()
        for (open in listOf({ Portal.open(shelby, url, key) }, { Portal.openPostgres(shelby, url, key, "billing") })) {
            val down = assertThrows<RatepayerException.Store> { open() }
            assertEquals("storage.backend", down.code)
            assertTrue("s3cret-pw" !in down.detail && "s3cret-pw" !in (down.message ?: ""), down.detail)
        }
    }

    /**
     * The whole journey through Portal.open on a PostgreSQL URL, in a fresh
     * schema: runs when RATEPAYER_POSTGRES_URL names a server
     * (scripts/test-postgres sets it and runs this class again).
     */
    @Test
    fun `the portal journey on PostgreSQL through Portal open`() {
        val url = System.getenv("RATEPAYER_POSTGRES_URL") ?: ""
        Assumptions.assumeTrue(url.startsWith("postgres://") || url.startsWith("postgresql://"), "RATEPAYER_POSTGRES_URL is not a postgres:// URL")
        val schema = "ratepayer_kotlin_${System.nanoTime()}"
        val portal = Portal.open(shelby, url, key, schema = schema)
        val outbox = mutableListOf<Notice>()
        journey(portal) { outbox.addAll(portal.takeOutbox()); outbox }
        // The data is on the server: a second portal in the same schema sees it.
        val again = Portal.open(shelby, url, key, schema = schema)
        assertTrue(again.auditTrail().isNotEmpty())
    }

    @Test
    fun `the portal journey on a store implemented in Kotlin, messages through a Kotlin notifier`() {
        val store = MapKvStore()
        val notifier = KeepingNotifier()
        val portal = Portal.withStore(shelby, store, key, notifier)
        journey(portal) { synchronized(notifier.sent) { notifier.sent.toList() } }
        assertTrue(store.commits.get() > 10)
        assertTrue(store.rollbacks.get() > 0, "refused calls rolled back")
        assertTrue(setOf("login", "account", "draft", "audit").all { it in store.tables() }, "${store.tables()}")
    }

    @Test
    fun `a session ends on sign-out and rotates on a password change`() {
        val portal = Portal.withStore(shelby, MapKvStore(), key)
        val record = AccountRecord(accountNumber = "100001", customerNumber = "5001", zip = "28150", name = "Doe", email = "pat@example.com")
        portal.importAccounts(listOf(AccountImport(record, false, "1 Elm Street")), nov(1, 12))
        val reg = portal.register(form("100001", "5001", "patdoe"), password, RegistrationChannel.WEB, client, nov(5, 12))
        val outbox = mutableListOf<Notice>()
        fun code(): String { outbox.addAll(portal.takeOutbox()); return lastCode(outbox, "pat@example.com") }
        portal.verifyContact(reg.loginId, reg.emailCodeId, code(), nov(5, 12))
        fun signIn(at: Instant, device: String? = null): LoginOutcome.SignedIn =
            when (val o = portal.login("patdoe", password, device, client, at)) {
                is LoginOutcome.SignedIn -> o
                is LoginOutcome.ChallengeRequired ->
                    portal.passDeviceChallenge(reg.loginId, o.challengeId, code(), "phone", client, at) as LoginOutcome.SignedIn
                else -> throw AssertionError("unexpected $o")
            }
        fun refused(call: () -> Unit) =
            assertEquals("login.sign_in_required", assertThrows<RatepayerException.Portal> { call() }.code)

        // Sign in, use the session, sign out: the token is refused after.
        val first = signIn(nov(6, 9))
        val token = first.sessionToken
        assertEquals(listOf("000100001"), portal.home(token, nov(6, 9)).accounts.map { it.account })
        portal.signOut(token, nov(6, 9))
        refused { portal.home(token, nov(6, 9)) }
        portal.signOut(token, nov(6, 9)) // signing out twice is fine

        // Idle for more than 30 minutes: refused too.
        val idle = signIn(nov(6, 10), first.deviceToken).sessionToken
        portal.home(idle, nov(6, 10).plusSeconds(29 * 60))
        refused { portal.home(idle, nov(6, 11)) }

        // Two sessions listed; one ends the other from the list.
        val laptop = signIn(nov(7, 9), first.deviceToken).sessionToken
        val phone = signIn(nov(7, 9).plusSeconds(60), first.deviceToken).sessionToken
        val listed = portal.sessions(phone, nov(7, 9).plusSeconds(120))
        assertEquals(2, listed.size)
        assertEquals(listOf(true, false), listed.map { it.current }, "newest first, the asking one current")
        assertEquals(nov(7, 9).plusSeconds(60), listed[0].createdAt)
        assertEquals(nov(7, 9).plusSeconds(60 + 12 * 3600), listed[0].expiresAt)
        assertTrue(listed[0].client.contains("198.51.100.20"), listed[0].client)
        portal.endSession(phone, listed[1].id, nov(7, 9).plusSeconds(120))
        refused { portal.home(laptop, nov(7, 9).plusSeconds(180)) }
        assertEquals("not_found.session", assertThrows<RatepayerException.Portal> { portal.endSession(phone, "no-such-id", nov(7, 9).plusSeconds(180)) }.code)

        // A password change hands back a new token; the old one is refused.
        val newPassword = "Tidewater-marigold-saxophone-19"
        val rotated = portal.changePassword(phone, password, newPassword, client, nov(7, 9).plusSeconds(240))
        assertTrue(Regex("[0-9a-f]{64}").matches(rotated) && rotated != phone)
        refused { portal.home(phone, nov(7, 9).plusSeconds(300)) }
        assertEquals(1, portal.home(rotated, nov(7, 9).plusSeconds(300)).accounts.size)

        // Sign out everywhere: every session ends.
        assertEquals(1UL, portal.signOutEverywhere(rotated, nov(7, 9).plusSeconds(360)))
        refused { portal.sessions(rotated, nov(7, 9).plusSeconds(420)) }
    }

    @Test
    fun `a failing Kotlin store raises RatepayerException Store, a short digest key is refused`() {
        val store = object : ForeignKvStore by MapKvStore() {
            override fun begin(): ULong = throw IllegalStateException("database is down")
        }
        val portal = Portal.withStore(shelby, store, key)
        // A well-formed token: the portal looks it up in the store, which throws.
        val e = assertThrows<RatepayerException.Store> { portal.home("0".repeat(64), nov(8, 9)) }
        assertTrue(e.detail.contains("database is down"), e.detail)
        assertThrows<RatepayerException.Portal> { Portal.withStore(shelby, MapKvStore(), ByteArray(8)) }
    }
}
