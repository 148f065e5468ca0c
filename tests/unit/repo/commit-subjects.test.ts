// Commit subjects stay short (issue #19: "commit subjects ≤ 72 characters from now on"): every commit since the
// rule began, read from this clone's own history.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** The first commit made under the rule; older subjects are history and stay as they are. */
const RULE_SINCE = '851cb93';
const MAX_SUBJECT = 72;

function git(args: string[]): string {
  return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('commit subjects', () => {
  it(`are at most ${MAX_SUBJECT} characters for every commit since the rule began`, () => {
    // A clone without that commit (shallow, or not a clone) cannot be checked: say so rather than pass.
    expect(
      () => git(['cat-file', '-e', `${RULE_SINCE}^{commit}`]),
      `commit ${RULE_SINCE} is not in this clone (shallow?)`,
    ).not.toThrow();
    const subjects = git(['log', '--format=%h %s', `${RULE_SINCE}^..HEAD`])
      .split('\n')
      .filter(Boolean);
    expect(subjects.length).toBeGreaterThan(0);
    const long = subjects.filter((line) => [...line.slice(line.indexOf(' ') + 1)].length > MAX_SUBJECT);
    expect(long).toEqual([]);
  });
});
