// The journey of the Kotlin suite, in Swift: the shared bill vectors, a fee
// quote, a password check, AutoPay dates and the typed error for bad input.
// Run: bindings/swift/generate && (cd bindings/swift && swift test)
import Foundation
import XCTest

import Ratepayer

final class RatepayerTests: XCTestCase {
    func shelby() throws -> Profile { try Profile.builtin(id: "shelby") }

    func testSharedBillVectorsMatchRust() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "bills", withExtension: "json"))
        let file = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let cases = try XCTUnwrap(file["cases"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(cases.count, 10)
        for c in cases {
            let name = c["name"] as? String ?? "?"
            let profile = try Profile.builtin(id: try XCTUnwrap(c["profile"] as? String))
            let request = BillRequest(
                from: try XCTUnwrap(c["from"] as? String),
                to: try XCTUnwrap(c["to"] as? String),
                usage: c["usage"] as? String,
                unit: try XCTUnwrap(c["unit"] as? String),
                meterSize: c["meter_size"] as? String,
                residents: (c["residents"] as? Int).map { UInt32($0) }
            )
            let bill = try profile.bill(tariffId: try XCTUnwrap(c["tariff"] as? String), request: request)
            let expected = try XCTUnwrap(c["expected"] as? [String: Any])
            XCTAssertEqual(bill.total, expected["total"] as? String, name)
            let lines = try XCTUnwrap(expected["lines"] as? [[String: Any]])
            XCTAssertEqual(bill.lines.map { "\($0.description) | \($0.version) | \($0.amount)" },
                           lines.map { "\($0["description"]!) | \($0["version"]!) | \($0["amount"]!)" }, name)
        }
    }

    func testFeeQuoteAndConfirm() throws {
        let p = try shelby()
        let quote = try p.quoteFee(amount: "57.22", channel: .online, method: .creditCard, accounts: 1)
        XCTAssertEqual(quote.fee, "3.75")
        XCTAssertEqual(quote.total, "60.97")
        XCTAssertFalse(quote.feeFreeAlternatives.isEmpty)
        XCTAssertEqual(try p.confirmPayment(quote: quote).total, "60.97")
    }

    func testPasswordCodesAndMessages() throws {
        let p = try shelby()
        let check = try p.checkPassword(password: "Password1!", context: PasswordContext(username: "patdoe"), mfa: false)
        XCTAssertFalse(check.accepted)
        XCTAssertEqual(check.failures.map(\.code), ["password.too_short", "password.blocklisted"])
        XCTAssertTrue(try p.checkPassword(password: "correct horse battery staple", context: PasswordContext(), mfa: false).accepted)
    }

    func testAutopayDraftDates() throws {
        let dates = try shelby().nextDraftDates(
            option: "Card AutoPay",
            bills: [BillDates(billDate: "2026-11-01", dueDate: "2026-11-26")])
        XCTAssertEqual(dates, ["2026-11-25"])
    }

    func testBadInputThrowsTheTypedError() throws {
        let p = try shelby()
        XCTAssertThrowsError(try p.quoteFee(amount: "1,234.56", channel: .online, method: .creditCard, accounts: 1)) { error in
            guard case RatepayerError.Money(let code, let detail) = error else {
                return XCTFail("expected RatepayerError.Money, got \(error)")
            }
            XCTAssertEqual(code, "money.malformed")
            XCTAssertFalse(detail.isEmpty)
        }
        XCTAssertThrowsError(try p.bill(tariffId: "shelby-water-residential",
                                        request: BillRequest(from: "2025-10-01", to: "2025-13-01", unit: "gal"))) { error in
            guard case RatepayerError.Input = error else { return XCTFail("expected Input, got \(error)") }
        }
        XCTAssertThrowsError(try Profile.builtin(id: "nowhere")) { error in
            guard case RatepayerError.Profile = error else { return XCTFail("expected Profile, got \(error)") }
        }
    }

    final class MapDirectory: AccountDirectory, @unchecked Sendable {
        let accounts: [String: AccountRecord]
        init(_ accounts: [String: AccountRecord]) { self.accounts = accounts }
        func account(accountNumber: String) throws -> AccountRecord? { accounts[accountNumber] }
        func usernameTaken(usernameLower: String) throws -> Bool { false }
    }

    struct DatabaseDown: Error {}

    final class BrokenDirectory: AccountDirectory, @unchecked Sendable {
        func account(accountNumber: String) throws -> AccountRecord? { throw DatabaseDown() }
        func usernameTaken(usernameLower: String) throws -> Bool { false }
    }

    func testRegistrationOverASwiftDirectory() throws {
        let p = try shelby()
        let form = RegistrationForm(accountNumber: "123456789", customerNumber: "5501", email: "pat@example.com",
                                    username: "patdoe", acceptedTermsVersion: "2024-07")
        let attempt = RegistrationAttempt(channel: .app, now: Date(timeIntervalSince1970: 1_767_614_400))
        let dir = MapDirectory(["123456789": AccountRecord(accountNumber: "123456789", customerNumber: "5501")])
        guard case .accepted(_, let username, _, _, _, _) = try p.checkRegistrationIn(form: form, attempt: attempt, directory: dir) else {
            return XCTFail("expected an accepted registration")
        }
        XCTAssertEqual(username, "patdoe")
        XCTAssertThrowsError(try p.checkRegistrationIn(form: form, attempt: attempt, directory: BrokenDirectory())) { error in
            guard case RatepayerError.Store = error else { return XCTFail("expected Store, got \(error)") }
        }
    }
}
