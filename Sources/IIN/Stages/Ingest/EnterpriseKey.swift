import Foundation

/// The identity of an enterprise name for deduplication and the
/// self-investment check: Unicode NFKC, all white space removed, ASCII
/// letters upper-cased.
public enum EnterpriseKey {
    public static func make(_ name: String) -> String {
        let normalized = needsNormalization(name) ? name.precomposedStringWithCompatibilityMapping : name
        var out = String.UnicodeScalarView()
        for scalar in normalized.unicodeScalars where !scalar.properties.isWhitespace {
            if scalar.value >= 0x61 && scalar.value <= 0x7A {
                out.append(Unicode.Scalar(scalar.value - 0x20)!)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// Printable ASCII and CJK unified ideographs are unchanged by NFKC;
    /// most enterprise names are nothing else, so they skip normalisation.
    static func needsNormalization(_ name: String) -> Bool {
        for scalar in name.unicodeScalars {
            let value = scalar.value
            if value < 0x80 || (value >= 0x4E00 && value <= 0x9FFF) { continue }
            return true
        }
        return false
    }
}
