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
    /// The side's county-level unit of 2020 (`county(_:city:memo:)`), 0
    /// when no method places it below its city, when it has no city, and
    /// in the geocode stage, which does not ask.
    public var county: Int = 0
}

/// What the cascade tells a recorder as it goes: `iin geocode --explain`
/// and the rejects table listen; the stage's hot path passes `Unrecorded`,
/// which the compiler removes.
protocol CascadeRecorder {
    /// `answer` is nil when the method had nothing to read (an empty field,
    /// no overrides table) or is not asked here (the external service).
    mutating func asked(_ method: GeocodeMethod, answer: CompactAnswer?, side: SideFields)
}

struct Unrecorded: CascadeRecorder {
    @inline(__always) mutating func asked(_ method: GeocodeMethod, answer: CompactAnswer?, side: SideFields) {}
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
    public let counties: CountyResolver

    /// - Parameter methods: in the order tried, as the geocode stage's
    ///   parameters give them (GeocodeStage.makeGeocoder).
    public init(gazetteer: Gazetteer, methods: [GeocodeMethod], overrides: GeocodeOverrides = GeocodeOverrides()) {
        reader = PlaceReader(gazetteer: gazetteer)
        nameReader = EnterpriseNameReader(reader: reader)
        codes = AdministrativeCodes(gazetteer: gazetteer)
        counties = CountyResolver(gazetteer: gazetteer, index: reader.index)
        self.overrides = overrides
        self.methods = methods
    }

    /// Resolves a side. With `compareAll`, every local method is asked even
    /// after one answered, so the run report can count disagreements.
    @inline(__always)
    package func resolve(_ side: SideFields, memo: inout RegionMemo<CompactAnswer>, compareAll: Bool) -> SideOutcome {
        var recorder = Unrecorded()
        return resolve(side, memo: &memo, compareAll: compareAll, recorder: &recorder)
    }

    @inline(__always)
    func resolve<Recorder: CascadeRecorder>(_ side: SideFields, memo: inout RegionMemo<CompactAnswer>, compareAll: Bool, recorder: inout Recorder) -> SideOutcome {
        var answers = MethodAnswers()
        var winner: GeocodeMethod?
        var winning = CompactAnswer.nothing
        var firstCandidates = CitySet()
        var wrongCheckCharacter = false
        for method in methods {
            if winner != nil && !compareAll { break }
            guard let answer = ask(method, side, memo: &memo, wrongCheckCharacter: &wrongCheckCharacter) else {
                recorder.asked(method, answer: nil, side: side)
                continue
            }
            recorder.asked(method, answer: answer, side: side)
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

    /// The cascade again at county level, for a side placed in `city`:
    /// the first method naming one of the city's county-level units
    /// answers; 0 when none does. Overrides name cities only, and the
    /// external service is not asked again. Asked by a county network for
    /// its records only (`AggregateStage`), not by the geocode stage: the
    /// national city run does not pay for it.
    ///
    /// - Parameter memo: region texts read at county level without their
    ///   city (`PlaceReader.county` with city 0).
    @inline(__always)
    package func county(_ side: SideFields, city: Int, memo: inout RegionMemo<Int32>) -> Int {
        let city = Int32(city)
        let lone = counties.loneUnit(ofCity: city)
        if lone != 0 { return Int(lone) }
        for method in methods {
            var unit: Int32 = 0
            switch method {
            case .region:
                if side.region.isEmpty { continue }
                let anywhere = memo.answer(for: side.region) { reader.county($0, from: 0, to: $0.count, severalAddresses: true, city: 0, senses: counties.senses) }
                unit = anywhere > 0 ? (counties.isUnit(anywhere, of: city) ? anywhere : 0)
                    : anywhere < 0 ? reader.county(side.region, from: 0, to: side.region.count, severalAddresses: true, city: city, senses: counties.senses) : 0
            case .creditCode:
                if side.creditCode.isEmpty { continue }
                unit = counties.unit(creditCode: side.creditCode, city: city)
            case .address:
                if side.address.isEmpty { continue }
                unit = reader.county(side.address, from: 0, to: side.address.count, severalAddresses: true, city: city, senses: counties.senses)
            case .name:
                if side.name.isEmpty { continue }
                unit = reader.county(side.name, from: 0, to: side.name.count, severalAddresses: false, city: city, senses: counties.senses)
            case .overrides, .external:
                continue
            }
            if unit > 0 { return Int(unit) }
        }
        return 0
    }

    /// One local method's answer, or nil when it has nothing to read.
    @inline(__always)
    private func ask(_ method: GeocodeMethod, _ side: SideFields, memo: inout RegionMemo<CompactAnswer>, wrongCheckCharacter: inout Bool) -> CompactAnswer? {
        switch method {
        case .overrides:
            guard !overrides.isEmpty, let entry = overrides.lookup(creditCode: side.creditCode, key: side.key) else { return nil }
            switch entry.answer {
            case let .city(code): return .city(code)
            case .outsideMainland: return .outsideMainland
            case .none: return .nothing
            }
        case .region:
            if side.region.isEmpty { return nil }
            return memo.answer(for: side.region) { reader.readCompact($0, from: 0, to: $0.count) }
        case .creditCode:
            if side.creditCode.isEmpty { return nil }
            switch codes.read(side.creditCode) {
            case let .city(code): return .city(code)
            case .wrongCheckCharacter:
                wrongCheckCharacter = true
                return .nothing
            case let .split(_, cities):
                var set = CitySet()
                for code in cities { if let position = reader.index.cityIndex(code: code) { set.insert(position) } }
                return .none(set)
            default: return .nothing
            }
        case .address:
            if side.address.isEmpty { return nil }
            return reader.readCompact(side.address, from: 0, to: side.address.count)
        case .name:
            return nameReader.readCompact(side.name)
        case .external:
            return nil
        }
    }

    /// Resolves a side given as text (every local method is asked), and
    /// reads it at county level too.
    public func resolve(_ party: PartyText, key: String? = nil) -> SideOutcome {
        withFields(party, key: key) { fields in
            var memo = RegionMemo<CompactAnswer>(capacity: 0)
            return withCounty(resolve(fields, memo: &memo, compareAll: true), fields)
        }
    }

    private func withCounty(_ outcome: SideOutcome, _ side: SideFields) -> SideOutcome {
        guard outcome.method != nil, case let .city(code) = outcome.answer else { return outcome }
        var memo = RegionMemo<Int32>(capacity: 0)
        var counted = outcome
        counted.county = county(side, city: code, memo: &memo)
        return counted
    }

    private func withFields<Result>(_ party: PartyText, key: String?, _ body: (SideFields) -> Result) -> Result {
        let fields = [party.name, party.creditCode, party.region, party.address, key ?? EnterpriseKey.make(party.name)]
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        for field in fields {
            let start = bytes.count
            bytes.append(contentsOf: field.utf8)
            ranges.append(start..<bytes.count)
        }
        return bytes.withUnsafeBufferPointer { buffer in
            func slice(_ index: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: buffer[ranges[index]]) }
            return body(SideFields(name: slice(0), creditCode: slice(1), region: slice(2), address: slice(3), key: slice(4)))
        }
    }

    /// Whether a text has the form of a credit code (18 characters of the
    /// USCC alphabet, or a 15-digit registration number), right check
    /// character or not: `iin geocode TEXT` then reads it as one.
    public func hasCreditCodeForm(_ text: String) -> Bool {
        switch codes.read(text) {
        case .empty, .notACode: return false
        default: return true
        }
    }

    /// Every method's answer for a side, with what it weighed: for
    /// `iin geocode --explain` and the rejects table.
    public struct Explanation: Sendable {
        public var method: GeocodeMethod
        public var answer: PlaceAnswer?
        public var detail: String
    }

    /// The cascade run on a side given as text, every local method asked,
    /// with each method's explanation.
    public func explain(_ party: PartyText) -> (outcome: SideOutcome, explanations: [Explanation]) {
        withFields(party, key: nil) { explain($0) }
    }

    func explain(_ side: SideFields) -> (outcome: SideOutcome, explanations: [Explanation]) {
        var memo = RegionMemo<CompactAnswer>(capacity: 0)
        var recorder = ExplanationRecorder(geocoder: self)
        let outcome = resolve(side, memo: &memo, compareAll: true, recorder: &recorder)
        return (withCounty(outcome, side), recorder.explanations)
    }

    /// Turns what the cascade asked into sentences, re-reading a text with
    /// a trace only to say which names it weighed.
    private struct ExplanationRecorder: CascadeRecorder {
        let geocoder: Geocoder
        var explanations: [Explanation] = []

        mutating func asked(_ method: GeocodeMethod, answer: CompactAnswer?, side: SideFields) {
            let full = answer?.answer(geocoder.reader.index)
            func text(_ field: UnsafeBufferPointer<UInt8>) -> String { String(decoding: field, as: UTF8.self) }
            let detail: String
            switch method {
            case .overrides:
                if geocoder.overrides.isEmpty {
                    detail = "no overrides table"
                } else if let entry = geocoder.overrides.lookup(creditCode: side.creditCode, key: side.key) {
                    detail = "overrides table row \(entry.row)"
                } else {
                    explanations.append(Explanation(method: method, answer: .none(candidates: []), detail: "no entry for this credit code or name"))
                    return
                }
            case .region, .address:
                let field = text(method == .region ? side.region : side.address)
                detail = field.isEmpty ? "empty" : geocoder.describe(full ?? .none(candidates: [])) + "; " + geocoder.weighed(field)
            case .creditCode:
                let code = text(side.creditCode)
                let reading = geocoder.codes.read(code)
                var described = reading.explanation
                if let division = geocoder.codes.divisionCode(code) {
                    let chain = geocoder.codes.chain(code: division)
                    if !chain.isEmpty { described += "; chain: " + chain.joined(separator: " | ") }
                }
                detail = described
            case .name:
                if side.name.isEmpty {
                    explanations.append(Explanation(method: method, answer: nil, detail: "empty"))
                    return
                }
                detail = geocoder.describe(full ?? .none(candidates: []))
            case .external:
                detail = "the external service is asked only by a pipeline run"
            }
            explanations.append(Explanation(method: method, answer: full, detail: detail))
        }
    }

    /// The place names a text opens with and every meaning each has.
    private func weighed(_ text: String) -> String {
        var trace: [Range<Int>]? = []
        _ = reader.read(text, trace: &trace)
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
        return names.isEmpty ? "no place name opens the text" : "weighed " + names.joined(separator: " | ")
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
