import { basename } from 'node:path';
import type { SuiteResult } from './suite.js';

/** XML 1.0 text: the five entities escaped, characters XML cannot carry dropped. */
export function xmlEscape(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * A JUnit XML report of a suite: one `<testsuite>` per scenario file, one
 * `<testcase>` per expectation (a scenario without expectations is one case);
 * a scenario that did not load is one case with an `<error>`. Times are
 * virtual boot times, not wall time.
 */
export function junitXml(suite: SuiteResult, name = 'kdsim'): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  let tests = 0;
  let failures = 0;
  let errors = 0;
  const body: string[] = [];
  for (const e of suite.entries) {
    const file = basename(e.file);
    if (e.result === null) {
      tests++;
      errors++;
      body.push(`  <testsuite name="${xmlEscape(e.name)}" file="${xmlEscape(file)}" tests="1" failures="0" errors="1">`);
      body.push(`    <testcase name="load" classname="${xmlEscape(file)}">`);
      body.push(`      <error type="${xmlEscape(e.error?.kind ?? 'error')}" message="${xmlEscape(e.error?.message ?? '')}"/>`);
      body.push('    </testcase>', '  </testsuite>');
      continue;
    }
    const r = e.result;
    const time = (r.summary.endTime / 1e9).toFixed(6);
    const cases = r.expectations.length > 0 ? r.expectations : [{ kind: 'boot', subject: 'boots', passed: true, message: '' }];
    const failed = cases.filter((c) => !c.passed).length;
    tests += cases.length;
    failures += failed;
    body.push(`  <testsuite name="${xmlEscape(r.summary.scenario)}" file="${xmlEscape(file)}" tests="${cases.length}" failures="${failed}" errors="0" time="${time}">`);
    for (const c of cases) {
      const caseName = xmlEscape(`${c.kind}: ${c.subject}`);
      if (c.passed) body.push(`    <testcase name="${caseName}" classname="${xmlEscape(file)}"/>`);
      else {
        body.push(`    <testcase name="${caseName}" classname="${xmlEscape(file)}">`);
        body.push(`      <failure type="${xmlEscape(c.kind)}" message="${xmlEscape(c.message)}">${xmlEscape(c.message)}</failure>`);
        body.push('    </testcase>');
      }
    }
    body.push('  </testsuite>');
  }
  out.push(`<testsuites name="${xmlEscape(name)}" tests="${tests}" failures="${failures}" errors="${errors}">`, ...body, '</testsuites>');
  return `${out.join('\n')}\n`;
}
