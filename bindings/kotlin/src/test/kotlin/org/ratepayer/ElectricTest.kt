package org.ratepayer

import java.io.File
import java.math.BigDecimal
import java.math.RoundingMode
import java.time.LocalDateTime
import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * Electric billing from Kotlin: URDB import with its unused fields, a year
 * prepared once, consumption bills replayed against every SAM load-only case
 * (crates/ratepayer/tests/data/sam, as the Rust sam_conformance test does),
 * generation bills replayed against the SAM generation cases the Python test
 * replays (same skip rule), and typed errors for bad arrays.
 */
class ElectricTest {
    private val data = File(System.getProperty("ratepayer.electric.data") ?: "../../crates/ratepayer/tests/data")
    private val jan1 = LocalDateTime.of(2029, 1, 1, 0, 0)

    private fun case(dir: String, name: String) = JSONObject(File(data, "$dir/cases/$name.json").readText())

    /** A load or generation column: header `kwh`, then one value per hour. */
    private fun column(dir: String, name: String): List<Double> {
        val lines = File(data, "$dir/loads/$name").readLines().map { it.trim() }.filter { it.isNotEmpty() }
        assertEquals("kwh", lines.first())
        return lines.drop(1).map { it.toDouble() }
    }

    private fun cases(dir: String): List<JSONObject> =
        File(data, "$dir/cases").listFiles { f -> f.name.endsWith(".json") }!!
            .sortedBy { it.name }
            .map { JSONObject(it.readText()) }

    /** A JSON number as the decimal its text (or shortest double form) says. */
    private fun dec(v: Any): BigDecimal = BigDecimal(v.toString())

    private fun dec(a: JSONArray, i: Int): BigDecimal = dec(a.get(i))

    private fun close(got: BigDecimal, want: BigDecimal, tol: BigDecimal) = (got - want).abs() <= tol

    @Test
    fun `a URDB rate lists the fields it did not use, and its metering`() {
        val c = case("sam_generation", "custom_nb_res3p")
        val rate = c.getJSONObject("tariff")
        val tariff = ElectricTariff.fromUrdb(rate.toString(), "res3p")
        assertEquals("res3p", tariff.id())
        assertEquals(emptyList<UnusedField>(), tariff.unused())
        assertNull(tariff.metering())
        rate.put("coincidentratestructure", JSONArray("[[{\"rate\": 1}]]"))
        rate.put("name", "Residential 3 periods")
        rate.put("dgrules", "Net Billing Instantaneous")
        val tagged = ElectricTariff.fromUrdb(rate.toString())
        assertEquals("urdb", tagged.id())
        val unused = tagged.unused().map { it.field }
        assertTrue(unused.any { it.startsWith("coincident") }, "$unused")
        assertTrue("name" in unused, "$unused")
        assertTrue(tagged.unused().all { it.reason.isNotBlank() })
        assertEquals(Metering.NET_BILLING, tagged.metering())
        val year = tagged.prepare(2029)
        assertEquals(2029, year.year())
        assertEquals("urdb", year.tariffId())
        // The rate's dgrules is the default metering.
        val hours = 31 * 24
        val months = year.billGeneration(List(hours) { 1.0 }, List(hours) { 2.0 }, jan1)
        assertEquals(0, BigDecimal(hours).compareTo(months[0].exportedKwh))
        assertEquals(0, months[0].importedKwh.signum())
        assertTrue(months[0].exportCredit.signum() > 0)
    }

    @Test
    fun `every SAM load-only case bills within its tolerance, month by month`() {
        val all = cases("sam")
        assertEquals(14, all.size, "the SAM set has 14 cases")
        val failures = mutableListOf<String>()
        val loads = mutableMapOf<String, List<Double>>()
        for (c in all) {
            val name = c.getString("name")
            val tol = dec(c.get("tolerance_usd"))
            val tariff = ElectricTariff.fromUrdb(c.getJSONObject("tariff").toString(), name)
            assertEquals(emptyList<UnusedField>(), tariff.unused(), name)
            val load = loads.getOrPut(c.getString("load")) { column("sam", c.getString("load")) }
            assertEquals(8760, load.size)
            val months = tariff.prepare(2029).bill(load, jan1, 60u, true)
            assertEquals((1..12).toList(), months.map { it.month.toInt() }, name)
            val exp = c.getJSONObject("expected")
            val diag = c.getJSONObject("diagnostics")
            for ((m, month) in months.withIndex()) {
                val unrounded = month.lines.fold(BigDecimal.ZERO) { s, l -> s + l.amount }
                // With sam = true only the total is rounded: the lines add up to it.
                assertEquals(unrounded.setScale(2, RoundingMode.HALF_UP), month.total, "$name month ${m + 1}")
                val checks = listOf(
                    "monthly_bill" to month.total,
                    "energy_charge" to month.energy,
                    "fixed_charge" to month.fixed,
                    "demand_flat" to month.demandFlat,
                    "demand_tou" to month.demandTou,
                    "minimum_charge" to month.minimum,
                )
                for ((key, got) in checks) {
                    val want = dec(exp.getJSONArray(key), m)
                    if (!close(got, want, tol)) failures.add("$name month ${m + 1}: $key = $got, SAM $want")
                }
                val kwh = dec(diag.getJSONArray("monthly_kwh"), m)
                if (!close(month.kwh, kwh, BigDecimal("0.001"))) failures.add("$name month ${m + 1}: kWh ${month.kwh}, SAM $kwh")
                val peak = dec(diag.getJSONArray("monthly_peak_kw"), m)
                if (!close(month.peakKw, peak, BigDecimal("0.00001"))) failures.add("$name month ${m + 1}: peak ${month.peakKw}, SAM $peak")
                val demand = diag.optJSONArray("billing_demand_kw")
                if (demand != null && !close(month.billingDemandKw, dec(demand, m), BigDecimal("0.00001"))) {
                    failures.add("$name month ${m + 1}: billing demand ${month.billingDemandKw}, SAM ${dec(demand, m)}")
                }
                assertEquals("USD", month.currency)
            }
            val annual = months.fold(BigDecimal.ZERO) { s, mo -> s + mo.lines.fold(BigDecimal.ZERO) { t, l -> t + l.amount } }
            val wantAnnual = dec(exp.get("annual_bill"))
            if (!close(annual, wantAnnual, tol)) failures.add("$name: annual $annual, SAM $wantAnnual")
        }
        assertEquals(emptyList<String>(), failures)
    }

    /** The generation cases the surface can state: no rollover, expiry or same-month credit flags (as in Python). */
    private fun statable(c: JSONObject): Boolean {
        val s = c.optJSONObject("ssc_settings") ?: JSONObject()
        return listOf("ur_nm_credit_rollover", "ur_nb_credit_expire", "ur_nb_apply_credit_current_month")
            .none { s.optInt(it, 0) == 1 }
    }

    @Test
    fun `every statable SAM generation case bills within a cent, month by month`() {
        val all = cases("sam_generation")
        assertEquals(44, all.size, "the SAM generation set has 44 cases")
        val replayed = all.filter(::statable)
        assertEquals(40, replayed.size, "the Python test replays 40 of them")
        val failures = mutableListOf<String>()
        val columns = mutableMapOf<String, List<Double>>()
        val seen = mutableSetOf<Metering>()
        for (c in replayed) {
            val name = c.getString("name")
            val tol = dec(c.get("tolerance_usd"))
            val tariff = ElectricTariff.fromUrdb(c.getJSONObject("tariff").toString(), name)
            assertEquals(emptyList<UnusedField>(), tariff.unused(), name)
            val settings = c.optJSONObject("ssc_settings") ?: JSONObject()
            val metering = Metering.valueOf(c.getString("metering").uppercase())
            seen.add(metering)
            val load = columns.getOrPut(c.getString("load")) { column("sam_generation", c.getString("load")) }
            val generation = columns.getOrPut(c.getString("generation")) { column("sam_generation", c.getString("generation")) }
            val months = tariff.prepare(2029).billGeneration(
                load, generation, jan1,
                metering = metering,
                yearEndSellRate = if (c.has("year_end_sell_rate")) dec(c.get("year_end_sell_rate")) else null,
                trueUpMonth = if (settings.has("ur_nm_credit_month")) (settings.getInt("ur_nm_credit_month") + 1).toUInt() else null,
                sam = true,
            )
            assertEquals((1..12).toList(), months.map { it.month.toInt() }, name)
            val exp = c.getJSONObject("expected")
            for ((m, month) in months.withIndex()) {
                val want = dec(exp.getJSONArray("monthly_bill"), m)
                if (!close(month.total, want, tol)) failures.add("$name month ${m + 1}: ${month.total}, SAM $want")
                // The lines add up to the bill (only the total is rounded).
                val sum = month.lines.fold(BigDecimal.ZERO) { s, l -> s + l.amount }
                assertEquals(sum.setScale(2, RoundingMode.HALF_UP), month.total, "$name month ${m + 1}")
                val trueUp = dec(exp.getJSONArray("true_up_credit"), m)
                if (!close(month.trueUp, trueUp, tol)) failures.add("$name month ${m + 1}: true-up ${month.trueUp}, SAM $trueUp")
            }
        }
        assertEquals(emptyList<String>(), failures)
        assertEquals(Metering.values().toSet(), seen, "every metering option is covered")
    }

    @Test
    fun `a customer without generation gets the consumption bill under net metering`() {
        val c = case("sam_generation", "custom_nb_res3p")
        val year = ElectricTariff.fromUrdb(c.getJSONObject("tariff").toString()).prepare(2029)
        val load = column("sam_generation", c.getString("load"))
        val consumption = year.bill(load, jan1)
        assertEquals(12, consumption.size)
        val zero = List(load.size) { 0.0 }
        for (metering in listOf(Metering.NET_METERING, Metering.NET_METERING_DOLLAR)) {
            val generation = year.billGeneration(load, zero, jan1, metering = metering)
            assertEquals(consumption.map { it.total }, generation.map { it.total }, "$metering")
            assertTrue(generation.all { it.exportCredit.signum() == 0 && it.creditOut.signum() == 0 })
        }
        // Per-line rounding: every line is to the cent and they add up to the total.
        for (month in consumption) {
            assertTrue(month.lines.all { it.amount.scale() == 2 }, month.text)
            assertEquals(month.total, month.lines.fold(BigDecimal.ZERO) { s, l -> s + l.amount })
            assertTrue(month.text.contains(month.total.toPlainString()))
        }
        // Each value is read by its shortest decimal form and kept to the micro-kWh.
        val january = load.take(744).fold(BigDecimal.ZERO) { s, v ->
            s + BigDecimal(v.toString()).setScale(6, RoundingMode.HALF_EVEN)
        }
        assertEquals(0, january.compareTo(consumption[0].kwh))
        assertTrue(consumption[0].peakKw.signum() > 0 && consumption[0].billingDemandKw >= consumption[0].peakKw)
    }

    @Test
    fun `bad arrays and settings are typed errors`() {
        val c = case("sam_generation", "custom_nb_res3p")
        val year = ElectricTariff.fromUrdb(c.getJSONObject("tariff").toString()).prepare(2029)
        val hours = 31 * 24
        val half = List(hours) { 0.5 }
        assertEquals(0, BigDecimal("372").compareTo(year.bill(half, jan1)[0].kwh))

        val nan = assertThrows<RatepayerException.Bill> {
            year.bill(half.toMutableList().also { it[10] = Double.NaN }, jan1)
        }
        assertEquals("electric.series", nan.code)
        assertTrue("kwh[10]" in nan.detail, nan.detail)
        val inf = assertThrows<RatepayerException.Bill> {
            year.billGeneration(half, half.toMutableList().also { it[3] = Double.POSITIVE_INFINITY }, jan1, metering = Metering.NET_BILLING)
        }
        assertTrue(inf.code == "electric.series" && "received[3]" in inf.detail, inf.detail)
        val negative = assertThrows<RatepayerException.Bill> {
            year.bill(half.toMutableList().also { it[5] = -1.0 }, jan1)
        }
        assertEquals("electric.series", negative.code)
        assertTrue("interval 5" in negative.detail, negative.detail)
        // A year has 8,760 hours: one more runs outside it.
        val tooLong = assertThrows<RatepayerException.Bill> { year.bill(List(8761) { 0.5 }, jan1) }
        assertEquals("electric.outside_year", tooLong.code)
        val otherYear = assertThrows<RatepayerException.Bill> { year.bill(half, LocalDateTime.of(2030, 1, 1, 0, 0)) }
        assertEquals("electric.outside_year", otherYear.code)
        val offGrid = assertThrows<RatepayerException.Bill> { year.bill(half, LocalDateTime.of(2029, 1, 1, 0, 30)) }
        assertEquals("electric.series", offGrid.code)
        val badStep = assertThrows<RatepayerException.Bill> { year.bill(half, jan1, intervalMinutes = 7u) }
        assertEquals("electric.series", badStep.code)
        val uneven = assertThrows<RatepayerException.Bill> {
            year.billGeneration(half, half.drop(1), jan1, metering = Metering.NET_BILLING)
        }
        assertEquals("electric.series", uneven.code)
        val noMetering = assertThrows<RatepayerException.Bill> { year.billGeneration(half, half, jan1) }
        assertEquals("electric.metering", noMetering.code)
        assertTrue("net_billing" in noMetering.detail)
        val badTrueUp = assertThrows<RatepayerException.Profile> {
            year.billGeneration(half, half, jan1, metering = Metering.NET_METERING, trueUpMonth = 13u)
        }
        assertEquals("tariff.invalid", badTrueUp.code)
        assertEquals(listOf("metering"), badTrueUp.problems.map { it.path })
        val yearEndRate = assertThrows<RatepayerException.Profile> {
            year.billGeneration(half, half, jan1, metering = Metering.NET_BILLING, yearEndSellRate = BigDecimal("0.03"))
        }
        assertEquals("tariff.invalid", yearEndRate.code)

        val parse = assertThrows<RatepayerException.Profile> { ElectricTariff.fromUrdb("{not json") }
        assertEquals("tariff.parse", parse.code)
        val invalid = assertThrows<RatepayerException.Profile> { ElectricTariff.fromUrdb("{\"name\": \"no charges\"}") }
        assertEquals("tariff.invalid", invalid.code)
        assertTrue(invalid.problems.isNotEmpty())
        val farYear = assertThrows<RatepayerException.Bill> { ElectricTariff.fromUrdb(c.getJSONObject("tariff").toString()).prepare(1800) }
        assertEquals("electric.year", farYear.code)
    }
}
