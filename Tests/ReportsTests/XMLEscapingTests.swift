import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PropertyBased
@testable import Reports
import Testing

/// JUnit files carry every scenario name, message and figure through `text` and `attr`. An XML
/// parser nobody here wrote must read back exactly what was escaped, less the control
/// characters XML 1.0 cannot hold.
@Suite struct XMLEscapingTests {
    final class Reader: NSObject, XMLParserDelegate {
        var attribute: String?
        var characters = ""
        func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            if element == "e" { attribute = attributes["v"] }
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { characters += string }
    }

    // No tab or carriage return: a parser turns those into spaces in attribute values
    // (attribute-value normalisation), as XML says, so they cannot round-trip there.
    static let alphabet: [Unicode.Scalar] = ["a", "Z", "0", " ", "&", "<", ">", "\"", "'", "\n", "\u{1}", "\u{1f}", "é", "µ", "—", "😀", ";", "#"]

    @Test func escapedTextAndAttributesParseBack() async {
        let strings = Gen<Unicode.Scalar?>.element(of: Self.alphabet).map { $0! }.array(of: 0...15).map { String(String.UnicodeScalarView($0)) }
        await propertyCheck(count: 2000, input: strings) { string in
            let document = "<e v=\(attr(string))>\(text(string))</e>"
            let reader = Reader()
            let parser = XMLParser(data: Data(document.utf8))
            parser.delegate = reader
            #expect(parser.parse(), "\(document)")
            let kept = String(String.UnicodeScalarView(string.unicodeScalars.filter { $0.value >= 0x20 || $0 == "\n" }))
            #expect(reader.attribute == kept, "\(document)")
            #expect(reader.characters == kept, "\(document)")
        }
    }

    @Test func textWithNothingToEscapeIsUnchanged() {
        #expect(text("PSM nominal move, seed 3") == "PSM nominal move, seed 3")
        #expect(attr("it's fine") == "\"it's fine\"")
        #expect(text("a<b & c>d") == "a&lt;b &amp; c&gt;d")
        #expect(attr("say \"hi\"\nbye") == "\"say &quot;hi&quot;&#10;bye\"")
    }
}
