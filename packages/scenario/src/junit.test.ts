import { describe, expect, it } from 'vitest';
import { junitXml, xmlEscape } from './junit.js';
import { parseScenario } from './scenario.js';
import { runScenario } from './runner.js';
import { ScenarioError } from './errors.js';

describe('junitXml', () => {
  it('escapes the five XML entities and drops characters XML 1.0 cannot carry', () => {
    expect(xmlEscape(`a<b>&"c'\u0001\td`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;\td');
  });

  it('writes one case per expectation, failures with their message, load errors as <error>', () => {
    const r = runScenario(parseScenario('name: "a <b> & c"\nexpect:\n  klog: { present: ["<never & never>"] }\n'));
    const err = new ScenarioError('yaml', { file: 'x.yaml', line: 1, path: '', message: 'bad "quote"' });
    const xml = junitXml({ dir: '/d', passed: 0, failed: 1, errors: 1, entries: [
      { file: '/d/a.yaml', name: 'a <b> & c', result: r, error: null },
      { file: '/d/x.yaml', name: 'x.yaml', result: null, error: err },
    ] });
    expect(xml).toContain('<testsuites name="kdsim" tests="2" failures="1" errors="1">');
    expect(xml).toContain('<testsuite name="a &lt;b&gt; &amp; c" file="a.yaml" tests="1" failures="1" errors="0"');
    expect(xml).toContain('<testcase name="klog: &lt;never &amp; never&gt;" classname="a.yaml">');
    expect(xml).toContain('<error type="yaml" message="x.yaml:1: /: bad &quot;quote&quot;"/>');
    // Balanced: every opened element is closed.
    const opened = (xml.match(/<(testsuites|testsuite|testcase|failure)[ >]/g) ?? []).length - (xml.match(/<testcase [^>]*\/>/g) ?? []).length;
    const closed = (xml.match(/<\/(testsuites|testsuite|testcase|failure)>/g) ?? []).length;
    expect(opened).toBe(closed);
  });
});
