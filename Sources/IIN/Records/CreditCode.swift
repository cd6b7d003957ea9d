/// Unified social credit codes (GB 32100-2015) and their embedded
/// organisation codes (GB 11714-1997).
public enum CreditCode {
    /// The 31 characters of a USCC, in value order (I, O, S, V, Z excluded).
    static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    static let organisationWeights = [3, 7, 9, 10, 5, 8, 4, 2]

    /// The 18th character for the first 17, or nil when one is not a USCC
    /// character.
    public static func checkCharacter(_ first17: some StringProtocol) -> Character? {
        guard first17.count == 17 else { return nil }
        var sum = 0
        for (character, weight) in zip(first17, weights) {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            sum += value * weight
        }
        let check = (31 - sum % 31) % 31
        return alphabet[check]
    }

    public static func isValid(_ code: some StringProtocol) -> Bool {
        guard code.count == 18, let check = checkCharacter(code.prefix(17)) else { return false }
        return code.last == check
    }

    /// The 9th character of an organisation code for its first 8 (digits
    /// and capital letters).
    public static func organisationCheck(_ first8: some StringProtocol) -> Character? {
        guard first8.count == 8 else { return nil }
        var sum = 0
        for (character, weight) in zip(first8, organisationWeights) {
            let value: Int
            if let digit = character.wholeNumberValue, character.isASCII {
                value = digit
            } else if let ascii = character.asciiValue, ascii >= 65, ascii <= 90 {
                value = Int(ascii) - 55
            } else {
                return nil
            }
            sum += value * weight
        }
        let check = 11 - sum % 11
        switch check {
        case 10: return "X"
        case 11: return "0"
        default: return Character(String(check))
        }
    }
}
