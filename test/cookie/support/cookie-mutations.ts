/**
 * Deterministic mutations of valid session cookies: none of them may be accepted. Each case is
 * the whole set of session cookies a client sends.
 */
export interface CookieMutation {
  readonly label: string;
  readonly cookies: Record<string, string>;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const INSERTABLE = `${ALPHABET}.~!*'()%`;

/** A small seeded generator, so a failure names a case that reproduces. */
function random(seed: number): (below: number) => number {
  let state = seed >>> 0;
  return (below) => {
    state = (Math.imul(state ^ (state >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    return state % below;
  };
}

function replaceAt(text: string, index: number, char: string): string {
  return text.slice(0, index) + char + text.slice(index + 1);
}

function b64(json: object): string {
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}

/** Character-level mutations of one cookie value: flips at every position, truncations, insertions, deletions. */
export function valueMutations(value: string, name: string, seed: number): CookieMutation[] {
  const next = random(seed);
  const cases: CookieMutation[] = [];
  for (let index = 0; index < value.length; index++) {
    let char = ALPHABET[next(ALPHABET.length)];
    if (char === value[index]) char = value[index] === 'A' ? 'B' : 'A';
    cases.push({ label: `flip ${index}`, cookies: { [name]: replaceAt(value, index, char) } });
  }
  for (let count = 0; count < 100; count++) {
    const cut = 1 + next(value.length - 1);
    cases.push({ label: `truncate to ${cut}`, cookies: { [name]: value.slice(0, cut) } });
    cases.push({ label: `drop first ${cut}`, cookies: { [name]: value.slice(cut) } });
  }
  for (let count = 0; count < 100; count++) {
    const at = next(value.length + 1);
    const char = INSERTABLE[next(INSERTABLE.length)];
    cases.push({
      label: `insert ${char} at ${at}`,
      cookies: { [name]: value.slice(0, at) + char + value.slice(at) },
    });
    const gone = next(value.length);
    cases.push({
      label: `delete ${gone}`,
      cookies: { [name]: value.slice(0, gone) + value.slice(gone + 1) },
    });
  }
  // The last character of a base64url part carries spare bits: a non-canonical twin decodes alike.
  const parts = value.split('.');
  parts.forEach((part, index) => {
    if (!part) return;
    const last = ALPHABET.indexOf(part[part.length - 1]);
    const twin = ALPHABET[last ^ 1];
    const changed = [...parts];
    changed[index] = part.slice(0, -1) + twin;
    cases.push({ label: `spare bits of part ${index}`, cookies: { [name]: changed.join('.') } });
  });
  return cases;
}

/** Structural mutations of a compact JWE: parts swapped, dropped, duplicated, re-headed. */
export function jweMutations(value: string, name: string): CookieMutation[] {
  const [header, key, iv, ciphertext, tag] = value.split('.');
  const kid = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string }).kid;
  const reheaded: Record<string, object> = {
    'alg none': { alg: 'none', enc: 'A256GCM', kid },
    'alg none alone': { alg: 'none' },
    'enc A128GCM': { alg: 'dir', enc: 'A128GCM', kid },
    'enc A256CBC-HS512': { alg: 'dir', enc: 'A256CBC-HS512', kid },
    'alg A256KW': { alg: 'A256KW', enc: 'A256GCM', kid },
    'alg PBES2': { alg: 'PBES2-HS256+A128KW', enc: 'A256GCM', kid, p2c: 1000, p2s: 'c2FsdA' },
    'alg HS256 (a JWS header)': { alg: 'HS256', kid },
    'unknown kid': { alg: 'dir', enc: 'A256GCM', kid: 'AAAAAAAA' },
    'no kid': { alg: 'dir', enc: 'A256GCM' },
    'kid not a string': { alg: 'dir', enc: 'A256GCM', kid: 7 },
    'zip DEF': { alg: 'dir', enc: 'A256GCM', kid, zip: 'DEF' },
    'crit extension': { alg: 'dir', enc: 'A256GCM', kid, crit: ['exp'], exp: 1 },
    'header reordered': { kid, enc: 'A256GCM', alg: 'dir' },
  };
  const cases: CookieMutation[] = Object.entries(reheaded).map(([label, json]) => ({
    label: `re-headed: ${label}`,
    cookies: { [name]: [b64(json), key, iv, ciphertext, tag].join('.') },
  }));
  const shapes: Record<string, string[]> = {
    'iv and tag swapped': [header, key, tag, ciphertext, iv],
    'no tag': [header, key, iv, ciphertext],
    'empty tag': [header, key, iv, ciphertext, ''],
    'empty ciphertext': [header, key, iv, '', tag],
    'encrypted key added': [header, iv, iv, ciphertext, tag],
    'six parts': [header, key, iv, ciphertext, tag, tag],
    'as a JWS': [header, ciphertext, tag],
    'ciphertext doubled': [header, key, iv, ciphertext + ciphertext, tag],
    'header only': [header],
  };
  for (const [label, parts] of Object.entries(shapes))
    cases.push({ label, cookies: { [name]: parts.join('.') } });
  for (const junk of [
    '',
    'x',
    '.....',
    'null',
    '{}',
    'eyJhbGciOiJub25lIn0..',
    '%E0%A4%A',
    'x'.repeat(3000),
  ]) {
    cases.push({ label: `junk ${JSON.stringify(junk.slice(0, 12))}`, cookies: { [name]: junk } });
  }
  return cases;
}

/**
 * Mutations of a session in chunks (`name.0` carries `<count>~`): chunks dropped, swapped,
 * duplicated, mixed with another session's, the count changed, bytes flipped inside.
 */
export function chunkMutations(
  chunks: Record<string, string>,
  otherSession: Record<string, string>,
  name: string,
  seed: number,
): CookieMutation[] {
  const next = random(seed);
  const names = Object.keys(chunks).sort();
  const cases: CookieMutation[] = [];
  const without = (dropped: string) =>
    Object.fromEntries(Object.entries(chunks).filter(([key]) => key !== dropped));
  for (const dropped of names) cases.push({ label: `drop ${dropped}`, cookies: without(dropped) });
  for (const a of names) {
    for (const b of names) {
      if (a >= b) continue;
      cases.push({
        label: `swap ${a} and ${b}`,
        cookies: { ...chunks, [a]: chunks[b], [b]: chunks[a] },
      });
      cases.push({ label: `${a} duplicated into ${b}`, cookies: { ...chunks, [b]: chunks[a] } });
    }
  }
  for (const mixed of names) {
    if (otherSession[mixed])
      cases.push({
        label: `${mixed} from another session`,
        cookies: { ...chunks, [mixed]: otherSession[mixed] },
      });
  }
  const first = chunks[`${name}.0`];
  const body = first.slice(first.indexOf('~') + 1);
  // (' 2~' is not in the list: cookie parsers trim the value, so it is the unmutated cookie.)
  for (const count of ['0', '1', '3', '9', '02', '002', '+2', '-2', '2.0', '2e0', 'a', '']) {
    cases.push({
      label: `count ${JSON.stringify(count)}`,
      cookies: { ...chunks, [`${name}.0`]: `${count}~${body}` },
    });
  }
  cases.push({ label: 'no count', cookies: { ...chunks, [`${name}.0`]: body } });
  cases.push({
    label: 'joined value as the unchunked cookie',
    cookies: { [name]: names.map((key) => chunks[key]).join('') },
  });
  for (let count = 0; count < 300; count++) {
    const target = names[next(names.length)];
    const value = chunks[target];
    const at = next(value.length);
    let char = ALPHABET[next(ALPHABET.length)];
    if (char === value[at]) char = value[at] === 'A' ? 'B' : 'A';
    cases.push({
      label: `flip ${target}[${at}]`,
      cookies: { ...chunks, [target]: replaceAt(value, at, char) },
    });
  }
  for (let count = 0; count < 40; count++) {
    const target = names[next(names.length)];
    const cut = next(chunks[target].length);
    cases.push({
      label: `truncate ${target} to ${cut}`,
      cookies: { ...chunks, [target]: chunks[target].slice(0, cut) },
    });
  }
  return cases;
}
