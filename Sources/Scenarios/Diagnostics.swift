/// Where something is in an input file: 1-based line and column.
public struct FileLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// One problem found in an input file: where, which field, and what is wrong.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    public var location: FileLocation
    /// The dotted path of the field, e.g. `safety.tracking_error.limits[2]`.
    public var field: String
    public var message: String

    public init(location: FileLocation, field: String, message: String) {
        self.location = location
        self.field = field
        self.message = message
    }

    /// `file:line:column: error: field: message` — the form editors and CI logs make clickable.
    public var description: String {
        field.isEmpty ? "\(location): error: \(message)" : "\(location): error: \(field): \(message)"
    }
}

/// An input file that is not valid. Holds every problem found, in file order.
public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    /// Each file's diagnostics by line and column, the files in the order they first appear
    /// (a scenario's line that says its profile's problems follow comes before those problems).
    public init(_ diagnostics: [Diagnostic]) {
        var fileOrder: [String: Int] = [:]
        for d in diagnostics where fileOrder[d.location.file] == nil { fileOrder[d.location.file] = fileOrder.count }
        self.diagnostics = diagnostics.enumerated().sorted { a, b in
            let (x, y) = (a.element.location, b.element.location)
            return (fileOrder[x.file]!, x.line, x.column, a.offset) < (fileOrder[y.file]!, y.line, y.column, b.offset)
        }.map(\.element)
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
