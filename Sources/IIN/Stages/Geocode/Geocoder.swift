import Foundation

/// The text a record gives about one side, as byte slices (of the mapped
/// ingest artifact or of a caller's buffer).
public struct SideFields {
    public var name: UnsafeBufferPointer<UInt8>
    public var creditCode: UnsafeBufferPointer<UInt8>
    public var region: UnsafeBufferPointer<UInt8>
    public var address: UnsafeBufferPointer<UInt8>
    /// The enterprise key (see `EnterpriseKey`), for manual overrides.
    public var key: UnsafeBufferPointer<UInt8>
}

/// Each method's definite answer for a side, compactly: 0 none (or not
/// asked), -1 outside the mainland, otherwise the city code.
public struct MethodAnswers: Sendable, Equatable {
    public static func == (lhs: MethodAnswers, rhs: MethodAnswers) -> Bool {
        GeocodeMethod.allCases.allSatisfy { lhs[$0] == rhs[$0] }
    }

    private var values: (Int32, Int32, Int32, Int32, Int32, Int32) = (0, 0, 0, 0, 0, 0)

    public init() {}

    public subscript(method: GeocodeMethod) -> Int32 {
        get {
            switch method {
            case .overrides: return values.0
            case .region: return values.1
            case .creditCode: return values.2
            case .address: return values.3
            case .name: return values.4
            case .external: return values.5
            }
        }
        set {
            switch method {
            case .overrides: values.0 = newValue
            case .region: values.1 = newValue
            case .creditCode: values.2 = newValue
            case .address: values.3 = newValue
            case .name: values.4 = newValue
            case .external: values.5 = newValue
            }
        }
    }

    static func encode(_ answer: PlaceAnswer) -> Int32 {
        switch answer {
        case let .city(code): return Int32(code)
        case .outsideMainland: return -1
        case .none: return 0
        }
    }
}

/// How one side was geocoded.
public struct SideOutcome: Sendable {
    public var answer: PlaceAnswer
    /// The method that answered, nil when none did.
    public var method: GeocodeMethod?
    public var answers: MethodAnswers
    public var wrongCheckCharacter: Bool
}

/// The cascade: each configured method in order; the first that yields one
/// city, or "outside the mainland", answers. Each field is read on its own.
/// The external service is not here: it waits on the network, so the stage
/// asks it only for the sides every other method left open.
public struct Geocoder: Sendable {
    public let reader: PlaceReader
    public let nameReader: EnterpriseNameReader
    public let codes: AdministrativeCodes
    public let overrides: GeocodeOverrides
    public let methods: [GeocodeMethod]

    public init(gazetteer: Gazetteer, methods: [GeocodeMethod] = Geocoder.defaultMethods, overrides: GeocodeOverrides = GeocodeOverrides()) {
        reader = PlaceReader(gazetteer: gazetteer)
        nameReader = EnterpriseNameReader(reader: reader)
        codes = AdministrativeCodes(gazetteer: gazetteer)
        self.overrides = overrides
        self.methods = methods
    }

    /// The contract's default order; the external service is off unless
    /// pipeline.json lists it.
    public static let defaultMethods: [GeocodeMethod] = [.overrides, .region, .creditCode, .address, .name]

    /// Resolves a side. With `compareAll`, every local method is asked even
    /// after one answered, so the run report can count disagreements.
    @inline(__always)
    func resolve(_ side: SideFields, memo: inout RegionMemo, compareAll: Bool) -> SideOutcome {
        var answers = MethodAnswers()
        var winner: GeocodeMethod?
        var winning = CompactAnswer.nothing
        var firstCandidates = CitySet()
        var wrongCheckCharacter = false
        for method in methods where method != .external {
            if winner != nil && !compareAll { break }
            let answer: CompactAnswer
            switch method {
            case .overrides:
                guard !overrides.isEmpty, let entry = overrides.lookup(creditCode: side.creditCode, key: side.key) else { continue }
                switch entry.answer {
                case let .city(code): answer = .city(code)
                case .outsideMainland: answer = .outsideMainland
                case .none: answer = .nothing
                }
            case .region:
                if side.region.isEmpty { continue }
                answer = memo.answer(for: side.region) { reader.readCompact($0, from: 0, to: $0.count) }
            case .creditCode:
                if side.creditCode.isEmpty { continue }
                let reading = codes.read(side.creditCode)
                switch reading {
                case let .city(code): answer = .city(code)
                case .wrongCheckCharacter:
                    wrongCheckCharacter = true
                    answer = .nothing
                case let .split(_, cities):
                    var set = CitySet()
                    for code in cities { if let position = reader.index.cityIndex(code: code) { set.insert(position) } }
                    answer = .none(set)
                default: answer = .nothing
                }
            case .address:
                if side.address.isEmpty { continue }
                answer = reader.readCompact(side.address, from: 0, to: side.address.count)
            case .name:
                answer = nameReader.readCompact(side.name)
            case .external:
                continue
            }
            answers[method] = answer.code
            if winner == nil {
                if answer.isResult {
                    winner = method
                    winning = answer
                } else if firstCandidates.isEmpty {
                    // The first candidates weighed, for the rejects table.
                    firstCandidates = answer.candidates
                }
            }
        }
        let final: PlaceAnswer = winner != nil ? winning.answer(reader.index) : .none(candidates: reader.index.codes(firstCandidates))
        return SideOutcome(answer: final, method: winner, answers: answers, wrongCheckCharacter: wrongCheckCharacter)
    }

    /// Resolves a side given as text (every local method is asked).
    public func resolve(_ party: PartyText, key: String? = nil) -> SideOutcome {
        let fields = [party.name, party.creditCode, party.region, party.address, key ?? EnterpriseKey.make(party.name)]
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        for field in fields {
            let start = bytes.count
            bytes.append(contentsOf: field.utf8)
            ranges.append(start..<bytes.count)
        }
        var memo = RegionMemo(capacity: 0)
        return bytes.withUnsafeBufferPointer { buffer in
            func slice(_ index: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: buffer[ranges[index]]) }
            return resolve(SideFields(name: slice(0), creditCode: slice(1), region: slice(2), address: slice(3), key: slice(4)), memo: &memo, compareAll: true)
        }
    }

    /// Every method's answer for a side given as text, with what it weighed:
    /// for `iin geocode --explain` and the rejects table.
    public struct Explanation: Sendable {
        public var method: GeocodeMethod
        public var answer: PlaceAnswer?
        public var detail: String
    }

    public func explain(name: String = "", creditCode: String = "", region: String = "", address: String = "") -> [Explanation] {
        var result: [Explanation] = []
        for method in methods {
            switch method {
            case .overrides:
                if overrides.isEmpty {
                    result.append(Explanation(method: method, answer: nil, detail: "no overrides table"))
                    continue
                }
                let key = EnterpriseKey.make(bytes: Array(name.utf8))
                let entry = Array(creditCode.utf8).withUnsafeBufferPointer { code in
                    key.withUnsafeBufferPointer { overrides.lookup(creditCode: code, key: $0) }
                }
                result.append(Explanation(method: method, answer: entry?.answer ?? .none(candidates: []),
                                          detail: entry.map { "overrides table row \($0.row)" } ?? "no entry for this credit code or name"))
            case .region:
                result.append(explainText(method, region))
            case .creditCode:
                let reading = codes.read(creditCode)
                var detail = reading.explanation
                if let code = codes.divisionCode(creditCode) {
                    let chain = codes.chain(code: code)
                    if !chain.isEmpty { detail += "; chain: " + chain.joined(separator: " | ") }
                }
                result.append(Explanation(method: method, answer: reading == .empty ? nil : reading.answer, detail: detail))
            case .address:
                result.append(explainText(method, address))
            case .name:
                let answer = nameReader.read(name)
                result.append(Explanation(method: method, answer: name.isEmpty ? nil : answer, detail: name.isEmpty ? "empty" : describe(answer)))
            case .external:
                result.append(Explanation(method: method, answer: nil, detail: "the external service is asked only by a pipeline run"))
            }
        }
        return result
    }

    private func explainText(_ method: GeocodeMethod, _ text: String) -> Explanation {
        if text.isEmpty { return Explanation(method: method, answer: nil, detail: "empty") }
        var trace: [Range<Int>]? = []
        let answer = reader.read(text, trace: &trace)
        let bytes = Array(text.utf8)
        let names = (trace ?? []).map { range -> String in
            let name = String(decoding: bytes[range], as: UTF8.self)
            let meanings = reader.index.meanings(of: name)
            let described = meanings.map { meaning -> String in
                let level: String
                switch meaning.level {
                case .province: level = "province \(meaning.code)"
                case .city: level = "city \(meaning.code)"
                case .county: level = "county \(meaning.code) in " + meaning.cities.map(String.init).joined(separator: "/")
                case .outsideMainland: level = "outside the mainland"
                }
                return meaning.historical ? level + " (historical, now " + meaning.cities.map(String.init).joined(separator: "/") + ")" : level
            }
            return "\(name): " + described.joined(separator: "; ")
        }
        let weighed = names.isEmpty ? "no place name opens the text" : "weighed " + names.joined(separator: " | ")
        return Explanation(method: method, answer: answer, detail: describe(answer) + "; " + weighed)
    }

    public func describe(_ answer: PlaceAnswer) -> String {
        switch answer {
        case let .city(code): return "city \(code)"
        case .outsideMainland: return "outside the mainland"
        case let .none(candidates) where candidates.isEmpty: return "no answer"
        case let .none(candidates): return "no answer: fits \(candidates.count) cities (\(candidates.map(String.init).joined(separator: ", ")))"
        }
    }
}
