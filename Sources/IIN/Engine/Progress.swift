import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Progress of long stage work: a bar redrawn in place on a terminal, a
/// plain line every few seconds when stderr is a pipe or a log file.
public final class ProgressReporter: Sendable {
    public enum Style: Sendable { case bar, lines, silent }

    private struct State {
        var task = ""
        var total = 0
        var done = 0
        var unit = ""
        var lastDraw = Date.distantPast
        var started = Date()
        var drewBar = false
    }

    private let style: Style
    private let state = Mutex(State())

    public init(style: Style) {
        self.style = style
    }

    public static func forStandardError() -> ProgressReporter {
        ProgressReporter(style: isatty(STDERR_FILENO) != 0 ? .bar : .lines)
    }

    public func begin(_ task: String, total: Int, unit: String) {
        state.withLock { $0 = State(task: task, total: max(total, 1), done: 0, unit: unit, lastDraw: Date(), started: Date()) }
    }

    public func advance(by amount: Int) {
        guard style != .silent else { return }
        let line: String? = state.withLock { state in
            state.done += amount
            let now = Date()
            let interval: TimeInterval = style == .bar ? 0.1 : 5
            guard now.timeIntervalSince(state.lastDraw) >= interval else { return nil }
            state.lastDraw = now
            if style == .bar { state.drewBar = true }
            return Self.render(state, bar: style == .bar)
        }
        if let line { StandardError.write(line) }
    }

    public func finish() {
        let clear: Bool = state.withLock { state in
            defer { state.drewBar = false }
            return state.drewBar
        }
        if clear { StandardError.write("\r\u{1B}[K") }
    }

    private static func render(_ state: State, bar: Bool, now: Date = Date()) -> String {
        let fraction = min(1, Double(state.done) / Double(state.total))
        let percent = Int(fraction * 100)
        let pace = Self.pace(done: state.done, total: state.total, unit: state.unit, seconds: now.timeIntervalSince(state.started))
        if bar {
            let width = 30
            let filled = Int(fraction * Double(width))
            return "\r  \(state.task) [" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] \(percent)% \(state.done)/\(state.total) \(state.unit)\(pace)\u{1B}[K"
        }
        return "  \(state.task): \(percent)% (\(state.done) of \(state.total) \(state.unit)\(pace))\n"
    }

    /// ", 85.2 MB/s, about 12 s left": the rate so far and the time the
    /// rest takes at it; empty until there is a rate to tell.
    static func pace(done: Int, total: Int, unit: String, seconds: Double) -> String {
        guard seconds > 0.05, done > 0 else { return "" }
        let rate = Double(done) / seconds
        let rateText = unit == "bytes" ? String(format: "%.1f MB/s", rate / 1_048_576)
            : rate < 10 ? String(format: "%.1f %@/s", rate, unit) : String(format: "%.0f %@/s", rate, unit)
        let left = Double(max(0, total - done)) / rate
        let leftText = left < 60 ? "\(Int(left.rounded(.up))) s" : String(format: "%d min %02d s", Int(left) / 60, Int(left) % 60)
        return ", \(rateText), about \(leftText) left"
    }
}
