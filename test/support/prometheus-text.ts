/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for
 * tests: it throws on anything a Prometheus server would reject or that the
 * format leaves ambiguous (a sample without its family's TYPE, a repeated series,
 * a malformed label, histogram buckets that are not cumulative), so a test that
 * parses /metrics checks the format as well as the numbers.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name: `chat_requests_total`, `chat_request_duration_seconds_bucket`, ... */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly samples: readonly Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** The suffixes a family's samples may add to its name, by type. */
const SUFFIXES: Readonly<Record<MetricType, readonly string[]>> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('the exposition does not end with a newline');
  const families = new Map<string, { name: string; type: MetricType | null; help: string | null; samples: Sample[] }>();
  const seriesSeen = new Set<string>();
  const family = (name: string) => {
    let found = families.get(name);
    if (!found) families.set(name, (found = { name, type: null, help: null, samples: [] }));
    return found;
  };
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, index) => {
    const where = `line ${index + 1} (${JSON.stringify(line)})`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!match) return; // a plain comment
      const [, keyword, name, rest] = match;
      if (!METRIC_NAME.test(name!)) throw new Error(`bad metric name at ${where}`);
      const target = family(name!);
      if (target.samples.length > 0) throw new Error(`${keyword} after the samples of ${name} at ${where}`);
      if (keyword === 'HELP') {
        if (target.help !== null) throw new Error(`second HELP for ${name} at ${where}`);
        target.help = unescape(rest!, false, where);
      } else {
        if (target.type !== null) throw new Error(`second TYPE for ${name} at ${where}`);
        if (!TYPES.has(rest!)) throw new Error(`unknown type at ${where}`);
        target.type = rest as MetricType;
      }
      return;
    }
    const sample = parseSample(line, where);
    const owner = ownerOf(sample.name, families);
    if (!owner) throw new Error(`sample without a TYPE for its family at ${where}`);
    const series = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seriesSeen.has(series)) throw new Error(`repeated series at ${where}`);
    seriesSeen.add(series);
    owner.samples.push(sample);
  });
  const result = new Map<string, MetricFamily>();
  for (const f of families.values()) {
    if (f.type === null) throw new Error(`${f.name} has no TYPE`);
    const parsed: MetricFamily = { name: f.name, type: f.type, help: f.help ?? '', samples: f.samples };
    if (parsed.type === 'histogram') checkHistogram(parsed);
    if (parsed.type === 'counter') {
      for (const s of parsed.samples) if (!(s.value >= 0)) throw new Error(`${s.name} is a counter below 0`);
    }
    result.set(f.name, parsed);
  }
  return result;
}

function ownerOf(
  sampleName: string,
  families: Map<string, { name: string; type: MetricType | null; samples: Sample[] }>,
): { samples: Sample[] } | undefined {
  for (const f of families.values()) {
    if (f.type === null) continue;
    for (const suffix of SUFFIXES[f.type]) if (sampleName === f.name + suffix) return f;
  }
  return undefined;
}

function parseSample(line: string, where: string): Sample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) throw new Error(`bad sample name at ${where}`);
  const name = nameMatch[0];
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    let i = 1;
    for (;;) {
      if (rest[i] === '}') {
        i += 1;
        break;
      }
      const labelMatch = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(rest.slice(i));
      if (!labelMatch || !LABEL_NAME.test(labelMatch[1]!)) throw new Error(`bad label at ${where}`);
      i += labelMatch[0].length;
      let raw = '';
      for (;;) {
        const c = rest[i];
        if (c === undefined) throw new Error(`unterminated label value at ${where}`);
        if (c === '\\') {
          raw += c + (rest[i + 1] ?? '');
          i += 2;
          continue;
        }
        if (c === '"') break;
        raw += c;
        i += 1;
      }
      i += 1;
      const labelName = labelMatch[1]!;
      if (labelName in labels) throw new Error(`repeated label ${labelName} at ${where}`);
      labels[labelName] = unescape(raw, true, where);
      if (rest[i] === ',') i += 1;
      else if (rest[i] !== '}') throw new Error(`expected , or } at ${where}`);
    }
    rest = rest.slice(i);
  }
  const valueMatch = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
  if (!valueMatch) throw new Error(`bad value at ${where}`);
  return { name, labels, value: parseValue(valueMatch[1]!, where) };
}

/** As Prometheus reads values (Go's ParseFloat): `NaN` and `Inf` in any case, with an optional sign. */
function parseValue(text: string, where: string): number {
  const special = /^([-+]?)(inf|infinity|nan)$/i.exec(text);
  if (special) return special[2]!.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad number at ${where}`);
  return Number(text);
}

/** HELP text escapes `\\` and `\n`; label values also `\"`. */
function unescape(raw: string, quotes: boolean, where: string): string {
  return raw.replace(/\\(.?)/g, (_, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    if (c === '"' && quotes) return '"';
    throw new Error(`bad escape at ${where}`);
  });
}

/** Buckets per series ascend by `le`, count up, end at +Inf equal to _count. */
function checkHistogram(f: MetricFamily): void {
  const groups = new Map<string, { buckets: Array<[number, number]>; count?: number; sum?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { buckets: [] }));
    if (s.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${f.name}: a bucket without le`);
      group.buckets.push([parseValue(le, f.name), s.value]);
    } else if (s.name.endsWith('_count')) group.count = s.value;
    else group.sum = s.value;
  }
  for (const [key, group] of groups) {
    const where = `${f.name}${key}`;
    if (group.count === undefined || group.sum === undefined) throw new Error(`${where}: _count or _sum missing`);
    let previous: [number, number] = [-Infinity, 0];
    for (const bucket of group.buckets) {
      if (!(bucket[0] > previous[0])) throw new Error(`${where}: buckets not in ascending order`);
      if (bucket[1] < previous[1]) throw new Error(`${where}: buckets not cumulative`);
      previous = bucket;
    }
    if (previous[0] !== Infinity || previous[1] !== group.count) throw new Error(`${where}: no +Inf bucket equal to _count`);
  }
}

/** The value of the one sample named `name` whose labels include `labels`; undefined when there is none. */
export function sampleValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  const matches = [...families.values()]
    .flatMap((f) => f.samples)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (matches.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} names ${matches.length} series`);
  return matches[0]?.value;
}
