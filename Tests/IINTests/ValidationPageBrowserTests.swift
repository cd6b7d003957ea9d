import Foundation
import Testing
@testable import IIN

/// The validation page as a reviewer sees it: rendered by a real browser
/// (headless Chromium, Debian's `chromium`, with `fonts-noto-cjk` for the
/// city names; .ci/run installs both). A script added to a copy of the
/// page (the page itself has none) measures what the browser laid out and
/// writes it into the DOM, which `--dump-dom` prints.
@Suite("Validation page in a browser")
struct ValidationPageBrowserTests {
    static let browser = ["chromium", "chromium-browser", "google-chrome"].lazy.compactMap { TestSupport.findExecutable($0) }.first

    static let probe = """
        <script>
        window.addEventListener('load', () => {
          const width = document.documentElement.clientWidth;
          const overflow = [];
          for (const element of document.body.querySelectorAll('*')) {
            // Marks inside a chart are clipped by it; the chart itself counts.
            if (element.closest('svg') && !element.matches('svg.chart')) continue;
            if (element.matches('svg[aria-hidden]')) continue;
            const box = element.getBoundingClientRect();
            if (box.width > 0 && (box.right > width + 0.5 || box.left < -0.5)) {
              overflow.push(element.tagName + (element.id ? '#' + element.id : '') + ' ' + Math.round(box.left) + '..' + Math.round(box.right));
            }
          }
          const charts = [];
          for (const svg of document.querySelectorAll('svg.chart')) {
            const name = svg.getAttribute('data-chart');
            const problems = [];
            if (!svg.querySelector(':scope > title') || !svg.querySelector(':scope > title').textContent.trim()) problems.push('no <title>');
            const heading = svg.querySelector('text.chart-title');
            if (!heading || !heading.textContent.trim()) {
              problems.push('no visible title');
            } else {
              heading.scrollIntoView({block: 'center'});
              const box = heading.getBoundingClientRect(), frame = svg.getBoundingClientRect();
              if (box.width < 1 || box.height < 1) problems.push('title has no size');
              if (box.left < frame.left - 0.5 || box.right > frame.right + 0.5 || box.top < frame.top - 0.5) problems.push('title outside the chart');
              const top = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
              if (top !== heading && !heading.contains(top)) problems.push('title covered by ' + (top ? top.tagName + '.' + top.getAttribute('class') : 'nothing'));
            }
            const legend = svg.querySelector('g.legend');
            if (!legend || legend.querySelectorAll('text').length === 0) {
              problems.push('no legend');
            } else {
              const box = legend.getBoundingClientRect(), frame = svg.getBoundingClientRect();
              if (box.width < 1) problems.push('legend has no size');
              if (box.right > frame.right + 0.5 || box.bottom > frame.bottom + 0.5) problems.push('legend outside the chart');
            }
            charts.push({name, problems});
          }
          const resources = performance.getEntriesByType('resource').map(entry => entry.name);
          const report = document.createElement('pre');
          report.id = 'iin-probe';
          report.textContent = JSON.stringify({width, overflow, charts, resources});
          document.body.appendChild(report);
        });
        </script>
        """

    struct Probe: Decodable {
        struct Chart: Decodable {
            var name: String
            var problems: [String]
        }

        var width: Double
        var overflow: [String]
        var charts: [Chart]
        var resources: [String]
    }

    /// The page of the default run, probed at `width` CSS pixels.
    static func probe(_ page: URL, width: Int) throws -> Probe {
        let folder = page.deletingLastPathComponent().appendingPathComponent("probe-\(width)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let copy = folder.appendingPathComponent("validation.html")
        let html = try String(contentsOf: page, encoding: .utf8)
        try html.replacingOccurrences(of: "</body>", with: probe + "</body>").write(to: copy, atomically: true, encoding: .utf8)
        let browser = try #require(browser, "no chromium")
        let (status, output) = try TestSupport.runTool(URL(fileURLWithPath: browser).lastPathComponent, [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=\(width),1000",
            "--virtual-time-budget=10000", "--user-data-dir=\(folder.appendingPathComponent("profile").path)", "--dump-dom", copy.absoluteString,
        ])
        #expect(status == 0, "\(output.suffix(2000))")
        let start = try #require(output.range(of: "<pre id=\"iin-probe\">"), "the probe wrote nothing: \(output.suffix(2000))")
        let end = try #require(output.range(of: "</pre>", range: start.upperBound..<output.endIndex))
        let json = output[start.upperBound..<end.lowerBound].replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
        return try JSONDecoder().decode(Probe.self, from: Data(json.utf8))
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["CI"] != nil || browser != nil, "install chromium (.ci/run does)"))
    func theReportFitsThePageAndEveryChartHasATitleAndALegend() throws {
        let release = try TestSupport.defaultRelease()
        let page = release.appendingPathComponent(ValidateStage.pageFile)
        for width in [1400, 1024] {
            let probe = try Self.probe(page, width: width)
            #expect(probe.overflow == [], "at \(width) px these run past the page: \(probe.overflow.prefix(10))")
            // The default run has every section: mobility, gravity, decay,
            // maps (one of degree and links, three per slice), communities.
            #expect(probe.charts.count >= 20, "\(probe.charts.map(\.name))")
            for chart in probe.charts { #expect(chart.problems == [], "\(chart.name) at \(width) px: \(chart.problems)") }
            #expect(probe.charts.contains { $0.name == "map-communities" })
            #expect(probe.charts.contains { $0.name == "choropleth-2020-node-degree" })
            #expect(probe.resources == [], "the page fetched \(probe.resources)")
        }
    }
}
