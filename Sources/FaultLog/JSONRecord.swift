/// A JSON object written with its keys in insertion order and numbers in Swift's shortest
/// round-trip form, so the same values always give the same bytes (the determinism contract).
public struct JSONRecord: Sendable {
    var text: String

    /// A record with `"type"` and `"tick"` first, as every log record has.
    public init(type: String, tick: Int64?) {
        text = "{\"type\":" + JSONRecord.quote(type)
        if let tick { text += ",\"tick\":\(tick)" }
    }

    public mutating func add(_ key: String, _ value: String) { append(key, JSONRecord.quote(value)) }
    public mutating func add(_ key: String, _ value: Int) { append(key, "\(value)") }
    public mutating func add(_ key: String, _ value: Int64) { append(key, "\(value)") }
    public mutating func add(_ key: String, _ value: UInt64) { append(key, "\(value)") }
    public mutating func add(_ key: String, _ value: Bool) { append(key, value ? "true" : "false") }
    public mutating func add(_ key: String, _ value: Double) { append(key, JSONRecord.number(value)) }
    public mutating func add(_ key: String, _ values: [Double]) {
        append(key, "[" + values.map(JSONRecord.number).joined(separator: ",") + "]")
    }
    public mutating func add(_ key: String, _ values: [String]) {
        append(key, "[" + values.map(JSONRecord.quote).joined(separator: ",") + "]")
    }
    public mutating func addNull(_ key: String) { append(key, "null") }
    /// A nested object or array already written as JSON.
    public mutating func add(_ key: String, raw json: String) { append(key, json) }
    public mutating func add(_ key: String, _ record: JSONRecord) { append(key, record.text + "}") }

    /// A nested object without type or tick.
    public static func object() -> JSONRecord { JSONRecord(rawStart: "{") }

    init(rawStart: String) { text = rawStart }

    mutating func append(_ key: String, _ json: String) {
        if text.utf8.count > 1 { text += "," }
        text += JSONRecord.quote(key) + ":" + json
    }

    /// The object's text without its closing brace.
    public var body: String { text }
    public var json: String { text + "}" }

    /// Finite numbers in shortest round-trip form; non-finite as null (JSON has no NaN).
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return "\(Int64(value))" }
        return "\(value)"
    }

    public static func quote(_ s: String) -> String {
        // Most strings (names, paths, figures) need no escape: no scalar walk for them.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + s + "\""
        }
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20: out += "\\u" + String(format4(c.value))
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func format4(_ v: UInt32) -> String {
        let hex = String(v, radix: 16)
        return String(repeating: "0", count: 4 - hex.count) + hex
    }
}
