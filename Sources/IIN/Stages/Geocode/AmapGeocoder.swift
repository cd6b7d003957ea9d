import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The external geocoding method: a service speaking the Amap geocoding API
/// (`GET {endpoint}?address=TEXT&key=KEY&output=JSON`, answering
/// `{"status":"1","count":"1","geocodes":[{"adcode":"440305",...}]}`).
///
/// Every answer the service gives, "nothing found" included, is kept in a
/// SQLite cache that outlives runs, so no text is ever asked twice. Requests
/// are spaced to the configured rate; a 5xx, a timeout or a "too frequent"
/// answer is retried with doubling waits; a refused key stops the run with
/// an error that names the environment variable, never the key.
public final class AmapGeocoder {
    /// The stage's `external` parameters (stages/geocode.json holds their
    /// defaults and bounds).
    public struct Settings: Sendable, Decodable {
        public var endpoint: String
        public var keyVariable: String
        public var requestsPerSecond: Double
        public var retries: Int
        public var backoffSeconds: Double
        public var timeoutSeconds: Double
        /// As written: relative to the work folder unless absolute.
        public var cache: String

        enum CodingKeys: String, CodingKey {
            case endpoint, keyVariable = "key_variable", requestsPerSecond = "requests_per_second", retries
            case backoffSeconds = "backoff_seconds", timeoutSeconds = "timeout_seconds", cache
        }

        public func cacheFile(workFolder: URL) -> URL {
            cache.hasPrefix("/") ? URL(fileURLWithPath: cache) : workFolder.appendingPathComponent(cache)
        }

        /// What the schema cannot say about these values, by path under `external`.
        func problems() -> [ParameterProblem] {
            var problems: [ParameterProblem] = []
            if let problem = Self.endpointProblem(endpoint) {
                problems.append(ParameterProblem(path: "external.endpoint", problem: "the endpoint must be \(problem)", fix: "Give an https URL, or http on loopback."))
            }
            return problems
        }

        /// A literal loopback address: 127.0.0.0/8 or ::1, parsed as an
        /// address (a name such as 127.evil.example is not one).
        static func isLoopbackAddress(_ host: String) -> Bool {
            let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
            var v4 = in_addr()
            if inet_pton(AF_INET, bare, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
            var v6 = in6_addr()
            if inet_pton(AF_INET6, bare, &v6) == 1 {
                return withUnsafeBytes(of: &v6) { bytes in bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1 }
            }
            return false
        }

        /// Why an endpoint may not be used, or nil: the key travels in the
        /// query, so only https leaves the machine; plain http is for a
        /// service on loopback (a local mirror or a test server).
        static func endpointProblem(_ endpoint: String) -> String? {
            guard let components = URLComponents(string: endpoint), let scheme = components.scheme?.lowercased(), let host = components.host?.lowercased(),
                  !host.isEmpty else { return "an http(s) URL with a host, found '\(endpoint)'" }
            switch scheme {
            case "https": return nil
            case "http":
                let loopback = host == "localhost" || Self.isLoopbackAddress(host)
                return loopback ? nil : "https: plain http would send the key unencrypted to \(host) (http is allowed for loopback only)"
            default: return "an http(s) URL, found scheme '\(scheme)'"
            }
        }
    }

    public let settings: Settings
    private let key: String
    private let codes: AdministrativeCodes
    private let database: SQLiteDatabase
    private let lookup: SQLiteDatabase.Statement
    private let store: SQLiteDatabase.Statement
    private let session: URLSession
    private var lastRequest: Date?
    public private(set) var requests = 0
    public private(set) var cacheHits = 0

    public static let service = "external geocoder (Amap API)"

    /// - Parameter codes: the code table the stage's geocoder already holds,
    ///   so it is not built twice (built from the gazetteer when nil).
    /// - Parameter cache: the answer cache, `settings.cacheFile(workFolder:)` in a run.
    public init(settings: Settings, cache: URL, gazetteer: Gazetteer, codes: AdministrativeCodes? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws(IINError) {
        guard let key = environment[settings.keyVariable], !key.isEmpty else {
            throw IINError.externalService(service: Self.service, problem: "the method 'external' is on but the environment variable \(settings.keyVariable) is not set",
                                           fix: "Export \(settings.keyVariable) with an Amap Web service key, or remove 'external' from the geocode methods in pipeline.json.")
        }
        if let problem = Settings.endpointProblem(settings.endpoint) {
            throw IINError.externalService(service: Self.service, problem: "the endpoint must be \(problem)", fix: "Correct params.external.endpoint in pipeline.json.")
        }
        self.settings = settings
        self.key = key
        self.codes = codes ?? AdministrativeCodes(gazetteer: gazetteer)
        database = try SQLiteDatabase(persistent: cache)
        try database.execute("CREATE TABLE IF NOT EXISTS answers (text TEXT PRIMARY KEY, adcodes TEXT NOT NULL, info TEXT NOT NULL);")
        lookup = try database.prepare("SELECT adcodes FROM answers WHERE text = ?")
        store = try database.prepare("INSERT OR REPLACE INTO answers (text, adcodes, info) VALUES (?, ?, ?)")
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = settings.timeoutSeconds
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        // Redirects are not followed: the key is in the query, and a
        // redirect (even from loopback) could carry it anywhere, in clear.
        session = URLSession(configuration: configuration, delegate: RefusingRedirects(), delegateQueue: nil)
    }

    deinit {
        session.invalidateAndCancel()
    }

    /// The place the service gives for a text: from the cache if it was
    /// asked before, otherwise from the service (then cached).
    public func answer(for text: String) throws(IINError) -> PlaceAnswer {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return .none(candidates: []) }
        if let cached = lookup.rows([.text(trimmed)]).first?.first ?? nil {
            cacheHits += 1
            return interpret(cached)
        }
        let (adcodes, info) = try ask(trimmed)
        try store.run([.text(trimmed), .text(adcodes), .text(info)])
        return interpret(adcodes)
    }

    /// Adcodes (`;`-separated) to an answer: one 2020 city, or outside the
    /// mainland for Hong Kong (81), Macao (82) and Taiwan (71).
    func interpret(_ adcodes: String) -> PlaceAnswer {
        var cities = Set<Int>()
        var outside = false
        for item in adcodes.split(separator: ";") {
            guard let code = Int(item) else { continue }
            if [71, 81, 82].contains(code / 10000) { outside = true; continue }
            if case let .city(city) = codes.reading(code: code) { cities.insert(city) } else { return .none(candidates: []) }
        }
        if outside && cities.isEmpty { return .outsideMainland }
        if !outside, cities.count == 1 { return .city(cities.first!) }
        return .none(candidates: cities.sorted())
    }

    /// Query values encoded strictly (RFC 3986 unreserved characters
    /// only): Foundation's query encoding leaves `+`, which a server reads
    /// as a space, and `&` and `=` would end the value.
    static func queryEncoded(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Every form the key can take in a message: as it is, percent-encoded
    /// (strictly or as Foundation does, in either hex case) and with `+`
    /// read as a space.
    static func redacted(_ text: String, key: String, variable: String) -> String {
        guard !key.isEmpty else { return text }
        // As it is, and with + read as a space (a form decoder's reading).
        var plain: Set<String> = [key, key.replacingOccurrences(of: "+", with: " ")]
        // Each percent-encoded the ways a library might (every reserved
        // character, or Foundation's query set), with hex in either case.
        var forms = plain
        for form in plain {
            for encoded in [queryEncoded(form), form.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? "",
                            form.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""] where !encoded.isEmpty {
                forms.insert(encoded)
                forms.insert(lowercasedHex(encoded))
            }
        }
        // And as a JSON string writes it (a / escaped as \/).
        plain = forms
        for form in plain { forms.insert(form.replacingOccurrences(of: "/", with: "\\/")) }
        var result = text
        // Longest first, so a form never leaves a tail of a longer one.
        for form in forms.sorted(by: { $0.count > $1.count }) where !form.isEmpty {
            result = result.replacingOccurrences(of: form, with: "<\(variable)>")
        }
        return result
    }

    /// `%2B` as `%2b`: only the hex digits of escapes change case.
    static func lowercasedHex(_ encoded: String) -> String {
        var out = ""
        var pending = 0
        for character in encoded {
            if character == "%" {
                pending = 2
                out.append(character)
            } else if pending > 0 {
                pending -= 1
                out.append(Character(character.lowercased()))
            } else {
                out.append(character)
            }
        }
        return out
    }

    private func redacted(_ text: String) -> String {
        Self.redacted(text, key: key, variable: settings.keyVariable)
    }

    /// A transport failure as a sentence, never with the request's URL.
    static func sentence(for error: any Error, host: String, timeout: Double) -> String {
        guard let urlError = error as? URLError else { return "could not ask \(host) (\(error.localizedDescription))" }
        switch urlError.code {
        case .timedOut: return "timed out after \(String(format: "%g", timeout)) s asking \(host)"
        case .cannotFindHost, .dnsLookupFailed: return "cannot find the host \(host) (DNS lookup failed)"
        case .cannotConnectToHost: return "\(host) refused the connection"
        case .networkConnectionLost: return "the connection to \(host) was lost"
        case .notConnectedToInternet: return "this machine is not connected to a network, so \(host) cannot be asked"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            return "the TLS connection to \(host) failed (its certificate was not accepted)"
        default: return "could not ask \(host) (URL error \(urlError.code.rawValue))"
        }
    }

    /// Asks the service, with retries: the adcodes found and the service's
    /// info text.
    private func ask(_ text: String) throws(IINError) -> (String, String) {
        guard var components = URLComponents(string: settings.endpoint) else {
            throw IINError.externalService(service: Self.service, problem: "the endpoint '\(settings.endpoint)' is not a URL", fix: "Correct params.external.endpoint in pipeline.json.")
        }
        let query = "address=\(Self.queryEncoded(text))&key=\(Self.queryEncoded(key))&output=JSON"
        components.percentEncodedQuery = components.percentEncodedQuery.map { $0 + "&" + query } ?? query
        guard let url = components.url else {
            throw IINError.externalService(service: Self.service, problem: "cannot build a request for '\(text)'", fix: "Check params.external.endpoint in pipeline.json.")
        }
        var wait = settings.backoffSeconds
        var lastProblem = ""
        for attempt in 0...settings.retries {
            if attempt > 0 {
                Thread.sleep(forTimeInterval: wait)
                wait *= 2
            }
            pace()
            requests += 1
            let (status, body, failure) = fetch(url, host: components.host ?? "the service")
            if let failure {
                lastProblem = redacted(failure)
                continue
            }
            if status >= 500 || status == 429 {
                lastProblem = "HTTP \(status)"
                continue
            }
            guard status == 200 else {
                let redirect = (300..<400).contains(status) ? " (a redirect, not followed: the key would go with it)" : ""
                throw IINError.externalService(service: Self.service, problem: "HTTP \(status)\(redirect) for a request to \(components.host ?? settings.endpoint)",
                                               fix: "Check params.external.endpoint in pipeline.json; give the address the service answers at.")
            }
            guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
                lastProblem = "an answer that is not JSON"
                continue
            }
            let infocode = "\(object["infocode"] ?? "")"
            let info = "\(object["info"] ?? "")"
            if "\(object["status"] ?? "")" == "1" {
                let geocodes = object["geocodes"] as? [[String: Any]] ?? []
                let adcodes = geocodes.compactMap { $0["adcode"] as? String }.filter { !$0.isEmpty }
                return (adcodes.joined(separator: ";"), info)
            }
            switch infocode {
            case "10001", "10002", "10005", "10006", "10007", "10008", "10009", "10010", "10011", "10012", "10013":
                throw IINError.externalService(service: Self.service, problem: "the service refused the key in \(settings.keyVariable) (\(redacted(info)), infocode \(infocode))",
                                               fix: "Set \(settings.keyVariable) to a valid Amap Web service key allowed to use the geocoding API.")
            case "10003", "10044":
                throw IINError.externalService(service: Self.service, problem: "the daily quota of the key in \(settings.keyVariable) is used up (\(redacted(info)))",
                                               fix: "Run again tomorrow (answers so far are cached) or raise the key's quota.")
            case "10004", "10014", "10015", "10019", "10020", "10021", "20003":
                lastProblem = "\(redacted(info)) (infocode \(infocode))"
                continue
            default:
                // The service could not read this text: an answer, cached.
                return ("", info)
            }
        }
        throw IINError.externalService(service: Self.service, problem: "no answer after \(settings.retries + 1) tries (last: \(lastProblem))",
                                       fix: "Check the network and the service, then run again: answers already given are cached.")
    }

    /// Spaces requests to the configured rate.
    private func pace() {
        let interval = 1 / settings.requestsPerSecond
        if let lastRequest {
            let elapsed = Date().timeIntervalSince(lastRequest)
            if elapsed < interval { Thread.sleep(forTimeInterval: interval - elapsed) }
        }
        lastRequest = Date()
    }

    private func fetch(_ url: URL, host: String) -> (Int, Data, String?) {
        let box = ResponseBox()
        let done = DispatchSemaphore(value: 0)
        let timeout = settings.timeoutSeconds
        let task = session.dataTask(with: url) { data, response, error in
            box.set(status: (response as? HTTPURLResponse)?.statusCode ?? 0, data: data ?? Data(),
                    error: error.map { Self.sentence(for: $0, host: host, timeout: timeout) })
            done.signal()
        }
        task.resume()
        done.wait()
        return box.value
    }
}

/// Answers every redirect with "do not follow": the 3xx itself comes back,
/// and is reported as the HTTP status it is.
private final class RefusingRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

/// Carries a response from URLSession's callback thread to the waiting one.
private final class ResponseBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (Int, Data, String?) = (0, Data(), nil)

    func set(status: Int, data: Data, error: String?) {
        lock.lock()
        stored = (status, data, error)
        lock.unlock()
    }

    var value: (Int, Data, String?) {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
