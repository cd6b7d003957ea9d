/// Finds the place an enterprise name gives: the place that opens it
/// ("深圳市华兴…", "北京华兴…"; the longest name wins, so "巴彦淖尔市…" is
/// Bayannur, not 巴彦县) or stands in brackets ("华兴科技(上海)有限公司",
/// full-width brackets alike). When both are there and disagree, the name
/// gives no answer.
///
/// A branch ("…有限公司南京分公司") is where its suffix says, not where its
/// head office's name opens: the place between the head office's legal
/// form and the branch word decides, and without one the name is no answer.
public struct EnterpriseNameReader: Sendable {
    public let reader: PlaceReader

    public init(reader: PlaceReader) {
        self.reader = reader
    }

    static let branchWords: [[UInt8]] = ["分公司", "分行", "支行", "分店", "营业部", "办事处", "分厂"].map { Array($0.utf8) }
    static let legalForm = Array("公司".utf8)
    static let openingBrackets: [[UInt8]] = [Array("(".utf8), Array("（".utf8)]

    public func read(_ name: String) -> PlaceAnswer {
        var bytes = Array(name.utf8)
        return bytes.withUnsafeMutableBufferPointer { read(UnsafeBufferPointer($0)) }
    }

    public func read(_ bytes: UnsafeBufferPointer<UInt8>) -> PlaceAnswer {
        let end = bytes.count
        if end == 0 { return .none(candidates: []) }
        if let branch = Self.branchPart(bytes) {
            return reader.read(bytes, from: branch.lowerBound, to: branch.upperBound)
        }
        var settled: PlaceAnswer?
        var candidates: [Int] = []
        var conflict = false
        func weigh(_ answer: PlaceAnswer) {
            switch answer {
            case .none(let weighed):
                candidates += weighed
            default:
                if let settled, settled != answer { conflict = true }
                settled = answer
            }
        }
        weigh(reader.read(bytes, from: 0, to: end))
        var position = 0
        while position < end {
            var bracketEnd: Int?
            for bracket in Self.openingBrackets where Self.matches(bracket, in: bytes, at: position) {
                bracketEnd = position + bracket.count
            }
            if let inside = bracketEnd {
                weigh(reader.read(bytes, from: inside, to: Self.closingBracket(bytes, from: inside) ?? end))
                position = inside
            } else {
                position += 1
            }
        }
        if conflict { return .none(candidates: Array(Set(candidates + [settled].compactMap { if case let .city(code) = $0 { return code } else { return nil } })).sorted()) }
        if let settled {
            // An ambiguous reading elsewhere in the name must allow the
            // settled city, or the name contradicts itself.
            if case let .city(code) = settled, !candidates.isEmpty, !candidates.contains(code) {
                return .none(candidates: Array(Set(candidates + [code])).sorted())
            }
            return settled
        }
        return .none(candidates: Array(Set(candidates)).sorted())
    }

    /// The text between the head office's "公司" and a branch word ending
    /// the name, or nil when the name is not a branch's.
    static func branchPart(_ bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        let end = bytes.count
        for word in branchWords where end >= word.count && matches(word, in: bytes, at: end - word.count) {
            let wordStart = end - word.count
            var search = wordStart - legalForm.count
            while search >= 0 {
                if matches(legalForm, in: bytes, at: search) { return (search + legalForm.count)..<wordStart }
                search -= 1
            }
            return nil
        }
        return nil
    }

    static func closingBracket(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let closers: [[UInt8]] = [Array(")".utf8), Array("）".utf8)]
        var position = start
        while position < bytes.count {
            for closer in closers where matches(closer, in: bytes, at: position) { return position }
            position += 1
        }
        return nil
    }

    @inline(__always)
    static func matches(_ pattern: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, at position: Int) -> Bool {
        guard position >= 0, position + pattern.count <= bytes.count else { return false }
        for (offset, byte) in pattern.enumerated() where bytes[position + offset] != byte { return false }
        return true
    }
}
