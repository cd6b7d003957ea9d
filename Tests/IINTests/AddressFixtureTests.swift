import Foundation
import Testing
@testable import IIN

/// The address method on addresses written the way crawls write them
/// (fixtures/geocoding/addresses.csv, labelled by how each text was built:
/// see make-addresses.py). No address may get a wrong city, and only the
/// texts that name no city, or two, may get none.
@Suite("Addresses as crawls write them")
struct AddressFixtureTests {
    @Test func noAddressGetsAWrongCityAndOnlyThoseNamingNoneOrTwoGetNone() throws {
        let table = try CSVTable.read(TestSupport.fixtures.appendingPathComponent("geocoding/addresses.csv"))
        let reader = PlaceReader(gazetteer: try TestSupport.gazetteer())
        let (text, code, pattern) = (try table.columnIndex("address"), try table.columnIndex("city_code"), try table.columnIndex("pattern"))
        var wrong: [String] = [], missed: [String] = []
        var perPattern: [String: (right: Int, all: Int)] = [:]
        for row in table.rows {
            let answer = reader.read(row[text])
            let expected: PlaceAnswer? = row[code].isEmpty ? nil : .city(Int(row[code])!)
            var right = false
            switch (expected, answer) {
            case let (.some(truth), .city(city)):
                right = truth == .city(city)
                if !right { wrong.append("\(row[text]): \(city), truth \(row[code])") }
            case (.some, _):
                missed.append("\(row[text]): \(answer), truth \(row[code])")
            case (nil, .city(let city)):
                wrong.append("\(row[text]): \(city), truth no city")
            case (nil, _):
                right = true
            }
            perPattern[row[pattern], default: (0, 0)].all += 1
            if right { perPattern[row[pattern], default: (0, 0)].right += 1 }
        }
        let summary = perPattern.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.right)/\($0.value.all)" }.joined(separator: ", ")
        print("addresses: \(table.rows.count) read, \(wrong.count) wrong cities, \(missed.count) no answer where one city is named; \(summary)")
        #expect(table.rows.count >= 300)
        #expect(wrong.isEmpty, "\(wrong)")
        #expect(missed.isEmpty, "\(missed)")
    }
}
