// The journey of the Kotlin suite, in Swift: the shared bill vectors, a fee
// quote, a password check, AutoPay dates, the typed error for bad input,
// electric bills from a double array, and the portal journey over SQLite and
// over a store written in Swift.
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
        XCTAssertFalse(try p.checkPassword(password: "correct horse battery staple", context: PasswordContext(), mfa: false).accepted)
        XCTAssertTrue(try p.checkPassword(password: "violet tractor amber whistles", context: PasswordContext(), mfa: false).accepted)
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

    /// The root README's URDB rate: two TOU periods with sell rates, net billing, $10 a month.
    func electricRate() -> String {
        let peak = (Array(repeating: "0", count: 16) + Array(repeating: "1", count: 5)
            + Array(repeating: "0", count: 3)).joined(separator: ",")
        let flat = Array(repeating: "0", count: 24).joined(separator: ",")
        let weekday = Array(repeating: "[\(peak)]", count: 12).joined(separator: ",")
        let weekend = Array(repeating: "[\(flat)]", count: 12).joined(separator: ",")
        return """
        {"dgrules": "Net Billing Instantaneous",
         "energyratestructure": [[{"rate": 0.12, "sell": 0.04}], [{"rate": 0.30, "sell": 0.08}]],
         "energyweekdayschedule": [\(weekday)], "energyweekendschedule": [\(weekend)],
         "fixedchargefirstmeter": 10, "fixedchargeunits": "$/month"}
        """
    }

    func testElectricBillsFromADoubleArray() throws {
        let tariff = try ElectricTariff.fromUrdb(jsonText: electricRate(), id: "res-tou")
        XCTAssertEqual(tariff.unused(), [])
        XCTAssertEqual(tariff.metering(), .netBilling)
        let year = try tariff.prepare(year: 2029)
        let hours = 31 * 24
        let months = try year.bill(kwh: Array(repeating: 1.5, count: hours), start: "2029-01-01T00:00")
        XCTAssertEqual(months.map(\.month), [1])
        XCTAssertEqual(months[0].total, "174.97")
        XCTAssertEqual(months[0].peakKw, "1.500000")
        let solar = (0..<hours).map { (10..<15).contains($0 % 24) ? 2.0 : 0.0 }
        let gen = try year.billGeneration(delivered: Array(repeating: 1.5, count: hours), received: solar,
                                          start: "2029-01-01T00:00")
        XCTAssertEqual(gen[0].exportedKwh, "77.500000")
        XCTAssertEqual(gen[0].exportCredit, "3.10")
        XCTAssertEqual(gen[0].total, "143.97")
        var bad = Array(repeating: 1.5, count: hours)
        bad[10] = .nan
        XCTAssertThrowsError(try year.bill(kwh: bad, start: "2029-01-01T00:00")) { error in
            guard case RatepayerError.Bill(let code, let detail) = error else {
                return XCTFail("expected RatepayerError.Bill, got \(error)")
            }
            XCTAssertEqual(code, "electric.series")
            XCTAssertTrue(detail.contains("kwh[10]"), detail)
        }
        XCTAssertThrowsError(try ElectricTariff.fromUrdb(jsonText: "{not json", id: "x")) { error in
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

    // MARK: the portal service

    /// A store written in Swift: dictionaries; a transaction holds the lock
    /// from begin to commit or rollback and works on a copy (copy on begin).
    final class DictKvStore: ForeignKvStore, @unchecked Sendable {
        private var committed: [String: [String: String]] = [:]
        private var pending: [UInt64: [String: [String: String]]] = [:]
        private var next: UInt64 = 0
        private let gate = DispatchSemaphore(value: 1)
        private let lock = NSLock()
        private(set) var commits = 0

        private func with<R>(_ f: () throws -> R) rethrows -> R { lock.lock(); defer { lock.unlock() }; return try f() }
        private func check(_ tx: UInt64) throws {
            guard with({ pending[tx] != nil }) else { throw RatepayerError.Store(code: "store.no_transaction", detail: "no open transaction \(tx)") }
        }

        func begin() throws -> UInt64 {
            gate.wait()
            return with { next += 1; pending[next] = committed; return next }
        }
        func get(tx: UInt64, table: String, key: String) throws -> String? {
            try check(tx); return with { pending[tx]?[table]?[key] }
        }
        func put(tx: UInt64, table: String, key: String, value: String) throws {
            try check(tx); with { pending[tx]?[table, default: [:]][key] = value }
        }
        func putIfAbsent(tx: UInt64, table: String, key: String, value: String) throws -> Bool {
            try check(tx)
            return with {
                if pending[tx]?[table]?[key] != nil { return false }
                pending[tx]?[table, default: [:]][key] = value
                return true
            }
        }
        func delete(tx: UInt64, table: String, key: String) throws -> Bool {
            try check(tx); return with { pending[tx]?[table]?.removeValue(forKey: key) != nil }
        }
        func scan(tx: UInt64, table: String, prefix: String) throws -> [KvEntry] {
            try check(tx)
            return with { (pending[tx]?[table] ?? [:]).filter { $0.key.hasPrefix(prefix) }.map { KvEntry(key: $0.key, value: $0.value) } }
        }
        func commit(tx: UInt64) throws {
            try check(tx)
            with { committed = pending.removeValue(forKey: tx) ?? committed; commits += 1 }
            gate.signal()
        }
        func rollback(tx: UInt64) throws {
            if with({ pending.removeValue(forKey: tx) }) != nil { gate.signal() }
        }
    }

    final class KeepingNotifier: Notifier, @unchecked Sendable {
        private let lock = NSLock()
        private var sent: [Notice] = []
        func send(to: String, subject: String, body: String) throws {
            lock.lock(); sent.append(Notice(to: to, subject: subject, body: body)); lock.unlock()
        }
        var messages: [Notice] { lock.lock(); defer { lock.unlock() }; return sent }
    }

    let client = ClientInfo(address: "198.51.100.20", userAgent: "swift-test")

    func nov(_ day: Int, _ hour: Int) -> Date {
        ISO8601DateFormatter().date(from: String(format: "2025-11-%02dT%02d:00:00Z", day, hour))!
    }

    func lastCode(_ messages: [Notice], to: String) throws -> String {
        let withCode = messages.last { $0.to.lowercased() == to && $0.body.range(of: "[0-9]{6,}", options: .regularExpression) != nil }
        let body = try XCTUnwrap(withCode?.body)
        let range = try XCTUnwrap(body.range(of: "[0-9]{6,}", options: .regularExpression))
        return String(body[range])
    }

    func form(_ account: String, _ customer: String, _ username: String) -> RegistrationForm {
        RegistrationForm(accountNumber: account, customerNumber: customer, email: "Pat@Example.com",
                         username: username, acceptedTermsVersion: "2024-07")
    }

    /// The journey of the Kotlin PortalTest.
    func journey(_ portal: Portal, _ messages: () -> [Notice]) throws {
        let password = "Glacier-violet-trombone-88"
        let imports = [("100001", "5001", false), ("100002", "5001", false), ("100003", "5001", true), ("100004", "5002", false)]
            .map { AccountImport(record: AccountRecord(accountNumber: $0.0, customerNumber: $0.1, zip: "28150", name: "Doe",
                                                       email: "pat@example.com"), closed: $0.2, serviceAddress: "\($0.0) Elm Street") }
        XCTAssertEqual(try portal.importAccounts(accounts: imports, now: nov(1, 12)), 4)
        for (account, gallons) in [("100001", "7400"), ("100002", "3000")] {
            _ = try portal.postBill(account: account, billId: "2025-10", tariffId: "shelby-water-residential",
                                    request: BillRequest(from: "2025-10-01", to: "2025-10-31", usage: gallons, unit: "gal", meterSize: "5/8"),
                                    billDate: "2025-11-03", dueDate: "2025-11-24", printedDraftDate: nil, now: nov(3, 12))
        }
        let reg = try portal.register(form: form("000100001", "5001", "PatDoe"), password: password, channel: .web, client: client, now: nov(5, 12))
        let pat = reg.loginId
        XCTAssertThrowsError(try portal.register(form: form("100004", "9999", "someone1"), password: password, channel: .web, client: client, now: nov(5, 13))) { error in
            guard case RatepayerError.Portal(let code, _) = error else { return XCTFail("expected Portal, got \(error)") }
            XCTAssertEqual(code, "registration.not_verified")
        }
        try portal.verifyContact(loginId: pat, codeId: reg.emailCodeId, code: try lastCode(messages(), to: "pat@example.com"), now: nov(5, 12))
        guard case .challengeRequired(_, let challengeId) = try portal.login(username: "patdoe", password: password, deviceToken: nil, client: client, now: nov(6, 9)) else {
            return XCTFail("a new device is challenged")
        }
        guard case .signedIn(_, let first, _, let device) = try portal.passDeviceChallenge(
            loginId: pat, challengeId: challengeId, code: try lastCode(messages(), to: "pat@example.com"), remember: "laptop", client: client, now: nov(6, 9)) else {
            return XCTFail("signed in")
        }
        XCTAssertEqual(first.count, 64)
        XCTAssertNotNil(device)
        // A session lasts 30 minutes unused: sign in from the remembered
        // device at each step, as the app would, and pass the token.
        func signIn(_ at: Date) throws -> String {
            guard case .signedIn(_, let session, _, _) = try portal.login(username: "patdoe", password: password, deviceToken: device,
                                                                        client: client, now: at) else {
                XCTFail("a remembered device signs in")
                return ""
            }
            return session
        }
        var s = try signIn(nov(7, 10))
        XCTAssertEqual(try portal.linkAccount(sessionToken: s, form: form("100002", "5001", "patdoe"), password: password,
                                              nickname: "Lake cabin", client: client, now: nov(7, 10)), "000100002")
        XCTAssertEqual(try portal.home(sessionToken: s, now: nov(7, 10)).accounts.map(\.amountDue).first, "57.22")
        let card = try portal.addPaymentMethod(sessionToken: s, method: NewPaymentMethod(method: .creditCard, token: "tok_visa_pat",
                                               label: "Visa ending 4242", cardExpiry: CardExpiry(year: 2030, month: 12)), now: nov(7, 10))
        let bank = try portal.addPaymentMethod(sessionToken: s, method: NewPaymentMethod(method: .echeck, token: "tok_bank_pat",
                                               label: "Checking ending 6789", cardExpiry: nil), now: nov(7, 10))
        s = try signIn(nov(7, 11))
        let split = PaymentTarget.split(parts: [SplitAmount(account: "100001", amount: "30.00"), SplitAmount(account: "100002", amount: "10.00")])
        let quote = try portal.quotePayment(sessionToken: s, target: split, amount: "40.00", channel: .online, paymentMethodId: card, now: nov(7, 11))
        XCTAssertEqual(quote.quote.fee, "3.75")
        XCTAssertEqual(try portal.quotePayment(sessionToken: s, target: split, amount: "40.00", channel: .online, paymentMethodId: bank, now: nov(7, 11)).quote.fee, "0.95")
        XCTAssertEqual(try portal.pay(sessionToken: s, quoteId: quote.id, idempotencyKey: "swift-payment-00000001", now: nov(7, 11)).total, "43.75")
        s = try signIn(nov(7, 13))
        _ = try portal.enrolAutopay(sessionToken: s, request: EnrolRequest(account: "100001", option: "Card AutoPay", paymentMethodId: card,
                                                                           acceptedTermsVersion: "2024-07"), now: nov(7, 13))
        XCTAssertEqual(try portal.runAutopayCycle(asOf: "2025-11-24", now: nov(24, 6)).drafted, 1)
        XCTAssertEqual(try portal.runAutopayCycle(asOf: "2025-11-24", now: nov(24, 7)).drafted, 0)
        s = try signIn(nov(8, 9))
        XCTAssertThrowsError(try portal.quotePayment(sessionToken: s, target: split, amount: "12,34", channel: .online, paymentMethodId: card, now: nov(8, 9))) { error in
            guard case RatepayerError.Money = error else { return XCTFail("expected Money, got \(error)") }
        }
        // Signed out, and after a password change: the token is refused.
        try portal.signOut(sessionToken: s, now: nov(8, 9))
        XCTAssertThrowsError(try portal.home(sessionToken: s, now: nov(8, 9))) { error in
            guard case RatepayerError.Portal(let code, _) = error else { return XCTFail("expected Portal, got \(error)") }
            XCTAssertEqual(code, "login.sign_in_required")
        }
        s = try signIn(nov(8, 10))
        XCTAssertEqual(try portal.sessions(sessionToken: s, now: nov(8, 10)).first?.current, true)
        let rotated = try portal.changePassword(sessionToken: s, current: password, newPassword: "Tidewater-marigold-saxophone-19",
                                                client: client, now: nov(8, 10))
        XCTAssertNotEqual(rotated, s)
        XCTAssertThrowsError(try portal.home(sessionToken: s, now: nov(8, 10)))
        XCTAssertEqual(try portal.home(sessionToken: rotated, now: nov(8, 10)).accounts.count, 2)
        XCTAssertTrue(try portal.auditTrail().map(\.kind).contains("draft_executed"))
    }

    func testPortalJourneyOnSqlite() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ratepayer-\(UUID().uuidString).sqlite").path
        let portal = try Portal.openSqlite(profile: try shelby(), path: path, digestKey: Data(repeating: 7, count: 32))
        var outbox: [Notice] = []
        try journey(portal) { outbox += portal.takeOutbox(); return outbox }
    }

    func testPortalJourneyOnASwiftStore() throws {
        let store = DictKvStore()
        let notifier = KeepingNotifier()
        let portal = try Portal.withStore(profile: try shelby(), store: store, digestKey: Data(repeating: 7, count: 32), notifier: notifier)
        try journey(portal) { notifier.messages }
        XCTAssertGreaterThan(store.commits, 10)
    }
}
