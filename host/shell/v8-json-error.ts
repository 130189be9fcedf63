// The SyntaxError message Node's JSON.parse (V8, as in Node 20) gives for a text, or null when
// the text is valid JSON. The host shell runs in QuickJS, whose JSON.parse words its errors
// differently; `quip emulate` prints V8's words inside a board config error, so the C host
// must print the same. This is a checker only (it builds no values): one pass over the text,
// iterative so that deep nesting cannot exhaust the stack, reporting the first error at the
// position and with the wording V8's JSON parser (src/json/json-parser.cc) uses.

const enum Tok {
  String,
  Number,
  LBrace,
  RBrace,
  LBrack,
  RBrack,
  True,
  False,
  Null,
  Whitespace,
  Colon,
  Comma,
  Illegal,
  End,
}

const END = -1;
const CONTEXT = 10; // characters of context each side of an unexpected token
const MIN_LENGTH_FOR_CONTEXT = 2 * CONTEXT + 1;
const SPECIAL_SOURCES = ['[object Object]', 'undefined', 'Infinity', 'NaN'];

const EXPECTED_PROPERTY_OR_BRACE = "Expected property name or '}' in JSON at position ";
const EXPECTED_COMMA_OR_BRACE = "Expected ',' or '}' after property value in JSON at position ";
const EXPECTED_COMMA_OR_BRACKET = "Expected ',' or ']' after array element in JSON at position ";
const EXPECTED_COLON = "Expected ':' after property name in JSON at position ";
const EXPECTED_QUOTED_NAME = 'Expected double-quoted property name in JSON at position ';
const TRAILING = 'Unexpected non-whitespace character after JSON at position ';

function tokenOf(c: number): Tok {
  if (c === END) return Tok.End;
  if (c === 0x22) return Tok.String;
  if ((c >= 0x30 && c <= 0x39) || c === 0x2d) return Tok.Number;
  switch (c) {
    case 0x5b: return Tok.LBrack;
    case 0x7b: return Tok.LBrace;
    case 0x5d: return Tok.RBrack;
    case 0x7d: return Tok.RBrace;
    case 0x74: return Tok.True;
    case 0x66: return Tok.False;
    case 0x6e: return Tok.Null;
    case 0x20: case 0x09: case 0x0d: case 0x0a: return Tok.Whitespace;
    case 0x3a: return Tok.Colon;
    case 0x2c: return Tok.Comma;
    default: return Tok.Illegal;
  }
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
/** Characters that may continue a number: . e E 0-9 - + */
const isNumberPart = (c: number): boolean => isDigit(c) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2d || c === 0x2b;

class Failure {
  constructor(readonly message: string) {}
}

class Checker {
  private pos = 0;

  constructor(private readonly text: string) {}

  private cur(): number {
    return this.pos < this.text.length ? this.text.charCodeAt(this.pos) : END;
  }

  private fail(message: string): never {
    throw new Failure(message);
  }

  /** V8's message for an unexpected character at the cursor, when no specific one applies. */
  private unexpected(c: number): never {
    const token = c > 0xff ? Tok.Illegal : tokenOf(c);
    const pos = this.pos;
    if (token === Tok.End) this.fail('Unexpected end of JSON input');
    if (token === Tok.Number) this.fail(`Unexpected number in JSON at position ${pos}`);
    if (token === Tok.String) this.fail(`Unexpected string in JSON at position ${pos}`);
    const text = this.text;
    if (SPECIAL_SOURCES.includes(text)) this.fail(`"${text}" is not valid JSON`);
    const ch = text[pos]!;
    if (text.length < MIN_LENGTH_FOR_CONTEXT) this.fail(`Unexpected token '${ch}', "${text}" is not valid JSON`);
    if (pos < CONTEXT) this.fail(`Unexpected token '${ch}', "${text.slice(0, pos + CONTEXT)}"... is not valid JSON`);
    if (pos < text.length - CONTEXT) {
      this.fail(`Unexpected token '${ch}', ..."${text.slice(pos - CONTEXT, pos + CONTEXT)}"... is not valid JSON`);
    }
    this.fail(`Unexpected token '${ch}', ..."${text.slice(pos - CONTEXT)}" is not valid JSON`);
  }

  private skipWhitespace(): void {
    while (tokenOf(this.cur()) === Tok.Whitespace) this.pos++;
  }

  /** Skips whitespace; consumes `token` if it comes next. */
  private check(token: Tok): boolean {
    this.skipWhitespace();
    if (tokenOf(this.cur()) !== token) return false;
    this.pos++;
    return true;
  }

  private expect(token: Tok, message: string): void {
    if (tokenOf(this.cur()) !== token) this.fail(message + this.pos);
    this.pos++;
  }

  private expectNext(token: Tok, message: string): void {
    this.skipWhitespace();
    this.expect(token, message);
  }

  /** After the opening quote, through the closing one. */
  private string(): void {
    for (;;) {
      const c = this.cur();
      if (c === END) this.fail(`Unterminated string in JSON at position ${this.pos}`);
      if (c === 0x22) {
        this.pos++;
        return;
      }
      if (c === 0x5c) {
        this.pos++;
        const e = this.cur();
        if (e === END || e > 0xff) this.unexpected(e);
        if (e === 0x75) {
          for (let i = 0; i < 4; i++) {
            this.pos++;
            if (!isHex(this.cur())) this.fail(`Bad Unicode escape in JSON at position ${this.pos}`);
          }
        } else if (!'"\\/bfnrt'.includes(String.fromCharCode(e))) {
          this.fail(`Bad escaped character in JSON at position ${this.pos}`);
        }
        this.pos++;
        continue;
      }
      if (c < 0x20) this.fail(`Bad control character in string literal in JSON at position ${this.pos}`);
      this.pos++;
    }
  }

  private digits(): void {
    while (isDigit(this.cur())) this.pos++;
  }

  private number(): void {
    let c = this.cur();
    if (c === 0x2d) {
      this.pos++;
      c = this.cur();
    }
    if (c === 0x30) {
      this.pos++;
      c = this.cur();
      if (!isNumberPart(c)) return;
      if (isDigit(c)) this.fail(`Unexpected number in JSON at position ${this.pos}`);
    } else {
      const start = this.pos;
      this.digits();
      if (this.pos === start) this.fail(`No number after minus sign in JSON at position ${this.pos}`);
      if (!isNumberPart(this.cur())) return;
    }
    if (this.cur() === 0x2e) {
      this.pos++;
      if (!isDigit(this.cur())) this.fail(`Unterminated fractional number in JSON at position ${this.pos}`);
      this.digits();
    }
    c = this.cur();
    if (c === 0x65 || c === 0x45) {
      this.pos++;
      c = this.cur();
      if (c === 0x2d || c === 0x2b) this.pos++;
      if (!isDigit(this.cur())) this.fail(`Exponent part is missing a number in JSON at position ${this.pos}`);
      this.digits();
    }
  }

  /** true, false or null; the first letter matched already. */
  private literal(word: string): void {
    const text = this.text;
    const remaining = text.length - this.pos;
    if (text.startsWith(word, this.pos)) {
      this.pos += word.length;
      return;
    }
    this.pos++;
    for (let i = 0; i < Math.min(word.length - 1, remaining - 1); i++) {
      if (word.charCodeAt(1 + i) !== this.cur()) this.unexpected(this.cur());
      this.pos++;
    }
    this.unexpected(END);
  }

  /** A property name (opening quote consumed), then the colon. */
  private propertyName(first: boolean): void {
    this.string();
    this.skipWhitespace();
    // Node 20's V8 words a missing colon so only after an object's first name.
    if (first) this.expect(Tok.Colon, EXPECTED_COLON);
    else if (tokenOf(this.cur()) === Tok.Colon) this.pos++;
    else this.unexpected(this.cur());
  }

  run(): void {
    const open: Tok[] = []; // the containers the cursor is inside, innermost last
    for (;;) {
      // Produce a value; an object or array that is not empty leaves one more open container.
      this.skipWhitespace();
      const c = this.cur();
      switch (tokenOf(c)) {
        case Tok.String:
          this.pos++;
          this.string();
          break;
        case Tok.Number:
          this.number();
          break;
        case Tok.True:
          this.literal('true');
          break;
        case Tok.False:
          this.literal('false');
          break;
        case Tok.Null:
          this.literal('null');
          break;
        case Tok.LBrace:
          this.pos++;
          if (this.check(Tok.RBrace)) break;
          open.push(Tok.LBrace);
          this.expect(Tok.String, EXPECTED_PROPERTY_OR_BRACE);
          this.propertyName(true);
          continue;
        case Tok.LBrack:
          this.pos++;
          if (this.check(Tok.RBrack)) break;
          open.push(Tok.LBrack);
          continue;
        default:
          this.unexpected(c);
      }
      // Consume the value: close the containers it completes, or move on to the next member.
      for (;;) {
        const inside = open[open.length - 1];
        if (inside === undefined) {
          this.expectNext(Tok.End, TRAILING);
          return;
        }
        if (this.check(Tok.Comma)) {
          if (inside === Tok.LBrace) {
            this.expectNext(Tok.String, EXPECTED_QUOTED_NAME);
            this.propertyName(false);
          }
          break;
        }
        this.expect(inside === Tok.LBrace ? Tok.RBrace : Tok.RBrack, inside === Tok.LBrace ? EXPECTED_COMMA_OR_BRACE : EXPECTED_COMMA_OR_BRACKET);
        open.pop();
      }
    }
  }
}

/** V8's JSON.parse error message for `text`, or null when it is valid JSON. */
export function v8JsonParseError(text: string): string | null {
  try {
    new Checker(text).run();
    return null;
  } catch (e) {
    if (e instanceof Failure) return e.message;
    throw e;
  }
}
