import Foundation

/// A line chart as inline SVG: no scripts, no fonts or styles fetched from anywhere.
struct SVGPlot {
    struct Series {
        var name: String
        var color: String
        var values: [Float]
        var dashed = false
    }

    struct Band {
        var from: Double
        var to: Double
        var label: String
        /// For readers of the page's source (and tests): the ticks the band spans.
        var ticks: (Int, Int)? = nil
    }

    struct Marker {
        var at: Double
        var label: String
        var color: String
        var tick: Int? = nil
    }

    var title: String
    var unit: String
    var width = 860.0
    var height = 190.0
    /// x of sample i is `xStart + i × xStep`.
    var xStart = 0.0
    var xStep = 1.0
    var xLabel = "time (s)"
    var series: [Series] = []
    var bands: [Band] = []
    var markers: [Marker] = []
    /// Horizontal reference lines (a bound), with a label.
    var levels: [(value: Double, label: String)] = []

    let left = 64.0, right = 16.0, top = 26.0, bottom = 34.0

    func render() -> String {
        let count = series.map(\.values.count).max() ?? 0
        let xEnd = xStart + Double(max(count - 1, 1)) * xStep
        var lo = Double.infinity, hi = -Double.infinity
        for s in series {
            for v in s.values where v.isFinite {
                lo = min(lo, Double(v))
                hi = max(hi, Double(v))
            }
        }
        for level in levels {
            lo = min(lo, level.value)
            hi = max(hi, level.value)
        }
        if !lo.isFinite {
            lo = 0
            hi = 1
        }
        if hi - lo < 1e-9 {
            let pad = max(abs(hi) * 0.05, 1e-3)
            lo -= pad
            hi += pad
        } else {
            let pad = (hi - lo) * 0.06
            lo -= pad
            hi += pad
        }
        let plotW = width - left - right, plotH = height - top - bottom
        func x(_ t: Double) -> Double { left + (t - xStart) / (xEnd - xStart) * plotW }
        func y(_ v: Double) -> Double { top + (hi - v) / (hi - lo) * plotH }

        var svg = """
            <svg viewBox="0 0 \(svgNumber(width)) \(svgNumber(height))" width="\(svgNumber(width))" height="\(svgNumber(height))" role="img" aria-label="\(escape(title))">
            <text x="\(svgNumber(left))" y="16" class="t">\(escape(title)) <tspan class="u">(\(escape(unit)))</tspan></text>
            <rect x="\(svgNumber(left))" y="\(svgNumber(top))" width="\(svgNumber(plotW))" height="\(svgNumber(plotH))" class="frame"/>

            """
        for band in bands {
            let x0 = max(x(band.from), left), x1 = min(x(band.to), left + plotW)
            guard x1 > x0 || x1 == x0 else { continue }
            let data = band.ticks.map { " data-from-tick=\"\($0.0)\" data-to-tick=\"\($0.1)\"" } ?? ""
            svg += "<rect x=\"\(svgNumber(x0))\" y=\"\(svgNumber(top))\" width=\"\(svgNumber(max(x1 - x0, 1.5)))\" height=\"\(svgNumber(plotH))\" class=\"fault\"\(data)><title>\(escape(band.label))</title></rect>\n"
        }
        for tick in ticks(lo, hi, 4) {
            svg += "<line x1=\"\(svgNumber(left))\" x2=\"\(svgNumber(left + plotW))\" y1=\"\(svgNumber(y(tick)))\" y2=\"\(svgNumber(y(tick)))\" class=\"grid\"/>"
            svg += "<text x=\"\(svgNumber(left - 6))\" y=\"\(svgNumber(y(tick) + 4))\" class=\"ya\">\(axisLabel(tick))</text>\n"
        }
        for tick in ticks(xStart, xEnd, 8) {
            svg += "<text x=\"\(svgNumber(x(tick)))\" y=\"\(svgNumber(top + plotH + 14))\" class=\"xa\">\(axisLabel(tick))</text>"
        }
        svg += "<text x=\"\(svgNumber(left + plotW))\" y=\"\(svgNumber(height - 4))\" class=\"xl\">\(escape(xLabel))</text>\n"
        for level in levels {
            svg += "<line x1=\"\(svgNumber(left))\" x2=\"\(svgNumber(left + plotW))\" y1=\"\(svgNumber(y(level.value)))\" y2=\"\(svgNumber(y(level.value)))\" class=\"bound\"/>"
            svg += "<text x=\"\(svgNumber(left + plotW - 4))\" y=\"\(svgNumber(y(level.value) - 4))\" class=\"bl\">\(escape(level.label))</text>\n"
        }
        for s in series {
            let points = decimate(s.values, buckets: Int(plotW / 2))
            var path = ""
            var pen = false
            for (i, v) in points {
                guard v.isFinite else {
                    pen = false
                    continue
                }
                path += "\(pen ? "L" : "M")\(svgNumber(x(xStart + Double(i) * xStep))) \(svgNumber(y(Double(v))))"
                pen = true
            }
            svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.5\"\(s.dashed ? " stroke-dasharray=\"5 3\"" : "")><title>\(escape(s.name))</title></path>\n"
        }
        // Labels of trips close together go on the next row down, so that they do not overprint
        // each other (about 5.5 px per character at 10 px).
        var rowEnds: [Double] = []
        for marker in markers.sorted(by: { $0.at < $1.at }) {
            let mx = x(marker.at)
            let data = marker.tick.map { " data-tick=\"\($0)\"" } ?? ""
            svg += "<line x1=\"\(svgNumber(mx))\" x2=\"\(svgNumber(mx))\" y1=\"\(svgNumber(top))\" y2=\"\(svgNumber(top + plotH))\" stroke=\"\(marker.color)\" class=\"trip\"\(data)><title>\(escape(marker.label))</title></line>"
            let row = rowEnds.firstIndex { $0 < mx } ?? rowEnds.count
            let end = mx + 3 + Double(marker.label.count) * 5.5
            if row == rowEnds.count { rowEnds.append(end) } else { rowEnds[row] = end }
            svg += "<text x=\"\(svgNumber(mx + 3))\" y=\"\(svgNumber(top + 11 + 11 * Double(row)))\" class=\"tl\" fill=\"\(marker.color)\">\(escape(marker.label))</text>\n"
        }
        // Legend, right-aligned above the plot.
        var lx = width - right - series.reduce(0) { $0 + 30 + Double($1.name.count) * 6.5 }
        for s in series {
            svg += "<line x1=\"\(svgNumber(lx))\" x2=\"\(svgNumber(lx + 18))\" y1=\"12\" y2=\"12\" stroke=\"\(s.color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"5 3\"" : "")/>"
            svg += "<text x=\"\(svgNumber(lx + 22))\" y=\"16\" class=\"lg\">\(escape(s.name))</text>"
            lx += 30 + Double(s.name.count) * 6.5
        }
        return svg + "</svg>\n"
    }

    /// At most about 2 × `buckets` points: each bucket keeps its first, minimum and maximum
    /// samples, so spikes survive.
    func decimate(_ values: [Float], buckets: Int) -> [(Int, Float)] {
        guard values.count > 2 * buckets, buckets > 0 else { return values.enumerated().map { ($0.offset, $0.element) } }
        var out: [(Int, Float)] = []
        let size = Double(values.count) / Double(buckets)
        for b in 0..<buckets {
            let start = Int(Double(b) * size), end = min(values.count, Int(Double(b + 1) * size))
            guard start < end else { continue }
            var minI = start, maxI = start
            for i in start..<end where values[i].isFinite {
                if !values[minI].isFinite || values[i] < values[minI] { minI = i }
                if !values[maxI].isFinite || values[i] > values[maxI] { maxI = i }
            }
            for i in Set([start, minI, maxI]).sorted() { out.append((i, values[i])) }
        }
        return out
    }

    func ticks(_ lo: Double, _ hi: Double, _ count: Int) -> [Double] {
        let span = hi - lo
        guard span > 0, span.isFinite else { return [lo] }
        let raw = span / Double(count)
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var t = (lo / step).rounded(.up) * step
        var result: [Double] = []
        while t <= hi + step * 1e-9 && result.count < 50 {
            result.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return result
    }

}

/// A number for an axis or a caption: three significant figures, no trailing ".0".
func axisLabel(_ v: Double) -> String {
    let a = abs(v)
    if a == 0 { return "0" }
    if a >= 1000 || a < 0.01 { return String(format: "%.3g", v) }
    if a >= 100 { return String(format: "%.0f", v) }
    if a >= 10 { return String(format: "%.1f", v).replacingOccurrences(of: ".0", with: "") }
    return String(format: "%.3g", v)
}

/// An SVG coordinate, one decimal.
func svgNumber(_ v: Double) -> String { String(format: "%.1f", v) }

/// Text for HTML, in element content or in a quoted attribute: the XML escaping of JUnit's
/// `text` (code point by code point, control characters dropped), and both quotes.
func escape(_ s: String) -> String {
    text(s).replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
}
