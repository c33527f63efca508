// Points of several named series over a moving time window, turned into
// uPlot's aligned data (one x array, one y array per series, null where a
// series has no point at that time). Pure: no DOM, so it is easy to check.

export class SeriesBuffer {
  constructor(names) {
    this.names = names;
    this.points = new Map(names.map((name) => [name, []])); // name -> [[ts_ms, value]] ascending
  }

  // Adds a series; true when it is new (a chart then has to be rebuilt).
  ensure(name) {
    if (this.points.has(name)) return false;
    this.names.push(name);
    this.points.set(name, []);
    return true;
  }

  add(name, ts, value) {
    const list = this.points.get(name);
    if (!list || value === undefined || value === null || Number.isNaN(value)) return false;
    // Readings arrive in order almost always; an out-of-order one is inserted
    // in place so the chart never draws a line backwards.
    if (list.length === 0 || list[list.length - 1][0] <= ts) list.push([ts, value]);
    else list.splice(list.findIndex((point) => point[0] > ts), 0, [ts, value]);
    return true;
  }

  clear() {
    for (const list of this.points.values()) list.length = 0;
  }

  // Drops points older than from_ms.
  trim(fromMs) {
    for (const list of this.points.values()) {
      let first = 0;
      while (first < list.length && list[first][0] < fromMs) ++first;
      if (first) list.splice(0, first);
    }
  }

  count() {
    let total = 0;
    for (const list of this.points.values()) total += list.length;
    return total;
  }

  // [xs in seconds, ys per series in `names` order]
  aligned() {
    const times = new Set();
    for (const list of this.points.values()) for (const [ts] of list) times.add(ts);
    const xs = [...times].sort((a, b) => a - b);
    const index = new Map(xs.map((ts, i) => [ts, i]));
    const data = [xs.map((ts) => ts / 1000)];
    for (const name of this.names) {
      const ys = new Array(xs.length).fill(null);
      for (const [ts, value] of this.points.get(name)) ys[index.get(ts)] = value;
      data.push(ys);
    }
    return data;
  }
}

// A reading's value by dotted name: stored readings are flattened ("d.0",
// "tip.1"), streamed ones may still hold the arrays and objects.
export function valueOf(values, name) {
  if (!values) return undefined;
  if (name in values) return values[name];
  let current = values;
  for (const part of name.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = current[part];
  }
  return current;
}

// true/false, 1/0 and "true"/"false" as 1/0; anything else undefined.
export function truth(value) {
  if (value === true || value === 1 || value === "true") return 1;
  if (value === false || value === 0 || value === "false") return 0;
  return undefined;
}
