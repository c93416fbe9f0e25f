// An independent reading of a trigger's token stream, written from the spec (Part A of
// shared/docs/mapping-and-triggers.md), used only to decide whether a case falls under a declared
// deviation. It records each token's role as Segment's flat parser consumes it (condition head,
// operator, value, function, connective, group paren, NOT), and from those roles: the
// connectives of each properly nested level, the NOTs Segment drops, and whether groups nest or
// hold a function call.

const TERMINATORS = new Set([undefined, ' ', '\t', '\n', ',', ')', ']']);
const isLetter = (c) => c !== undefined && /[A-Za-z]/.test(c);
const isDigit = (c) => c !== undefined && c >= '0' && c <= '9';
const isWordChar = (c) => c !== undefined && /[A-Za-z0-9_-]/.test(c);

/** Lexes per A.1. Returns {tokens} or {error}. */
export function lex(source) {
  const tokens = [];
  let i = 0;
  const at = (k) => source[k];
  while (i < source.length) {
    const c = at(i);
    if (c === ' ' || c === '\t' || c === '\n') { i++; continue; }
    const start = i;
    if (c === '=') { tokens.push({ kind: 'op', text: '=', start }); i++; continue; }
    if (c === '!') {
      if (at(i + 1) === '=') {
        if (!TERMINATORS.has(at(i + 2))) return { error: `'!=' not followed by a terminator at ${i}` };
        tokens.push({ kind: 'op', text: '!=', start }); i += 2; continue;
      }
      if (isLetter(at(i + 1)) || at(i + 1) === '(') { tokens.push({ kind: 'not', text: '!', start }); i++; continue; }
      return { error: `stray '!' at ${i}` };
    }
    if (c === '<' || c === '>') {
      if (at(i + 1) === '=' && TERMINATORS.has(at(i + 2))) { tokens.push({ kind: 'op', text: c + '=', start }); i += 2; continue; }
      tokens.push({ kind: 'op', text: c, start }); i++; continue;
    }
    if (isLetter(c) || c === '_' || c === '\\') {
      // Near the end of the input the reference lexer's keyword look-ahead runs out: a word that
      // starts like and/or/null, with fewer characters left than the keyword and no terminator
      // among them, becomes its first letter and the rest of the input is dropped (`nu`, `nud`,
      // `n!u`, `a*` all end as `n`/`a`; the spec's "prefix" wording is narrower than this).
      const keyword = { a: 'and', o: 'or', n: 'null' }[c];
      const rest = source.slice(i);
      if (keyword && rest.length < keyword.length && ![...rest].some((ch) => TERMINATORS.has(ch))) {
        tokens.push({ kind: 'word', text: c, start });
        break;
      }
      let text = '';
      while (i < source.length && (isWordChar(at(i)) || at(i) === '\\')) {
        if (at(i) === '\\') {
          if (i + 1 >= source.length) return { error: `escape at end of input at ${i}` };
          text += at(i + 1);
          i += 2;
        } else {
          text += at(i);
          i++;
        }
      }
      const next = at(i);
      if (!TERMINATORS.has(next) && !['.', '(', '=', '!'].includes(next)) return { error: `word '${text}' followed by '${next}' at ${i}` };
      const isKeyword = (text === 'and' || text === 'or' || text === 'null') && TERMINATORS.has(next);
      tokens.push({ kind: isKeyword ? 'kw' : 'word', text, start });
      continue;
    }
    if (isDigit(c) || c === '-' || c === '+') {
      let text = c; i++;
      let dots = 0;
      while (isDigit(at(i)) || at(i) === '.') {
        if (at(i) === '.') {
          dots++;
          if (dots > 1) return { error: `number with two dots at ${i}` };
          if (TERMINATORS.has(at(i + 1))) return { error: `number ending in '.' at ${i}` };
        }
        text += at(i); i++;
      }
      tokens.push({ kind: 'num', text, start });
      continue;
    }
    if (c === '"' || c === "'") {
      const close = source.indexOf(c, i + 1);
      if (close < 0) return { error: `unterminated string at ${i}` };
      tokens.push({ kind: 'str', text: source.slice(i, close + 1), start });
      // A closing quote not followed by a terminator also opens the next string.
      i = TERMINATORS.has(at(close + 1)) ? close + 1 : close;
      continue;
    }
    if ('.,()[]'.includes(c)) { tokens.push({ kind: 'punct', text: c, start }); i++; continue; }
    return { error: `unexpected character ${JSON.stringify(c)} at ${i}` };
  }
  return { tokens: mergeDottedWords(tokens) };
}

/** word `.` word becomes one word, whitespace around the dot notwithstanding. */
function mergeDottedWords(tokens) {
  const out = [];
  for (const t of tokens) {
    const [word, dot] = out.slice(-2);
    if (t.kind === 'word' && dot?.kind === 'punct' && dot.text === '.' && word?.kind === 'word') {
      out.pop();
      word.text += `.${t.text}`;
    } else {
      out.push({ ...t });
    }
  }
  return out;
}

const FIELD_HEADS = new Set(['type', 'event', 'name', 'userId', 'properties', 'traits', 'context']);
export const isFieldWord = (t) => t && t.kind === 'word' && FIELD_HEADS.has(t.text.split('.')[0]);
export const isFunctionWord = (t) => t && t.kind === 'word' && (t.text === 'contains' || t.text === 'match');

/**
 * Walks the tokens the way Segment's flat parser consumes them and reports the structure facts the
 * deviation predicates need. `null` when the trigger does not lex (both sides should reject it).
 */
export function analyse(source) {
  const lexed = lex(source);
  if (lexed.error) return null;
  const tokens = lexed.tokens;
  const facts = {
    tokens,
    // Per proper-nesting level: which connectives appear in connective role.
    levels: [],
    negations: [], // NOT tokens Segment drops: not followed by contains/match.
    nestedGroup: false, // a group opened inside another group
    functionInGroup: false,
  };
  const stack = []; // open group-role '(' token indexes (proper nesting view)
  const levelConnectives = [new Set()];
  let k = 0;
  while (k < tokens.length) {
    const t = tokens[k];
    if (isFieldWord(t)) { k += 3; continue; }
    if (isFunctionWord(t)) { if (stack.length) facts.functionInGroup = true; k += 6; continue; }
    if (t.kind === 'not') {
      if (isFunctionWord(tokens[k + 1])) { if (stack.length) facts.functionInGroup = true; k += 7; continue; }
      facts.negations.push(k);
      k++;
      continue;
    }
    if (t.kind === 'kw' && (t.text === 'and' || t.text === 'or')) { levelConnectives[levelConnectives.length - 1].add(t.text); k++; continue; }
    if (t.kind === 'punct' && t.text === '(') {
      if (stack.length) facts.nestedGroup = true;
      stack.push(k);
      levelConnectives.push(new Set());
      k++;
      continue;
    }
    if (t.kind === 'punct' && t.text === ')' && stack.length) {
      const open = stack.pop();
      facts.levels.push(levelConnectives.pop());
      k++;
      continue;
    }
    k++;
  }
  while (levelConnectives.length) facts.levels.push(levelConnectives.pop());
  facts.mixedConnectives = facts.levels.some((s) => s.has('and') && s.has('or'));
  return facts;
}
