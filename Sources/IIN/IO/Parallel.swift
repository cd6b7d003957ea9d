import Dispatch
import Synchronization

/// Structured parallel loops over indices: `map` blocks until every index
/// is done, so nothing outlives the data it reads.
enum Parallel {
    /// Runs `body` for 0..<count on up to `threads` threads and returns the
    /// results in index order, so callers stay deterministic whatever the
    /// thread count.
    static func map<T: Sendable>(count: Int, threads: Int, _ body: @Sendable (Int) -> T) -> [T] {
        let slots = Mutex<[T?]>(Array(repeating: nil, count: count))
        if threads <= 1 || count <= 1 {
            for index in 0..<count {
                let value = body(index)
                slots.withLock { $0[index] = value }
            }
        } else {
            let next = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: min(threads, count)) { _ in
                while true {
                    let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    if index >= count { break }
                    let value = body(index)
                    slots.withLock { $0[index] = value }
                }
            }
        }
        return slots.withLock { $0.map { $0! } }
    }
}
