import Foundation
import Yams

/// Reads a Yams node tree field by field, collecting every problem as a ``Diagnostic`` with
/// the file, line, column and dotted field path, instead of stopping at the first one.
final class YAMLReader {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String) {
        self.file = file
    }

    /// Parses `text` into a node tree; on a syntax error records a diagnostic and returns nil.
    func compose(_ text: String) -> Node? {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                report(line: 1, column: 1, field: "", "the file is empty")
                return nil
            }
            return node
        } catch let error as YamlError {
            switch error {
            case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
                let .composer(context, problem, mark, _):
                let prefix = context.map { "\($0.text) " } ?? ""
                report(line: mark.line, column: mark.column, field: "", "not valid YAML: \(prefix)\(problem)")
            case let .duplicatedKeysInMapping(duplicates, context):
                report(
                    line: context.mark.line, column: context.mark.column, field: "",
                    "duplicate key\(duplicates.count == 1 ? "" : "s") \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in one mapping")
            default:
                report(line: 1, column: 1, field: "", "not valid YAML: \(error)")
            }
            return nil
        } catch {
            report(line: 1, column: 1, field: "", "not valid YAML: \(error)")
            return nil
        }
    }

    func location(_ node: Node) -> FileLocation {
        let mark = node.mark
        return FileLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    func report(_ field: Field, _ message: String) {
        diagnostics.append(Diagnostic(location: location(field.node), field: field.path, message: message))
    }

    func report(line: Int, column: Int, field: String, _ message: String) {
        diagnostics.append(
            Diagnostic(location: FileLocation(file: file, line: line, column: column), field: field, message: message))
    }

    var hasErrors: Bool { !diagnostics.isEmpty }
}

/// A node and its dotted path from the document root.
struct Field {
    var node: Node
    var path: String

    func child(_ key: String, _ node: Node) -> Field {
        Field(node: node, path: path.isEmpty ? key : "\(path).\(key)")
    }

    func element(_ index: Int, _ node: Node) -> Field {
        Field(node: node, path: "\(path)[\(index)]")
    }

    /// The scalar's text as written, for messages.
    var text: String {
        switch node {
        case let .scalar(scalar): return scalar.string
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    var isNull: Bool {
        if case let .scalar(scalar) = node {
            return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
        }
        return false
    }
}

/// Reads a mapping's keys, remembering which were used so that unknown keys are reported.
final class MappingReader {
    let reader: YAMLReader
    let field: Field
    private var pairs: [(key: String, keyNode: Node, value: Node)] = []
    private var used: Set<String> = []
    private var allowed: [String] = []

    /// Nil (with a diagnostic) when `field` is not a mapping.
    init?(_ reader: YAMLReader, _ field: Field) {
        guard case let .mapping(mapping) = field.node else {
            reader.report(field, "expected a mapping (key: value lines), got \(field.describedKind)")
            return nil
        }
        self.reader = reader
        self.field = field
        for (key, value) in mapping {
            pairs.append((key.string ?? "\(key)", key, value))
        }
    }

    /// The value of `key`; reports it missing when absent (or null).
    func required(_ key: String, _ what: String = "") -> Field? {
        allowed.append(key)
        used.insert(key)
        guard let pair = pairs.first(where: { $0.key == key }) else {
            let hint = what.isEmpty ? "" : " (\(what))"
            reader.report(field, "missing required field '\(key)'\(hint)")
            return nil
        }
        let child = field.child(key, pair.value)
        if child.isNull {
            reader.report(child, "'\(key)' has no value")
            return nil
        }
        return child
    }

    /// The value of `key`, or nil when absent.
    func optional(_ key: String) -> Field? {
        allowed.append(key)
        used.insert(key)
        guard let pair = pairs.first(where: { $0.key == key }) else { return nil }
        return field.child(key, pair.value)
    }

    func contains(_ key: String) -> Bool { pairs.contains { $0.key == key } }

    /// Every key of the mapping, in file order.
    var keys: [String] { pairs.map(\.key) }

    /// Reports every key that no `required`/`optional` call asked for.
    func rejectUnknownKeys() {
        for pair in pairs where !used.contains(pair.key) {
            let keyField = field.child(pair.key, pair.keyNode)
            var message = "unknown field '\(pair.key)'"
            if let suggestion = closest(pair.key, in: allowed) {
                message += "; did you mean '\(suggestion)'?"
            } else {
                message += " (expected one of: \(allowed.joined(separator: ", ")))"
            }
            reader.report(keyField, message)
        }
    }
}

extension Field {
    var describedKind: String {
        switch node {
        case let .scalar(scalar): return "'\(scalar.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}

/// The allowed key nearest to `key` by edit distance, if it is close enough to be a typo.
func closest(_ key: String, in candidates: [String]) -> String? {
    var best: (String, Int)?
    for candidate in candidates {
        let d = editDistance(Array(key), Array(candidate))
        if d <= max(2, key.count / 4), best == nil || d < best!.1 { best = (candidate, d) }
    }
    return best?.0
}

private func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

// MARK: - Scalars

extension YAMLReader {
    /// The scalar text of `field`, or nil (with a diagnostic) if it is not a scalar.
    func scalar(_ field: Field) -> String? {
        guard case let .scalar(scalar) = field.node else {
            report(field, "expected a single value, got \(field.describedKind)")
            return nil
        }
        return scalar.string
    }

    func string(_ field: Field) -> String? {
        guard let text = scalar(field) else { return nil }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            report(field, "must not be empty")
            return nil
        }
        return text
    }

    func bool(_ field: Field) -> Bool? {
        guard let text = scalar(field) else { return nil }
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default:
            report(field, "expected true or false, got '\(text)'")
            return nil
        }
    }

    /// A dimensionless finite number.
    func number(_ field: Field) -> Double? {
        guard let text = scalar(field) else { return nil }
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)) ?? field.node.float else {
            report(field, "expected a number, got '\(text)'")
            return nil
        }
        guard value.isFinite else {
            report(field, "'\(text)' is not a finite number")
            return nil
        }
        return value
    }

    func integer(_ field: Field, in range: ClosedRange<Int>) -> Int? {
        guard let text = scalar(field) else { return nil }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
            report(field, "expected a whole number, got '\(text)'")
            return nil
        }
        guard range.contains(value) else {
            report(field, "\(value) is out of range (\(range.lowerBound)…\(range.upperBound))")
            return nil
        }
        return value
    }

    /// A physical value with its unit, converted to SI.
    func quantity(_ field: Field, _ dimension: PhysicalDimension) -> Double? {
        guard let text = scalar(field) else { return nil }
        switch Quantity.parse(text, as: dimension) {
        case let .success(value):
            return value
        case .failure(.missingUnit):
            report(field, "'\(text)' has no unit: expected \(dimension.expectation), e.g. '\(text) \(dimension.units[0].name)' if it is in SI units")
        case let .failure(.wrongUnit(unit)):
            report(field, "'\(unit)' is not a unit of \(dimension.expectation)")
        case .failure(.notANumber):
            report(field, "'\(text)' is not a finite number with a unit: expected \(dimension.expectation)")
        }
        return nil
    }

    /// One of an enumeration's raw values.
    func choice<T: RawRepresentable & CaseIterable>(_ field: Field, _ type: T.Type) -> T? where T.RawValue == String {
        guard let text = scalar(field) else { return nil }
        if let value = T(rawValue: text) { return value }
        let options = T.allCases.map(\.rawValue)
        var message = "'\(text)' is not one of: \(options.joined(separator: ", "))"
        if let suggestion = closest(text, in: options) { message += "; did you mean '\(suggestion)'?" }
        report(field, message)
        return nil
    }

    /// The elements of a list, or nil (with a diagnostic) when it is not a list.
    func sequence(_ field: Field, count expected: Int? = nil, what: String = "values") -> [Field]? {
        guard case let .sequence(sequence) = field.node else {
            report(field, "expected a list, got \(field.describedKind)")
            return nil
        }
        let elements = sequence.enumerated().map { field.element($0.offset, $0.element) }
        if let expected, elements.count != expected {
            report(field, "expected \(expected) \(what), got \(elements.count)")
            return nil
        }
        return elements
    }
}
