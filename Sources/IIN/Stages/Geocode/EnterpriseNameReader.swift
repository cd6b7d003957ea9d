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

    public func read(_ name: String) -> PlaceAnswer {
        var bytes = Array(name.utf8)
        return bytes.withUnsafeMutableBufferPointer { read(UnsafeBufferPointer($0)) }
    }

    public func read(_ bytes: UnsafeBufferPointer<UInt8>) -> PlaceAnswer {
        readCompact(bytes).answer(reader.index)
    }

    /// A name opens with one place: its text is never a list of addresses.
    @inline(__always)
    private func place(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> CompactAnswer {
        var trace: [Range<Int>]? = nil
        return reader.readCompact(bytes, from: start, to: end, severalAddresses: false, trace: &trace)
    }

    public func readCompact(_ bytes: UnsafeBufferPointer<UInt8>) -> CompactAnswer {
        let end = bytes.count
        if end == 0 { return .nothing }
        if let branch = Self.branchPart(bytes) {
            return place(bytes, from: branch.lowerBound, to: branch.upperBound)
        }
        var settled: Int32 = 0
        var candidates = CitySet()
        var conflict = false
        @inline(__always) func weigh(_ answer: CompactAnswer) {
            if answer.isResult {
                if settled != 0 && settled != answer.code { conflict = true }
                settled = answer.code
            } else {
                candidates.formUnion(answer.candidates)
            }
        }
        weigh(place(bytes, from: 0, to: end))
        var position = 0
        while position < end {
            let byte = bytes[position]
            var inside = -1
            if byte == 0x28 {
                inside = position + 1
            } else if byte == 0xEF && position + 2 < end && bytes[position + 1] == 0xBC && bytes[position + 2] == 0x88 {
                inside = position + 3
            }
            if inside >= 0 {
                weigh(place(bytes, from: inside, to: Self.closingBracket(bytes, from: inside) ?? end))
                position = inside
            } else {
                position += 1
            }
        }
        let settledCity = settled > 0 ? reader.index.cityIndex(code: Int(settled)) : nil
        if conflict {
            return .none(candidates)
        }
        if settled != 0 {
            // An ambiguous reading elsewhere in the name must allow the
            // settled city, or the name contradicts itself.
            if let settledCity, !candidates.isEmpty, !candidates.contains(settledCity) {
                var weighed = candidates
                var single = CitySet()
                single.insert(settledCity)
                weighed.formUnion(single)
                return .none(weighed)
            }
            return CompactAnswer(code: settled, candidates: CitySet())
        }
        return .none(candidates)
    }

    /// The text between the head office's "公司" and a branch word ending
    /// the name, or nil when the name is not a branch's.
    static func branchPart(_ bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        let end = bytes.count
        // Every branch word ends in one of 司 行 店 部 处 厂: most names can be
        // passed over on their last three bytes.
        guard end >= 3 else { return nil }
        switch (bytes[end - 3], bytes[end - 2], bytes[end - 1]) {
        case (0xE5, 0x8F, 0xB8), (0xE8, 0xA1, 0x8C), (0xE5, 0xBA, 0x97), (0xE9, 0x83, 0xA8), (0xE5, 0xA4, 0x84), (0xE5, 0x8E, 0x82): break
        default: return nil
        }
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
        var position = start
        while position < bytes.count {
            let byte = bytes[position]
            if byte == 0x29 { return position }
            if byte == 0xEF && position + 2 < bytes.count && bytes[position + 1] == 0xBC && bytes[position + 2] == 0x89 { return position }
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
