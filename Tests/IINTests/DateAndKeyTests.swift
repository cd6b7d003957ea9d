import Foundation
import Testing
@testable import IIN

@Suite("Dates, enterprise keys and link types")
struct DateAndKeyTests {
    @Test(arguments: [
        ("2010-05-01", 2010), ("2010-5-1", 2010), ("2010/5/1", 2010), ("2010/05/01", 2010), ("2010.5.1", 2010), ("2010.05.01", 2010),
        ("20100501", 2010), ("2010年5月1日", 2010), ("2010年05月01日", 2010), ("2010年5月", 2010), ("2010年", 2010), ("2010-5", 2010),
        ("2010", 2010), ("2010-05-01 00:00:00", 2010), ("2010-05-01T08:00", 2010), ("2010/5/1 8:30", 2010),
        ("  2012-02-29  ", 2012), ("2000-02-29", 2000), ("2010-05-01 08:30:00.123", 2010),
    ])
    func acceptedForms(text: String, year: Int) {
        #expect(DateParser.year(text) == year)
    }

    @Test(arguments: ["2010-02-30", "2010-13-01", "2011-02-29", "1900-02-29", "20100231", "2010-00-10", "2010年13月", "", "不详",
                      "2010.5", "2010/5", "201", "2010-05-01x", "2010-05-01 25:00", "2010.05.01 08:00", "40179", "2010--01-01"])
    func rejectedForms(text: String) {
        #expect(DateParser.year(text) == nil)
    }

    @Test func enterpriseKeyFoldsWidthSpaceAndCase() {
        #expect(EnterpriseKey.make("深圳市 华兴科技（深圳）有限公司") == "深圳市华兴科技(深圳)有限公司")
        #expect(EnterpriseKey.make("ＡＢＣ　１２３ ltd") == "ABC123LTD")
        #expect(EnterpriseKey.make("abc") == EnterpriseKey.make("ＡＢＣ"))
        #expect(EnterpriseKey.make(" \t华 兴 ") == "华兴")
    }

    @Test func linkTypes() {
        #expect(LinkType(columnText: "") == .investment)
        #expect(LinkType(columnText: " Investment ") == .investment)
        #expect(LinkType(columnText: "投资") == .investment)
        #expect(LinkType(columnText: "BRANCH") == .branch)
        #expect(LinkType(columnText: "分支机构") == .branch)
        #expect(LinkType(columnText: "分支") == .branch)
        #expect(LinkType(columnText: "joint") == nil)
    }

    /// GB 32100-2015 check characters of published example codes.
    @Test func creditCodeCheckCharacters() {
        #expect(CreditCode.isValid("91350100M000100Y43"))
        #expect(!CreditCode.isValid("91350100M000100Y44"))
        #expect(CreditCode.organisationCheck("D2143569") == "X")
    }
}
