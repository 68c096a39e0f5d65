package org.ratepayer

import java.io.File
import java.time.LocalDate
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Replays tests/vectors/bills.json, the bill vectors Rust and Python replay too. */
class VectorsTest {
    private val path = System.getProperty("ratepayer.vectors") ?: "../../tests/vectors/bills.json"

    @Test
    fun `every shared bill vector gives the same bill as in Rust`() {
        val cases = JSONObject(File(path).readText()).getJSONArray("cases")
        assertTrue(cases.length() >= 10, "the vector file lost its cases")
        val profiles = mutableMapOf<String, Profile>()
        val failures = mutableListOf<String>()
        for (i in 0 until cases.length()) {
            val c = cases.getJSONObject(i)
            val profile = profiles.getOrPut(c.getString("profile")) { Profile.builtin(c.getString("profile")) }
            val bill = profile.bill(
                c.getString("tariff"),
                BillRequest(
                    from = LocalDate.parse(c.getString("from")),
                    to = LocalDate.parse(c.getString("to")),
                    usage = c.optString("usage", null),
                    unit = c.getString("unit"),
                    meterSize = c.optString("meter_size", null),
                    residents = if (c.has("residents")) c.getInt("residents").toUInt() else null,
                ),
            )
            val expected = c.getJSONObject("expected")
            val want = buildList {
                add("total " + expected.getString("total"))
                val lines = expected.getJSONArray("lines")
                for (j in 0 until lines.length()) {
                    val l = lines.getJSONObject(j)
                    add(l.getString("description") + " | " + l.getString("version") + " | " + l.getString("amount"))
                }
            }
            val got = buildList {
                add("total " + bill.total.toPlainString())
                bill.lines.forEach { add(it.description + " | " + it.version + " | " + it.amount.toPlainString()) }
            }
            if (want != got) failures.add("${c.getString("name")}:\n  expected $want\n  got      $got")
        }
        assertEquals(emptyList<String>(), failures)
    }
}
