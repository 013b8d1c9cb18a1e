import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
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

    static func strings() -> [String] {
        // No tab or carriage return: a parser turns those into spaces in attribute values
        // (attribute-value normalisation), as XML says, so they cannot round-trip there.
        let alphabet: [Unicode.Scalar] = ["a", "Z", "0", " ", "&", "<", ">", "\"", "'", "\n", "\u{1}", "\u{1f}", "é", "µ", "—", "😀", ";", "#"]
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        var strings = ["", "plain", "a & b", "<tag>", "\"quoted\"", "x > 5 mm — 0.4 ms", "two\nlines", "\u{7}bell"]
        for _ in 0..<2000 {
            var text = String.UnicodeScalarView()
            state = state &* 6364136223846793005 &+ 1442695040888963407
            for _ in 0..<Int(state >> 60) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                text.append(alphabet[Int(state >> 33) % alphabet.count])
            }
            strings.append(String(text))
        }
        return strings
    }

    @Test func escapedTextAndAttributesParseBack() {
        for string in Self.strings() {
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
