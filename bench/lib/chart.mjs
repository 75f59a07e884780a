// The chart of the report: req/s per scenario (median, with the min–max over rounds), GET and POST,
// one panel per platform. Vega-Lite compiled to Vega and rendered to SVG headless.
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { THROUGHPUT_SCENARIOS } from './catalog.mjs';

export async function renderChart(summary, { title }) {
  const values = [];
  for (const scenario of THROUGHPUT_SCENARIOS) {
    for (const method of ['GET', 'POST']) {
      const entry = summary[scenario.id]?.[method];
      if (!entry) continue;
      values.push({
        platform: scenario.platform === 'express' ? 'Express' : 'Fastify',
        scenario: scenario.label,
        order: THROUGHPUT_SCENARIOS.indexOf(scenario),
        ours: scenario.ours ? 'this package' : scenario.ceiling ? 'ceiling' : 'alternative',
        method,
        rps: Math.round(entry.rps),
        min: Math.round(entry.rpsRange[0]),
        max: Math.round(entry.rpsRange[1]),
      });
    }
  }
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, anchor: 'start', fontSize: 14 },
    data: { values },
    config: { legend: { orient: 'bottom', direction: 'horizontal' } },
    facet: {
      row: {
        field: 'platform',
        type: 'nominal',
        title: null,
        header: { labelFontSize: 13, labelFontWeight: 'bold' },
      },
    },
    resolve: { scale: { y: 'independent', x: 'independent' } },
    spec: {
      width: 460,
      height: { step: 13 },
      layer: [
        {
          mark: { type: 'bar' },
          encoding: {
            y: {
              field: 'scenario',
              type: 'nominal',
              sort: { field: 'order', op: 'min' },
              title: null,
              axis: { labelLimit: 320 },
            },
            yOffset: { field: 'method', sort: ['GET', 'POST'] },
            x: {
              field: 'rps',
              type: 'quantitative',
              title: 'requests/s (median; line: min–max over rounds)',
            },
            color: {
              field: 'method',
              type: 'nominal',
              scale: { domain: ['GET', 'POST'], range: ['#4c78a8', '#f58518'] },
              title: 'route',
            },
            opacity: {
              field: 'ours',
              type: 'ordinal',
              scale: { domain: ['this package', 'alternative', 'ceiling'], range: [1, 0.55, 0.3] },
              title: null,
            },
            tooltip: [{ field: 'scenario' }, { field: 'method' }, { field: 'rps', title: 'req/s' }],
          },
        },
        {
          mark: { type: 'rule', color: '#222' },
          encoding: {
            y: { field: 'scenario', type: 'nominal', sort: { field: 'order', op: 'min' } },
            yOffset: { field: 'method', sort: ['GET', 'POST'] },
            x: { field: 'min', type: 'quantitative' },
            x2: { field: 'max' },
          },
        },
        {
          mark: { type: 'text', align: 'left', dx: 4, fontSize: 9 },
          encoding: {
            y: { field: 'scenario', type: 'nominal', sort: { field: 'order', op: 'min' } },
            yOffset: { field: 'method', sort: ['GET', 'POST'] },
            x: { field: 'max', type: 'quantitative' },
            text: { field: 'rps', type: 'quantitative', format: ',' },
          },
        },
      ],
    },
  };
  // Vega-Lite's notes about faceted independent scales are expected here: only errors are shown.
  const compiled = compile(spec, { logger: vega.logger(vega.Error) });
  const view = new vega.View(vega.parse(compiled.spec), {
    renderer: 'none',
    logger: vega.logger(vega.Error),
  });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
