import Foundation
import Testing
@testable import IIN
#if canImport(Glibc)
import Glibc
#endif

/// A stand-in for the Amap geocoding service on 127.0.0.1, answering in
/// its response format: addresses with 深圳 are in 南山区 (440305), with
/// 香港 in Hong Kong, "flaky" ones fail with a 500 the first time, and a
/// key starting with "bad" is refused as Amap refuses it.
final class FakeAmapServer: @unchecked Sendable {
    private let listener: Int32
    let port: UInt16
    private let lock = NSLock()
    private var asked: [String: Int] = [:]
    private var keys: [String] = []
    private var thread: Thread?

    /// A listening socket on 127.0.0.1 at a free port.
    static func listen() throws -> (socket: Int32, port: UInt16) {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var reuse: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        guard bound == 0, Glibc.listen(listener, 16) == 0 else { throw TestFailure("cannot listen on 127.0.0.1") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        return (listener, UInt16(bigEndian: address.sin_port))
    }

    init() throws {
        (listener, port) = try Self.listen()
        let thread = Thread { [self] in serve() }
        self.thread = thread
        thread.start()
    }

    var endpoint: String { "http://127.0.0.1:\(port)/v3/geocode/geo" }

    func timesAsked(_ address: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return asked[address, default: 0]
    }

    /// The keys requests carried, as the server decoded them.
    var keysSeen: [String] {
        lock.lock()
        defer { lock.unlock() }
        return keys
    }

    var totalAsked: Int {
        lock.lock()
        defer { lock.unlock() }
        return asked.values.reduce(0, +)
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            var request = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !request.suffix(4).elementsEqual([13, 10, 13, 10]) {
                let count = read(client, &buffer, buffer.count)
                if count <= 0 { break }
                request += buffer[0..<count]
            }
            let line = String(decoding: request, as: UTF8.self).split(separator: "\r\n").first.map(String.init) ?? ""
            let target = line.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
            let items = URLComponents(string: "http://localhost" + target)?.queryItems ?? []
            let address = items.first { $0.name == "address" }?.value ?? ""
            let key = items.first { $0.name == "key" }?.value ?? ""
            lock.lock()
            asked[address, default: 0] += 1
            keys.append(key)
            let times = asked[address, default: 1]
            lock.unlock()
            let (status, body) = answer(address: address, key: key, times: times)
            // A redirect points off this machine, where the key must never go.
            let location = status == 302 ? "Location: http://192.0.2.1:9/geo?key=\(key)\r\n" : ""
            let response = "HTTP/1.1 \(status) X\r\n\(location)Content-Type: application/json;charset=UTF-8\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
            _ = response.utf8CString.withUnsafeBufferPointer { write(client, $0.baseAddress, $0.count - 1) }
            close(client)
        }
    }

    private func answer(address: String, key: String, times: Int) -> (Int, String) {
        // A service that quotes the key back in every form it could take.
        if address.contains("echo") {
            let strict = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let spaced = key.replacingOccurrences(of: "+", with: " ")
            let forms = [key, strict, AmapGeocoder.lowercasedHex(strict), spaced, spaced.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "",
                         key.replacingOccurrences(of: "/", with: "\\\\/")]
            let info = "INVALID_USER_KEY " + forms.joined(separator: " | ")
            return (200, "{\"status\":\"0\",\"info\":\"\(info)\",\"infocode\":\"10001\"}")
        }
        if address.contains("redirect") { return (302, "{}") }
        if key.hasPrefix("bad") { return (200, #"{"status":"0","info":"INVALID_USER_KEY","infocode":"10001"}"#) }
        if address.contains("flaky") && times == 1 { return (500, "{}") }
        func found(_ adcode: String) -> String {
            #"{"status":"1","info":"OK","infocode":"10000","count":"1","geocodes":[{"formatted_address":"x","country":"中国","adcode":"\#(adcode)","location":"113.9,22.5","level":"区县"}]}"#
        }
        if address.contains("深圳") { return (200, found("440305")) }
        if address.contains("香港") { return (200, found("810000")) }
        return (200, #"{"status":"1","info":"OK","infocode":"10000","count":"0","geocodes":[]}"#)
    }
}

@Suite("External geocoder (Amap API)", .serialized)
struct AmapGeocoderTests {
    static let key = "test-key-7f3a9c"

    func geocoder(_ server: FakeAmapServer, cache: URL, key: String = key) throws -> AmapGeocoder {
        var (settings, _) = try TestSupport.amapSettings("amap-unused")
        settings.endpoint = server.endpoint
        settings.requestsPerSecond = 100
        settings.backoffSeconds = 0.01
        settings.retries = 2
        return try AmapGeocoder(settings: settings, cache: cache, gazetteer: try Gazetteer.embedded(), environment: ["IIN_AMAP_KEY": key])
    }

    @Test func asksOnceThenAnswersFromTheCacheEvenInALaterRun() throws {
        let server = try FakeAmapServer()
        defer { server.stop() }
        let cache = TestSupport.temporaryFolder("amap-cache").appendingPathComponent("cache.sqlite")
        let first = try geocoder(server, cache: cache)
        #expect(try first.answer(for: "深圳科技园某大厦") == .city(440300))
        #expect(try first.answer(for: "深圳科技园某大厦") == .city(440300))
        #expect(try first.answer(for: "某个找不到的地方") == .none(candidates: []))
        #expect(try first.answer(for: "某个找不到的地方") == .none(candidates: []))
        #expect(server.timesAsked("深圳科技园某大厦") == 1)
        #expect(server.timesAsked("某个找不到的地方") == 1)
        #expect(first.requests == 2 && first.cacheHits == 2)

        let later = try geocoder(server, cache: cache)
        #expect(try later.answer(for: "深圳科技园某大厦") == .city(440300))
        #expect(later.requests == 0 && later.cacheHits == 1)
        #expect(server.totalAsked == 2)
    }

    @Test func retriesAfterAServerError() throws {
        let server = try FakeAmapServer()
        defer { server.stop() }
        let amap = try geocoder(server, cache: TestSupport.temporaryFolder("amap-retry").appendingPathComponent("cache.sqlite"))
        #expect(try amap.answer(for: "深圳 flaky 地址") == .city(440300))
        #expect(server.timesAsked("深圳 flaky 地址") == 2)
    }

    @Test func hongKongIsOutsideTheMainland() throws {
        let server = try FakeAmapServer()
        defer { server.stop() }
        let amap = try geocoder(server, cache: TestSupport.temporaryFolder("amap-hk").appendingPathComponent("cache.sqlite"))
        #expect(try amap.answer(for: "香港中环某大厦") == .outsideMainland)
    }

    @Test func aRefusedKeyIsAClearErrorThatNeverShowsTheKey() throws {
        let server = try FakeAmapServer()
        defer { server.stop() }
        let cache = TestSupport.temporaryFolder("amap-bad").appendingPathComponent("cache.sqlite")
        let secret = "bad-secret-9d41e2"
        let amap = try geocoder(server, cache: cache, key: secret)
        do {
            _ = try amap.answer(for: "深圳科技园")
            Issue.record("a refused key did not stop the run")
        } catch {
            #expect(error.description.contains("IIN_AMAP_KEY"))
            #expect(error.description.contains("INVALID_USER_KEY"))
            #expect(!error.description.contains(secret))
        }
        let stored = try Data(contentsOf: cache)
        #expect(stored.range(of: Data(secret.utf8)) == nil)
    }

    /// A key with characters a query would mangle arrives intact, and a
    /// service that quotes it back, raw, percent-encoded or with + read as
    /// a space, never gets it into a message.
    @Test func anyKeyArrivesIntactAndIsRedactedInEveryForm() throws {
        let server = try FakeAmapServer()
        defer { server.stop() }
        let secret = "Kb+Y/&=%20 X?#9"
        let amap = try geocoder(server, cache: TestSupport.temporaryFolder("amap-odd").appendingPathComponent("cache.sqlite"), key: secret)
        #expect(try amap.answer(for: "深圳 a+b&c=d") == .city(440300))
        #expect(server.keysSeen == [secret])
        #expect(server.timesAsked("深圳 a+b&c=d") == 1)
        do {
            _ = try amap.answer(for: "echo")
            Issue.record("a refused key did not stop the run")
        } catch {
            #expect(error.description.contains("<IIN_AMAP_KEY>"), "\(error.description)")
            let strict = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            for form in [secret, AmapGeocoder.queryEncoded(secret), strict, AmapGeocoder.lowercasedHex(strict), secret.replacingOccurrences(of: "+", with: " "),
                         secret.replacingOccurrences(of: "+", with: "%20"), secret.replacingOccurrences(of: "/", with: "\\/")] {
                #expect(!error.description.contains(form), "\(error.description) shows the key as \(form)")
            }
        }
    }

    /// A redirect is not followed: the key would go with it, in clear.
    @Test func aRedirectIsNotFollowed() throws {
        let server = try FakeAmapServer()
        defer { server.stop() }
        let amap = try geocoder(server, cache: TestSupport.temporaryFolder("amap-redirect").appendingPathComponent("cache.sqlite"))
        do {
            _ = try amap.answer(for: "redirect")
            Issue.record("a redirect gave an answer")
        } catch {
            #expect(error.description.contains("HTTP 302 (a redirect, not followed"), "\(error.description)")
        }
        #expect(server.keysSeen.count == 1)
    }

    /// The key travels in the query: plain http is refused unless the
    /// service is on this machine.
    @Test func plainHTTPIsRefusedButForLoopback() throws {
        func make(_ endpoint: String) throws -> AmapGeocoder {
            var (settings, cache) = try TestSupport.amapSettings("amap-http")
            settings.endpoint = endpoint
            return try AmapGeocoder(settings: settings, cache: cache, gazetteer: try Gazetteer.embedded(), environment: ["IIN_AMAP_KEY": Self.key])
        }
        for refused in ["http://restapi.amap.com/v3/geocode/geo", "http://10.0.0.7/geo", "ftp://127.0.0.1/geo", "http://127.evil.example/geo", "http://localhost.evil.example/geo"] {
            #expect {
                _ = try make(refused)
            } throws: { error in
                (error as? IINError)?.description.contains("the endpoint must be") == true
            }
        }
        for allowed in ["https://restapi.amap.com/v3/geocode/geo", "http://localhost:8080/geo", "http://127.0.0.1/geo", "http://[::1]:9/geo"] {
            _ = try make(allowed)
        }
        var settings = try TestSupport.geocodeDefaults().external
        settings.endpoint = "http://example.com/geo"
        #expect(settings.problems().map(\.path) == ["external.endpoint"])
    }

    /// A service that takes the connection and never answers: a sentence
    /// with the timeout and the host, not a URL error code.
    @Test func aSilentServiceTimesOutInASentence() throws {
        // It listens but never accepts: the connection waits in the backlog.
        let (listener, port) = try FakeAmapServer.listen()
        defer { close(listener) }
        let failure = try #require(try failureAsking("http://127.0.0.1:\(port)/geo", retries: 0, timeout: 1))
        #expect(failure.contains("timed out after 1 s asking 127.0.0.1"), "\(failure)")
    }

    /// The error asking a service at `endpoint` ends in; nil if it answered.
    func failureAsking(_ endpoint: String, retries: Int, timeout: Double) throws -> String? {
        var (settings, cache) = try TestSupport.amapSettings("amap-failing")
        settings.endpoint = endpoint
        settings.backoffSeconds = 0.01
        settings.retries = retries
        settings.timeoutSeconds = timeout
        let amap = try AmapGeocoder(settings: settings, cache: cache, gazetteer: try Gazetteer.embedded(), environment: ["IIN_AMAP_KEY": Self.key])
        do {
            _ = try amap.answer(for: "深圳")
            return nil
        } catch {
            return error.description
        }
    }

    @Test func aMissingKeyIsAClearError() throws {
        let (settings, cache) = try TestSupport.amapSettings("amap-none")
        do {
            let gazetteer = try Gazetteer.embedded()
            _ = try AmapGeocoder(settings: settings, cache: cache, gazetteer: gazetteer, environment: [:])
            Issue.record("no key, no error")
        } catch {
            #expect(error.description.contains("IIN_AMAP_KEY is not set"))
        }
    }

    @Test func theUnreachableServiceIsAnErrorAfterRetries() throws {
        let server = try FakeAmapServer()
        let endpoint = server.endpoint
        server.stop()
        let failure = try #require(try failureAsking(endpoint, retries: 1, timeout: 2))
        #expect(failure.contains("no answer after 2 tries"))
        #expect(failure.contains("127.0.0.1 refused the connection"), "\(failure)")
        #expect(!failure.contains(Self.key))
    }
}
